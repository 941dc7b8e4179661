package accessplan

import (
	"slices"
	"time"
)

// Interval is a half-open span [Start, End) during which a door may be passed. Access ends at
// the instant End, as DTEND is exclusive (SPEC F8).
type Interval struct {
	Start time.Time `json:"from"`
	End   time.Time `json:"until"`
}

// Contains reports whether t lies in [Start, End).
func (iv Interval) Contains(t time.Time) bool {
	return !t.Before(iv.Start) && t.Before(iv.End)
}

// Empty reports whether the interval holds no instant.
func (iv Interval) Empty() bool { return !iv.Start.Before(iv.End) }

// mergeIntervals sorts and merges intervals that overlap or touch, so [a,b) and [b,c) become
// [a,c): a person whose bookings follow each other never loses access in between. Empty
// intervals are dropped. The input slice is reordered.
func mergeIntervals(ivs []Interval) []Interval {
	slices.SortFunc(ivs, func(a, b Interval) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return a.End.Compare(b.End)
	})
	out := ivs[:0]
	for _, iv := range ivs {
		if iv.Empty() {
			continue
		}
		if n := len(out); n > 0 && !iv.Start.After(out[n-1].End) {
			if iv.End.After(out[n-1].End) {
				out[n-1].End = iv.End
			}
			continue
		}
		out = append(out, iv)
	}
	return slices.Clip(out)
}

// find returns the interval of a sorted, merged list that contains t.
func find(ivs []Interval, t time.Time) (Interval, bool) {
	// First interval whose End is after t; it contains t iff its Start is not after t.
	i, _ := slices.BinarySearchFunc(ivs, t, func(iv Interval, t time.Time) int {
		if iv.End.After(t) {
			return 1
		}
		return -1
	})
	if i < len(ivs) && ivs[i].Contains(t) {
		return ivs[i], true
	}
	return Interval{}, false
}

// nextBoundary returns the first interval start or end strictly after t in a sorted, merged list.
func nextBoundary(ivs []Interval, t time.Time) (time.Time, bool) {
	i, _ := slices.BinarySearchFunc(ivs, t, func(iv Interval, t time.Time) int {
		if iv.End.After(t) {
			return 1
		}
		return -1
	})
	if i == len(ivs) {
		return time.Time{}, false
	}
	if ivs[i].Start.After(t) {
		return ivs[i].Start, true
	}
	return ivs[i].End, true
}
