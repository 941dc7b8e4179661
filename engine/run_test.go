package engine

import (
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/net2/net2sim"
)

// waitFor runs Run's cycles until cond holds (bounded).
func (s *stack) waitFor(cond func(cycleDone) bool) cycleDone {
	s.t.Helper()
	for range 50 {
		if c := s.nextCycle(); cond(c) {
			return c
		}
	}
	s.t.Fatalf("condition not reached in 50 cycles")
	return cycleDone{}
}

// TestDoorsSwitchOnTimeWhileAFeedHangs: the feed stops answering (it hangs for longer than
// any fetch timeout) just before a window opens; the door still opens at the computed instant,
// because fetching is off the reconcile path. Deterministic: the clock and the timers are the
// test's.
func TestDoorsSwitchOnTimeWhileAFeedHangs(t *testing.T) {
	s := newStack(t, start, accessplan.CodePIN)
	open := start.Add(30 * time.Minute) // window start (booking start - 5 min grace)
	s.feed.set(feedBooking{uid: "a", email: "ann@example.com", name: "Ann Example", resources: []string{"Studio 1"}, start: open.Add(5 * time.Minute), end: open.Add(time.Hour)})
	stop := s.run()
	s.waitFor(func(c cycleDone) bool { return c.err == nil && len(s.managed()) == 1 })
	ann := s.managed()["ann@example.com"]
	assert.Empty(t, s.doorsOf(ann))

	s.clock.waitPending(t, 2) // the loop's wake and the fetch loop's interval
	s.feed.setMode("hang")
	s.clock.Advance(10 * time.Minute) // the next fetch starts, and hangs
	<-s.feed.hung

	s.clock.Set(open)
	c := s.waitFor(func(c cycleDone) bool { return c.err == nil && !c.rep.Now.Before(open) })
	assert.Equal(t, open, c.rep.Now, "the cycle ran at the computed instant, not after the fetch")
	assert.Equal(t, []int{net2sim.DemoFrontDoor, net2sim.DemoStudio1}, s.doorsOf(s.managed()["ann@example.com"]), "the door is open at the instant")
	require.NoError(t, stop(), "Run stops gracefully while a fetch hangs")
	assert.NotContains(t, s.logs.String(), "level=ERROR")
}

// TestRunWaitsForNet2 : Net2 does not answer when the loop starts (the PC booted before Net2);
// the loop says so, retries with a growing wait, and converges once Net2 answers, without a
// restart.
func TestRunWaitsForNet2(t *testing.T) {
	s := newStack(t, start, accessplan.CodePIN)
	var down atomic.Bool
	down.Store(true)
	s.wrap = func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if down.Load() {
				http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	s.feed.set(feedBooking{uid: "a", email: "ann@example.com", name: "Ann Example", resources: []string{"Studio 1"}, start: start.Add(time.Hour), end: start.Add(2 * time.Hour)})
	stop := s.run()
	defer stop()
	c := s.nextCycle()
	require.Error(t, c.err)
	var waits []time.Duration
	for range 3 {
		before := s.clock.Now()
		// The loop set a timer for its retry (next to the fetch loop's); move the clock to it.
		s.clock.waitPending(t, 2)
		s.clock.Advance(s.nextDeadline())
		c = s.nextCycle()
		require.Error(t, c.err)
		waits = append(waits, s.clock.Now().Sub(before))
	}
	assert.Less(t, waits[0], waits[2], "the wait grows: %v", waits)
	assert.Equal(t, 1, strings.Count(s.logs.String(), "cannot read Net2"), "said once, not every attempt")

	down.Store(false)
	s.clock.waitPending(t, 2)
	s.clock.Advance(s.nextDeadline())
	s.waitFor(func(c cycleDone) bool { return c.err == nil && len(s.managed()) == 1 })
	assert.Contains(t, s.logs.String(), "Net2 answers again")
}

// nextDeadline is how far the earliest pending timer of the loop (not of the fetch loops,
// which wait a whole fetch interval) lies ahead.
func (s *stack) nextDeadline() time.Duration {
	s.clock.mu.Lock()
	defer s.clock.mu.Unlock()
	var best time.Duration
	for _, ft := range s.clock.timers {
		d := ft.at.Sub(s.clock.t)
		if d < 10*time.Minute && (best == 0 || d < best) {
			best = d
		}
	}
	return best
}

// TestAPermanentlyRefusedWriteIsBackedOff: Net2 refuses one person's door permissions for
// good. Everyone else is served, the error is logged a bounded number of times, and it causes
// no fetch storm.
func TestAPermanentlyRefusedWriteIsBackedOff(t *testing.T) {
	s := newStack(t, start, accessplan.CodePIN)
	var refused atomic.Int64 // Net2 user id whose permission writes are refused
	s.wrap = func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if id := refused.Load(); r.Method == http.MethodPut && id != 0 && r.URL.Path == "/api/v1/users/"+strconv.FormatInt(id, 10)+"/doorpermissionset" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				w.Write([]byte(`{"Message":"The request is invalid."}`))
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	open := start.Add(30 * time.Minute)
	var bs []feedBooking
	for _, who := range []string{"ann", "bo", "cy"} {
		bs = append(bs, feedBooking{uid: who, email: who + "@example.com", name: who, resources: []string{"Studio 1"}, start: open.Add(5 * time.Minute), end: open.Add(4 * time.Hour)})
	}
	s.feed.set(bs...)
	stop := s.run()
	defer stop()
	s.waitFor(func(c cycleDone) bool { return c.err == nil && len(s.managed()) == 3 })
	refused.Store(int64(s.managed()["bo@example.com"].ID))

	fetchesBefore := s.feed.count()
	// Three hours in one-minute steps: the window opens, fetches come every 10 minutes.
	for range 180 {
		s.clock.waitPending(t, 2)
		s.clock.Advance(time.Minute)
	}
	s.clock.waitPending(t, 2)
	for _, who := range []string{"ann", "cy"} {
		assert.Equal(t, []int{net2sim.DemoFrontDoor, net2sim.DemoStudio1}, s.doorsOf(s.managed()[who+"@example.com"]), "%s is served", who)
	}
	assert.Empty(t, s.doorsOf(s.managed()["bo@example.com"]), "Net2 refused bo's rights")
	logged := strings.Count(s.logs.String(), "Net2 refuses this write")
	assert.GreaterOrEqual(t, logged, 1)
	assert.LessOrEqual(t, logged, 4, "logged once, then at most hourly")
	assert.LessOrEqual(t, s.feed.count()-fetchesBefore, 19, "fetches only on the fetch interval: no storm")
}
