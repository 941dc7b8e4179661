package net2_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/net2"
)

func newLease(t *testing.T, h *harness, holder string) *net2.Lease {
	t.Helper()
	l, err := net2.NewLease(h.newClient(nil), net2.LeaseConfig{MarkerField: 10, TTL: 30 * time.Minute, Settle: time.Second, Holder: holder})
	require.NoError(t, err)
	return l
}

func TestLeaseOneHolderTakeoverAndRelease(t *testing.T) {
	h := newHarness(t)
	c := context.Background()
	a, b := newLease(t, h, "primary"), newLease(t, h, "standby")

	st, err := a.Hold(c)
	require.NoError(t, err)
	assert.True(t, st.Held)
	assert.True(t, st.Acquired)
	st, err = b.Hold(c)
	require.NoError(t, err)
	assert.False(t, st.Held, "the standby waits")
	assert.Equal(t, "primary", st.Holder)
	assert.WithinDuration(t, h.clock.Now().Add(30*time.Minute), st.Expires, 2*time.Second, "taken a settle pause ago")

	// The lease record can never open a door and is nobody the planner manages.
	var record *int
	for _, u := range h.sim.State().Users {
		if u.CustomFields[10] == net2.LeaseMarker {
			record = &u.ID
			assert.Empty(t, u.PIN)
			assert.Empty(t, u.Tokens)
			require.NotNil(t, u.ExpiryDate)
			assert.True(t, u.ExpiryDate.Before(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)))
		}
	}
	require.NotNil(t, record, "one lease record")

	// Renewal writes only after a third of the TTL.
	h.sim.ResetLog()
	_, err = a.Hold(c)
	require.NoError(t, err)
	assert.Equal(t, 0, h.sim.Writes(), "a steady hold is a read")
	h.clock.Advance(11 * time.Minute)
	st, err = a.Hold(c)
	require.NoError(t, err)
	assert.Equal(t, 1, h.sim.Writes(), "renewed")
	assert.Equal(t, h.clock.Now().Add(30*time.Minute), st.Expires)

	// The primary stops renewing (crashed): the standby takes over once it lapses.
	h.clock.Advance(29 * time.Minute)
	st, err = b.Hold(c)
	require.NoError(t, err)
	assert.False(t, st.Held, "not yet lapsed")
	h.clock.Advance(2 * time.Minute)
	st, err = b.Hold(c)
	require.NoError(t, err)
	assert.True(t, st.Held, "taken over")
	st, err = a.Hold(c)
	require.NoError(t, err)
	assert.False(t, st.Held, "the old primary now waits")

	// A graceful stop releases it at once.
	require.NoError(t, b.Release(c))
	st, err = a.Hold(c)
	require.NoError(t, err)
	assert.True(t, st.Held)
}

func TestLeaseRequestsReachTheHolder(t *testing.T) {
	h := newHarness(t)
	c := context.Background()
	svc, op := newLease(t, h, "service"), newLease(t, h, "operator")
	_, _, err := op.Request(c, accessplan.RequestAcceptShrink)
	require.Error(t, err, "nobody to hand it to")

	_, err = svc.Hold(c)
	require.NoError(t, err)
	id, st, err := op.Request(c, accessplan.RequestAcceptShrink)
	require.NoError(t, err)
	assert.Equal(t, "service", st.Holder)
	st, err = svc.Check(c)
	require.NoError(t, err)
	require.Len(t, st.Requests, 1)
	assert.Equal(t, accessplan.RequestAcceptShrink, st.Requests[0].Kind)
	assert.Equal(t, "operator", st.Requests[0].By)
	done, err := op.RequestDone(c, id)
	require.NoError(t, err)
	assert.False(t, done)
	require.NoError(t, svc.Done(c, id))
	done, err = op.RequestDone(c, id)
	require.NoError(t, err)
	assert.True(t, done)
	st, err = svc.Check(c)
	require.NoError(t, err)
	assert.Empty(t, st.Requests, "done requests are not pending")
}

// TestLeaseSimultaneousTakersOneWins: eight processes take a free lease at the same moment;
// Net2 has no compare-and-swap, so each writes, waits and reads back: exactly one holds it.
func TestLeaseSimultaneousTakersOneWins(t *testing.T) {
	// Every taker reads the free lease before any of them writes: the worst interleaving.
	var mu sync.Mutex
	reads, allRead := 0, make(chan struct{})
	h := newHarness(t, withWrap(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && r.URL.Path == "/api/v1/users" {
				mu.Lock()
				if reads++; reads == 8 {
					close(allRead)
				}
				mu.Unlock()
			}
			if r.Method == http.MethodPost && r.URL.Path == "/api/v1/users" {
				<-allRead
			}
			next.ServeHTTP(w, r)
		})
	}))
	var leases []*net2.Lease
	for i := range 8 {
		leases = append(leases, newLease(t, h, string(rune('a'+i))))
	}
	var wg sync.WaitGroup
	held := make([]bool, len(leases))
	for i, l := range leases {
		wg.Go(func() {
			st, err := l.Hold(context.Background())
			assert.NoError(t, err)
			held[i] = st.Held
		})
	}
	wg.Wait()
	n := 0
	for _, ok := range held {
		if ok {
			n++
		}
	}
	assert.Equal(t, 1, n, "exactly one holder: %v", held)
	records := 0
	for _, u := range h.sim.State().Users {
		if u.CustomFields[10] == net2.LeaseMarker {
			records++
		}
	}
	assert.Equal(t, 1, records, "one lease record is left")
}
