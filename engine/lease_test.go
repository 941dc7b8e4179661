package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/net2"
)

// noDuplicates checks that no person has two managed users and no code is held twice.
func noDuplicates(t *testing.T, s *stack) {
	t.Helper()
	emails, pins := map[string]int{}, map[string]int{}
	for _, u := range s.sim.State().Users {
		if u.CustomFields[10] != net2.Marker {
			continue
		}
		m, _ := accessplan.ParseMemo(u.CustomFields[13])
		emails[m.Email]++
		if u.PIN != "" {
			pins[u.PIN]++
		}
	}
	for e, n := range emails {
		assert.Equal(t, 1, n, "one user for %s", e)
	}
	for p, n := range pins {
		assert.Equal(t, 1, n, "PIN %s held once", p)
	}
}

// TestOneWriterPerSite (DESIGN invariant 9): a primary and a standby on the same Net2 site.
// Only the lease holder writes; the standby waits, saying who holds the lease; when the
// primary stops renewing it (crashed), the standby takes over once the lease lapses.
func TestOneWriterPerSite(t *testing.T) {
	s := newStack(t, start, accessplan.CodePIN)
	var bs []feedBooking
	for i := range 6 {
		at := start.Add(time.Duration(i) * 20 * time.Minute)
		bs = append(bs, feedBooking{uid: fmt.Sprint(i), email: fmt.Sprintf("p%d@example.com", i), name: fmt.Sprintf("P %d", i),
			resources: []string{"Studio 1"}, start: at, end: at.Add(time.Hour)})
	}
	s.feed.set(bs...)
	primary, standby := s.twin("primary"), s.twin("standby")

	rep, err := primary.syncer.Cycle(t.Context(), CycleOptions{Fetch: true})
	require.NoError(t, err)
	require.Nil(t, rep.Standby)
	require.NotEmpty(t, rep.Applied)
	s.sim.ResetLog()
	rep, err = standby.syncer.Cycle(t.Context(), CycleOptions{Fetch: true})
	require.NoError(t, err)
	require.NotNil(t, rep.Standby, "the standby only plans")
	assert.Equal(t, "primary", rep.Standby.Holder)
	assert.Equal(t, 0, s.sim.Writes(), "the standby writes nothing")
	assert.Contains(t, s.logs.String(), "standby: another net2booking holds the lease")

	// Both run cycles at every step for an hour: one writer, no duplicates.
	for range 6 {
		s.clock.Advance(10 * time.Minute)
		_, err := primary.syncer.Cycle(t.Context(), CycleOptions{Fetch: true})
		require.NoError(t, err)
		rep, err := standby.syncer.Cycle(t.Context(), CycleOptions{Fetch: true})
		require.NoError(t, err)
		assert.NotNil(t, rep.Standby)
		assert.Empty(t, rep.Applied)
	}
	noDuplicates(t, s)

	// The primary dies (no release). Before the lease lapses the standby still waits; after,
	// it takes over, reads everything back and carries on.
	s.clock.Advance(29 * time.Minute)
	rep, err = standby.syncer.Cycle(t.Context(), CycleOptions{Fetch: true})
	require.NoError(t, err)
	assert.NotNil(t, rep.Standby, "not lapsed yet")
	s.clock.Advance(2 * time.Minute)
	rep, err = standby.syncer.Cycle(t.Context(), CycleOptions{Fetch: true})
	require.NoError(t, err)
	assert.Nil(t, rep.Standby, "taken over")
	assert.True(t, rep.Verified, "a takeover reads every detail back")
	assert.Contains(t, s.logs.String(), "took over the lease")
	noDuplicates(t, s)
}

// TestSimultaneousSyncsMakeNoDuplicates: eight one-off syncs and a running service at the
// same moment (each a separate process with its own lease name) never create a person twice.
func TestSimultaneousSyncsMakeNoDuplicates(t *testing.T) {
	s := newStack(t, start, accessplan.CodePIN)
	var bs []feedBooking
	for i := range 5 {
		bs = append(bs, feedBooking{uid: fmt.Sprint(i), email: fmt.Sprintf("p%d@example.com", i), name: fmt.Sprintf("P %d", i),
			resources: []string{"Studio 1"}, start: start.Add(time.Hour), end: start.Add(2 * time.Hour)})
	}
	s.feed.set(bs...)
	var twins []*stack
	for i := range 9 {
		twins = append(twins, s.twin(fmt.Sprintf("process %d", i)))
	}
	var wg sync.WaitGroup
	for i, tw := range twins {
		wg.Go(func() {
			o := CycleOptions{Fetch: true, OneShot: i > 0} // one run, eight syncs
			_, err := tw.syncer.Cycle(context.Background(), o)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	noDuplicates(t, s)
	assert.LessOrEqual(t, len(s.managed()), 5)
}
