package engine

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
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

// BenchmarkSite10000Users2000Managed is the cost at scale (issue "Real Net2", item 6): a site
// of 10,000 Net2 users of whom 2,000 are managed, QR codes, over HTTP. It reports (with -v)
// the requests of a steady-state cycle of `run`, of a one-shot `sync` started from a scheduler
// with and without its cache file, and of the QR uniqueness check, and times the steady cycles.
func BenchmarkSite10000Users2000Managed(b *testing.B) {
	s := newStack(b, start, accessplan.CodeQR)
	for i := range 8000 {
		u := net2sim.User{FirstName: "Staff", LastName: fmt.Sprint(i), Tokens: []net2sim.Token{{TokenType: "ProxCard", TokenValue: fmt.Sprint(50000000 + i)}}}
		if i%2 == 0 {
			u.PIN = fmt.Sprintf("%06d", 100000+i*7)
		}
		if _, err := s.sim.AddUser(u); err != nil {
			b.Fatal(err)
		}
	}
	var bs []feedBooking
	for p := range 2000 {
		at := start.Add(time.Duration(p%48+1) * 30 * time.Minute)
		bs = append(bs, feedBooking{uid: fmt.Sprintf("b%d", p), email: fmt.Sprintf("person%d@example.com", p),
			name: fmt.Sprintf("Person %d", p), resources: []string{[]string{"Studio 1", "Meeting room A"}[p%2]}, start: at, end: at.Add(time.Hour)})
	}
	s.feed.set(bs...)
	file := filepath.Join(b.TempDir(), "net2booking.cache.json")
	s.cache = net2.OpenCache(file, "site", nil)
	s.leaseHolder = "bench" // as the service runs: with the lease in Net2 (invariant 9)
	s.restart()

	count := func(what string) int {
		n := len(s.sim.Requests())
		b.Logf("%s: %d requests (%d writes; %v)", what, n, s.sim.Writes(), topCounts(s.sim.Counts()))
		return n
	}
	s.sim.ResetLog()
	began := time.Now()
	if rep := s.cycle(); len(rep.Failed) > 0 {
		b.Fatalf("first cycle: %d failures, first %v", len(rep.Failed), rep.Failed[0].Err)
	}
	b.Logf("first cycle took %s", time.Since(began).Round(time.Millisecond))
	count("first cycle (2,000 users created, QR check reads every user's tokens once)")

	s.sim.ResetLog()
	s.cycle()
	b.ReportMetric(float64(count("run: steady-state cycle (with the lease check)")), "run-steady-requests")

	s.sim.ResetLog()
	s.cycle(CycleOptions{Fetch: true, FullVerify: true})
	count("run: full verification (safety.verify_every)")

	// One-shot syncs: a new process each time, with the cache file the last one left.
	oneShot := func() {
		s.cache = net2.OpenCache(file, "site", nil)
		s.restart()
		s.sim.ResetLog()
		if rep := s.cycle(CycleOptions{Fetch: true, OneShot: true}); len(rep.Failed) > 0 {
			b.Fatalf("one-shot sync: %v", rep.Failed[0].Err)
		}
	}
	oneShot()
	b.ReportMetric(float64(count("one-shot sync with its cache file: steady state")), "sync-steady-requests")

	// A new booker while the service runs: the QR check reads no tokens at all.
	s.feed.set(append(bs, feedBooking{uid: "new", email: "new@example.com", name: "New Person", resources: []string{"Studio 1"},
		start: start.Add(3 * time.Hour), end: start.Add(4 * time.Hour)})...)
	s.sim.ResetLog()
	s.cycle()
	b.ReportMetric(float64(s.sim.Counts()["GET /users/{id}/tokens"]), "qr-check-token-reads")
	count("new booker (QR check from the token index, new users only)")

	// The same one-shot sync without a cache file: what the file saves.
	s.cache = nil
	s.restart()
	s.sim.ResetLog()
	s.cycle()
	count("one-shot sync without a cache file (full read)")
	s.cache = net2.OpenCache(file, "site", nil)
	s.restart()
	s.cycle()

	b.Run("run-steady-cycle", func(b *testing.B) {
		for b.Loop() {
			s.cycle(CycleOptions{})
		}
	})
	b.Run("one-shot-sync", func(b *testing.B) {
		for b.Loop() {
			s.cache = net2.OpenCache(file, "site", nil)
			s.restart()
			s.cycle(CycleOptions{Fetch: true, OneShot: true})
		}
	})
}

// topCounts keeps the request counts that matter for a log line.
func topCounts(c map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range c {
		if v > 0 {
			out[k] = v
		}
	}
	return out
}
