package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/net2/net2sim"
)

// TestMistakesGetOneWarning: a marker in another spelling, and a booker who already exists as
// an unmanaged user, are each said once, with what to do, not every cycle.
func TestMistakesGetOneWarning(t *testing.T) {
	s := newStack(t, start, accessplan.CodePIN)
	_, err := s.sim.AddUser(net2sim.User{FirstName: "Old", LastName: "Booker", CustomFields: map[int]string{10: "bookingsync ", 13: "email: old@example.com"}})
	require.NoError(t, err)
	twin, err := s.sim.AddUser(net2sim.User{FirstName: "Jane", LastName: "Doe", PIN: "4711", CustomFields: map[int]string{9: "Jane.Doe@Example.com", 10: "Receptionist"}})
	require.NoError(t, err)
	s.feed.set(feedBooking{uid: "j", email: "jane.doe@example.com", name: "Jane Doe", resources: []string{"Studio 1"}, start: start.Add(time.Hour), end: start.Add(2 * time.Hour)})
	for range 4 {
		require.Empty(t, s.cycle().Failed)
		s.clock.Advance(10 * time.Minute)
	}
	logs := s.logs.String()
	assert.Equal(t, 1, strings.Count(logs, "carries the marker in another spelling"), logs)
	assert.Contains(t, logs, `marker="\"bookingsync \""`)
	assert.Equal(t, 1, strings.Count(logs, "a booker already exists in Net2 as a user net2booking does not manage"), logs)
	after, ok := s.sim.User(twin.ID)
	require.True(t, ok)
	assert.Equal(t, twin, after, "the unmanaged twin is untouched")
}
