package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/net2booking/net2booking/accessplan"
)

// BenchmarkCycle2000Persons20000Bookings plans and applies for 2,000 persons with 10
// bookings each (20,000) against the emulator over HTTP. It reports the requests of the first
// cycle (creating everyone) and of a steady-state cycle, and times steady-state cycles: with
// a fetch of the feed (every fetch interval) and without (at a window transition).
func BenchmarkCycle2000Persons20000Bookings(b *testing.B) {
	s := newStack(b, start, accessplan.CodeQR)
	var bs []feedBooking
	for p := range 2000 {
		for k := range 10 {
			// Spread over the next 60 days; some are in progress now.
			at := start.Add(time.Duration(p%48-4)*30*time.Minute + time.Duration(k)*6*24*time.Hour)
			bs = append(bs, feedBooking{uid: fmt.Sprintf("b%d-%d", p, k), email: fmt.Sprintf("person%d@example.com", p),
				name: fmt.Sprintf("Person %d", p), resources: []string{[]string{"Studio 1", "Meeting room A"}[p%2]}, start: at, end: at.Add(90 * time.Minute)})
		}
	}
	s.feed.set(bs...)

	s.sim.ResetLog()
	began := time.Now()
	first := s.cycle()
	if len(first.Failed) > 0 {
		b.Fatalf("first cycle: %d failures, first %v", len(first.Failed), first.Failed[0].Err)
	}
	b.Logf("first cycle: %d requests (%d writes, %d reads) in %s", len(s.sim.Requests()), s.sim.Writes(), reads(s.sim), time.Since(began).Round(time.Millisecond))

	s.sim.ResetLog()
	if rep := s.cycle(); len(rep.Plan.Actions) != 0 {
		b.Fatalf("not steady: %d actions", len(rep.Plan.Actions))
	}
	b.Logf("steady-state cycle: %d requests (%d writes, %d reads: %v)", len(s.sim.Requests()), s.sim.Writes(), reads(s.sim), s.sim.Counts())

	s.sim.ResetLog()
	s.cycle(CycleOptions{FullVerify: true})
	b.Logf("full verification: %d reads, %d writes", reads(s.sim), s.sim.Writes())

	b.Run("steady-with-fetch", func(b *testing.B) {
		for b.Loop() {
			s.cycle()
		}
	})
	b.Run("steady-plan-and-apply", func(b *testing.B) {
		for b.Loop() {
			s.cycle(CycleOptions{})
		}
	})
}
