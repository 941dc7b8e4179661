package ical

import (
	"math"
	"sync"
	"time"
)

// A zone maps instants to UTC offsets. It is our own type rather than *time.Location because
// an in-feed VTIMEZONE with STANDARD/DAYLIGHT rules cannot be expressed as a Location, and
// because we need the boundaries of each offset period to apply RFC 5545 §3.3.5 exactly.
type zone struct {
	name string
	kind zoneKind
	// offset is the UTC offset in seconds of a fixed zone.
	offset int
	// loc backs a zone from the IANA database (also Windows names mapped to IANA).
	loc *time.Location
	// vtz are the observances of a rule-based VTIMEZONE, or lazy builds them when the zone
	// is first used (rules()).
	vtz  *vtzRules
	lazy *lazyRules
}

// lazyRules is a rule-based VTIMEZONE that was checked when it was read and is built when
// first used: a VTIMEZONE's rules take four times its text. It holds the zone's compact form
// when it has one (compactZone), else its text.
type lazyRules struct {
	text    []byte // BEGIN:VTIMEZONE to END:VTIMEZONE, unfolded
	compact []compactObservance
	initial int // the offset before its earliest onset (also should the text fail to build again)
	// earliest is vtzRules.earliest, with compact.
	earliest int64
	once     sync.Once
	rules    *vtzRules
}

// rules returns the zone's observances.
func (z *zone) rules() *vtzRules {
	l := z.lazy
	if l == nil {
		return z.vtz
	}
	l.once.Do(func() {
		if l.compact != nil {
			l.rules, l.compact = compactRules(l.compact, l.initial, l.earliest), nil
			return
		}
		var built *zone
		comp, err := newPropDecoder().decodeComponent(l.text)
		if err == nil {
			_, built, err = buildVTimezone(comp)
		}
		if err == nil && built != nil && built.vtz != nil {
			l.rules = built.vtz
		} else { // not expected: the same text was built once already
			l.rules = &vtzRules{initial: l.initial, earliest: maxInstant, main: &table{}}
			l.rules.once.Do(func() {})
		}
		l.text = nil
	})
	return l.rules
}

type zoneKind uint8

const (
	zoneFixed zoneKind = iota
	zoneLocation
	zoneRules
)

const (
	minInstant = math.MinInt64
	maxInstant = math.MaxInt64
	// searchSpan bounds the distance between a wall-clock reading and the instant it names:
	// real UTC offsets lie within ±26 hours (VTIMEZONE offsets are parsed with that limit).
	searchSpan = 26 * 3600
)

func fixedZone(name string, offset int) *zone {
	return &zone{name: name, kind: zoneFixed, offset: offset}
}

func locationZone(loc *time.Location) *zone {
	return &zone{name: loc.String(), kind: zoneLocation, loc: loc}
}

// lookup returns the UTC offset in force at instant t (Unix seconds) and the half-open period
// [start, end) during which that offset holds (minInstant/maxInstant when unbounded).
func (z *zone) lookup(t int64) (offset int, start, end int64) {
	switch z.kind {
	case zoneFixed:
		return z.offset, minInstant, maxInstant
	case zoneLocation:
		tt := time.Unix(t, 0).In(z.loc)
		_, off := tt.Zone()
		s, e := tt.ZoneBounds()
		start, end = minInstant, maxInstant
		if !s.IsZero() {
			start = s.Unix()
		}
		if !e.IsZero() {
			end = e.Unix()
		}
		return off, start, end
	default:
		v := z.rules()
		tb := v.mainTable()
		if t < tb.from || t >= tb.to {
			return v.lookupAround(t)
		}
		return tb.lookup(t)
	}
}

// wallOf returns the wall-clock reading of instant t in the zone, as a UTC "stand-in" time
// whose fields are the local wall clock.
func (z *zone) wallOf(t time.Time) time.Time {
	u := t.Unix()
	off, _, _ := z.lookup(u)
	return time.Unix(u+int64(off), 0).UTC()
}

// toInstant maps a wall-clock reading in the zone to the instant it denotes, exactly as
// RFC 5545 §3.3.5 requires: a wall time that falls in a gap (spring forward) is read with the
// offset in force before the gap, and an ambiguous wall time (fall back) means its first
// occurrence. time.Date documents neither guarantee, hence this function.
//
// wall is a stand-in: a time.Time in UTC whose fields are the local wall clock.
func (z *zone) toInstant(wall time.Time) time.Time {
	w := wall.Unix()
	if z.kind == zoneFixed {
		return time.Unix(w-int64(z.offset), 0).UTC()
	}
	var (
		best, gap       int64
		found, gapFound bool
		prevOff         int
		havePrev        bool
		t               = w - searchSpan
		limit           = w + searchSpan
	)
	for i := 0; i < 32; i++ {
		off, start, end := z.lookup(t)
		// Every instant whose wall clock reads w has the form w - off for the offset off in
		// force at that instant; keep those that really lie in their period.
		if cand := w - int64(off); cand >= start && cand < end && (!found || cand < best) {
			best, found = cand, true
		}
		// A transition at start from prevOff to a larger off skips the wall times
		// [start+prevOff, start+off): such a w is read with the offset before the gap.
		if havePrev && off > prevOff && w >= start+int64(prevOff) && w < start+int64(off) {
			gap, gapFound = w-int64(prevOff), true
		}
		if end == maxInstant || end > limit {
			break
		}
		t, prevOff, havePrev = end, off, true
	}
	switch {
	case found:
		return time.Unix(best, 0).UTC()
	case gapFound:
		return time.Unix(gap, 0).UTC()
	default:
		off, _, _ := z.lookup(w)
		return time.Unix(w-int64(off), 0).UTC()
	}
}
