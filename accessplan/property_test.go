package accessplan

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
)

// TestPreviewMatchesBruteForce checks DESIGN invariant 3 on random inputs: at any instant T a
// person holds door D iff a granting booking of a resource mapped to D covers T after grace;
// and the reported window is the maximal stretch of uninterrupted access containing T.
func TestPreviewMatchesBruteForce(t *testing.T) {
	const cases = 400
	for seed := uint64(1); seed <= cases; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0x6e657432))
		in, bookings := randomInput(t, rng)
		p := Compute(in)
		for range 60 {
			at := in.Now.Add(time.Duration(rng.IntN(int(48*time.Hour/time.Minute))-24*60) * time.Minute)
			if rng.IntN(4) == 0 && len(bookings) > 0 { // probe exact boundaries too
				b := bookings[rng.IntN(len(bookings))]
				at = []time.Time{b.Start.Add(-in.Policy.GraceBefore), b.End.Add(in.Policy.GraceAfter), b.End.Add(in.Policy.GraceAfter - time.Nanosecond)}[rng.IntN(3)]
			}
			want := bruteForce(in.Policy, bookings, at)
			got := p.Preview(at)
			require.Equal(t, want, got, "seed %d at %s", seed, at)

			// Next: the answer is constant until Next and differs right at it.
			if n, ok := p.Next(at); ok {
				require.True(t, n.After(at), "seed %d", seed)
				require.Equal(t, doorsOnly(p.Preview(at)), doorsOnly(p.Preview(n.Add(-time.Nanosecond))), "seed %d: answer changed before Next %s", seed, n)
				require.NotEqual(t, doorsOnly(p.Preview(n.Add(-time.Nanosecond))), doorsOnly(p.Preview(n)), "seed %d: nothing changed at Next %s", seed, n)
			}
		}
	}
}

func doorsOnly(as []Access) map[string][]int {
	m := map[string][]int{}
	for _, a := range as {
		m[a.Email] = a.Doors
	}
	return m
}

func randomInput(t *testing.T, rng *rand.Rand) (Input, []booking.Booking) {
	now := time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC)
	pol := Policy{
		Doors:                 map[string][]int{},
		GraceBefore:           time.Duration(rng.IntN(4)) * 5 * time.Minute,
		GraceAfter:            time.Duration(rng.IntN(4)) * 5 * time.Minute,
		RemoveAfterDays:       7,
		Lookahead:             30 * 24 * time.Hour,
		TentativeGrantsAccess: rng.IntN(2) == 0,
	}
	nRes := 1 + rng.IntN(6)
	resources := make([]string, nRes+1)
	for i := range nRes {
		resources[i] = fmt.Sprintf("R%d", i)
		doors := make([]int, 1+rng.IntN(3))
		for j := range doors {
			doors[j] = 100 + rng.IntN(6) // small id space: doors are shared between resources
		}
		pol.Doors[resources[i]] = doors
	}
	resources[nRes] = "unmapped"
	emails := []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com"}
	statuses := []booking.Status{booking.StatusConfirmed, booking.StatusConfirmed, booking.StatusTentative, booking.StatusCancelled}

	var bookings []booking.Booking
	for i := range rng.IntN(25) {
		start := now.Add(time.Duration(rng.IntN(48*4)-24*4) * 15 * time.Minute)
		dur := time.Duration(rng.IntN(12)) * 15 * time.Minute // zero-length bookings included
		var res []string
		for range 1 + rng.IntN(3) {
			res = append(res, resources[rng.IntN(len(resources))])
		}
		var ps []booking.Person
		for range rng.IntN(3) {
			p, err := booking.NewPerson(emails[rng.IntN(len(emails))], "", booking.RoleAttendee)
			require.NoError(t, err)
			ps = append(ps, p)
		}
		bookings = append(bookings, booking.Booking{
			Source: "s", UID: fmt.Sprintf("u%d", i), Start: start, End: start.Add(dur),
			Resources: res, Persons: ps, Status: statuses[rng.IntN(len(statuses))],
		})
	}
	return Input{Now: now, Policy: pol, Sources: []SourceState{{Name: "s", Known: true, Bookings: bookings}}}, bookings
}

// bruteForce answers Preview from the rule itself, booking by booking, without merging.
func bruteForce(pol Policy, bookings []booking.Booking, at time.Time) []Access {
	granting := func(b booking.Booking) bool {
		return b.Status == booking.StatusConfirmed || (b.Status == booking.StatusTentative && pol.TentativeGrantsAccess)
	}
	windowOf := func(b booking.Booking) Interval {
		return Interval{b.Start.Add(-pol.GraceBefore), b.End.Add(pol.GraceAfter)}
	}
	mapped := func(b booking.Booking) (doors []int, res []string) {
		for _, r := range b.Resources {
			if d, ok := pol.Doors[r]; ok {
				doors = append(doors, d...)
				res = append(res, r)
			}
		}
		return doors, res
	}
	byEmail := map[string]*Access{}
	windows := map[string][]Interval{}
	for _, b := range bookings {
		doors, res := mapped(b)
		if !granting(b) || len(doors) == 0 {
			continue
		}
		w := windowOf(b)
		for _, p := range b.Persons {
			windows[p.Email] = append(windows[p.Email], w)
			if !w.Contains(at) {
				continue
			}
			a := byEmail[p.Email]
			if a == nil {
				a = &Access{Email: p.Email, Name: p.Name()}
				byEmail[p.Email] = a
			}
			a.Doors = append(a.Doors, doors...)
			a.Resources = append(a.Resources, res...)
		}
	}
	var out []Access
	for email, a := range byEmail {
		slices.Sort(a.Doors)
		a.Doors = slices.Compact(a.Doors)
		slices.Sort(a.Resources)
		a.Resources = slices.Compact(a.Resources)
		// Grow the window from the instant: absorb every booking window that overlaps or
		// touches it until nothing changes.
		cur := Interval{at, at}
		for changed := true; changed; {
			changed = false
			for _, w := range windows[email] {
				if w.Empty() || w.Start.After(cur.End) || w.End.Before(cur.Start) {
					continue
				}
				if w.Start.Before(cur.Start) {
					cur.Start, changed = w.Start, true
				}
				if w.End.After(cur.End) {
					cur.End, changed = w.End, true
				}
			}
		}
		a.Window = cur
		out = append(out, *a)
	}
	slices.SortFunc(out, func(x, y Access) int {
		if x.Email < y.Email {
			return -1
		}
		return 1
	})
	return out
}
