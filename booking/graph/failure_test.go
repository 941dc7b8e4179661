package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
)

// A 429 with Retry-After is retried by the SDK's retry handler after the time Graph asked
// for, and the fetch succeeds.
func TestThrottledRequestIsRetriedAfterRetryAfter(t *testing.T) {
	e := newEnv(t)
	e.graph.put(room1, meeting(room1, "one", time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC), time.Hour))
	e.graph.fail("/calendarView/delta", 1, http.StatusTooManyRequests, "ApplicationThrottled",
		"Application is over its MailboxConcurrency limit.", map[string]string{"Retry-After": "1"})
	res, err := fetch(t, e.source(room1))
	require.NoError(t, err)
	require.Len(t, res.Bookings, 1)

	reqs := e.graph.requests("/calendarView/delta")
	require.Len(t, reqs, 2)
	assert.Equal(t, "1", reqs[1].Header.Get("Retry-Attempt"))
	assert.True(t, preferUTCIn(reqs[1].Header), "the retry carries the Prefer header too")
	// Retry-After was honoured (not the handler's 3 s default back-off, not at once).
	gap := reqs[1].At.Sub(reqs[0].At)
	assert.GreaterOrEqual(t, gap, 900*time.Millisecond)
	assert.Less(t, gap, 3*time.Second)
}

// A Retry-After longer than the source waits in-line fails the room at once, and the room is
// not asked again before that time; meanwhile its last good bookings stay in force.
func TestLongRetryAfterHoldsTheRoomBack(t *testing.T) {
	e := newEnv(t)
	e.graph.put(room1, meeting(room1, "one", time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC), time.Hour))
	e.graph.put(room2, meeting(room2, "two", time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC), time.Hour))
	src := e.source(room1, room2)
	_, err := fetch(t, src)
	require.NoError(t, err)

	e.graph.fail("/users/"+room1+"/calendarView", 1, http.StatusTooManyRequests, "ApplicationThrottled",
		"Application is over its MailboxConcurrency limit.", map[string]string{"Retry-After": "120"})
	before := len(e.graph.requests("/users/" + room1))
	res, err := fetch(t, src)
	require.NoError(t, err)
	assert.Len(t, e.graph.requests("/users/"+room1), before+1, "not retried in-line")
	require.Len(t, res.Bookings, 2, "room 1 keeps its bookings")
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0].Reason, "throttling")
	assert.Contains(t, res.Warnings[0].Reason, "stay in force")

	e.clock.Advance(time.Minute)
	res, err = fetch(t, src)
	require.NoError(t, err)
	assert.Len(t, e.graph.requests("/users/"+room1), before+1, "held back until Retry-After")
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0].Reason, "held back until")

	e.clock.Advance(2 * time.Minute)
	res, err = fetch(t, src)
	require.NoError(t, err)
	assert.Empty(t, res.Warnings)
	assert.Len(t, e.graph.requests("/users/"+room1), before+2)
}

// 403 on a room's calendar names the permissions and the access-policy scope; alone it fails
// the fetch (ErrPermission), next to a readable room it is a warning (the room was never
// read, and only an admin can fix it).
func TestForbiddenRoomNamesThePermission(t *testing.T) {
	e := newEnv(t)
	e.graph.put(room1, meeting(room1, "one", time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC), time.Hour))
	e.graph.fail("/users/"+room2, -1, http.StatusForbidden, "ErrorAccessDenied", "Access to OData is disabled.", nil)

	res, err := fetch(t, e.source(room1, room2))
	require.NoError(t, err)
	require.Len(t, res.Bookings, 1)
	require.Len(t, res.Warnings, 1)
	w := res.Warnings[0].Reason
	for _, want := range []string{room2, "403 ErrorAccessDenied", "Access to OData is disabled.", "Calendars.ReadBasic.All", "admin consent", "application access policy"} {
		assert.Contains(t, w, want)
	}

	_, err = fetch(t, e.source(room2))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrPermission)
	assert.Contains(t, err.Error(), "Calendars.ReadBasic.All")
	assert.Contains(t, err.Error(), "no room could be read")
}

// An unknown room (404 ErrorInvalidUser) says so and points to net2booking rooms.
func TestUnknownRoom(t *testing.T) {
	e := newEnv(t)
	e.graph.put(room1, meeting(room1, "one", time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC), time.Hour))
	src, err := New(e.options(room1, "typo@contoso.com"))
	require.NoError(t, err)
	res, err := fetch(t, src)
	require.NoError(t, err)
	require.Len(t, res.Bookings, 1)
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0].Reason, "typo@contoso.com")
	assert.Contains(t, res.Warnings[0].Reason, "ErrorInvalidUser")
	assert.Contains(t, res.Warnings[0].Reason, "net2booking rooms")

	src, err = New(e.options("typo@contoso.com"))
	require.NoError(t, err)
	_, err = fetch(t, src)
	assert.ErrorIs(t, err, ErrUnknownRoom)
}

// A wrong client secret fails at the token endpoint: the error says what to fix, is
// ErrCredentials, and Graph is never asked.
func TestInvalidClientSecret(t *testing.T) {
	e := newEnv(t)
	e.auth.mu.Lock()
	e.auth.secret = "the-real-secret-is-another-one"
	e.auth.mu.Unlock()
	_, err := fetch(t, e.source(room1, room2))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrCredentials)
	msg := err.Error()
	assert.Contains(t, msg, "AADSTS7000215")
	assert.Contains(t, msg, "client secret")
	assert.Contains(t, msg, "Value (not its Secret ID)")
	assert.NotContains(t, msg, "Trace ID")
	assert.Empty(t, e.graph.requests("/"), "no request reaches Graph without a token")

	_, _, err = ListRooms(t.Context(), e.options())
	assert.ErrorIs(t, err, ErrCredentials)
	assert.Contains(t, err.Error(), "AADSTS7000215")
	requireNoSecrets(t, err.Error())
}

// A tenant that does not exist is named as such.
func TestTenantNotFound(t *testing.T) {
	e := newEnv(t)
	o := e.options(room1)
	o.Tenant = "contoso-typo.onmicrosoft.com"
	_, err := fetch(t, e.sourceWith(o))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrCredentials)
	assert.Contains(t, err.Error(), "tenant not found")
	assert.Contains(t, err.Error(), "AADSTS90002")
}

// Graph refusing the token (401) is a credentials problem with a hint about clouds.
func TestGraphRefusesTheToken(t *testing.T) {
	e := newEnv(t)
	e.graph.fail("/users/", -1, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.", nil)
	_, err := fetch(t, e.source(room1))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrCredentials)
	assert.Contains(t, err.Error(), "Invalid audience")
	assert.Contains(t, err.Error(), "same cloud")
}

// A failing room keeps its last good bookings (SPEC B3) and is reported; the other rooms
// go on; when every room fails the fetch fails; a recovered room is read again.
func TestFailingRoomKeepsItsLastGoodBookings(t *testing.T) {
	e := newEnv(t)
	d := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
	e.graph.put(room1, meeting(room1, "one", d, time.Hour))
	e.graph.put(room2, meeting(room2, "two", d, time.Hour), meeting(room2, "three", d.Add(time.Hour), time.Hour))
	src := e.source(room1, room2)
	_, err := fetch(t, src)
	require.NoError(t, err)

	e.graph.put(room1, meeting(room1, "four", d.Add(2*time.Hour), time.Hour))
	e.graph.remove(room2, graphID("three")) // not seen while room 2 fails
	e.graph.fail("/users/"+room2, -1, http.StatusInternalServerError, "UnknownError", "An internal server error occurred.", nil)
	res, err := fetch(t, src)
	require.NoError(t, err)
	got := byKey(res.Bookings)
	assert.Len(t, got, 4)
	assert.Contains(t, got, ical("four")+"/"+room1, "room 1 is up to date")
	assert.Contains(t, got, ical("three")+"/"+room2, "room 2 as last read")
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0].Reason, room2)
	assert.Contains(t, res.Warnings[0].Reason, "500")
	assert.Contains(t, res.Warnings[0].Reason, "stay in force")

	e.graph.fail("/users/"+room1, -1, http.StatusServiceUnavailable, "ServiceUnavailable", "Service is unavailable.", map[string]string{"Retry-After": "0"})
	_, err = fetch(t, src)
	require.Error(t, err, "every room failed")
	assert.Contains(t, err.Error(), "no room could be read")
	assert.Contains(t, err.Error(), room1)
	assert.Contains(t, err.Error(), room2)

	e.graph.clearFailures()
	res, err = fetch(t, src)
	require.NoError(t, err)
	assert.Empty(t, res.Warnings)
	assert.NotContains(t, byKey(res.Bookings), ical("three")+"/"+room2, "the removal is seen once the room answers")
}

// A room that has never been read fails the whole fetch on a transient error: reporting it
// as empty would revoke its bookers' access.
func TestNeverReadRoomWithTransientErrorFailsTheFetch(t *testing.T) {
	e := newEnv(t)
	d := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
	e.graph.put(room1, meeting(room1, "one", d, time.Hour))
	e.graph.put(room2, meeting(room2, "two", d, time.Hour))
	e.graph.fail("/users/"+room2, 1, http.StatusBadGateway, "UnknownError", "Bad gateway.", nil)
	src := e.source(room1, room2)
	res, err := fetch(t, src)
	require.Error(t, err)
	assert.Empty(t, res.Bookings)
	assert.Contains(t, err.Error(), room2)
	assert.Contains(t, err.Error(), "not read since start-up")
	assert.NotContains(t, err.Error(), room1+":")

	res, err = fetch(t, src)
	require.NoError(t, err)
	assert.Len(t, res.Bookings, 2)
}

// Graph error bodies without a message make the SDK's ODataError.Error() panic; this package
// never calls it.
func TestErrorWithoutMessageDoesNotPanic(t *testing.T) {
	e := newEnv(t)
	e.graph.fail("/users/", -1, http.StatusForbidden, "ErrorAccessDenied", "", nil)
	_, err := fetch(t, e.source(room1))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "403 ErrorAccessDenied")
}

// An answer the SDK cannot parse (a string where Graph's schema has a number) is unusable
// data, reported as such.
func TestUnparseableAnswerIsUnusable(t *testing.T) {
	e := newEnv(t)
	e.graph.rooms = []map[string]any{{"id": "r1", "emailAddress": room1, "displayName": "Room 1", "capacity": "50"}}
	_, _, err := ListRooms(t.Context(), e.options())
	require.Error(t, err)
	assert.ErrorIs(t, err, booking.ErrUnusable)
	assert.Contains(t, err.Error(), "could not be read")
}

// Cancelling the context stops the fetch with the context's error.
func TestCancelledContext(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := e.source(room1).Fetch(ctx, testWindow())
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), "got %v", err)
}

// Invariant 7: the client secret and the access token appear in no log line, error or
// warning, whatever fails (every test checks its log on cleanup; this one makes sure the log
// is busy: debug level, failures of every kind).
func TestSecretsStayOutOfLogsAndErrors(t *testing.T) {
	e := newEnv(t)
	d := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
	e.graph.put(room1, meeting(room1, "one", d, time.Hour))
	src := e.source(room1, room2)
	_, err := fetch(t, src)
	require.NoError(t, err)

	e.graph.fail("/users/"+room1, 1, http.StatusUnauthorized, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.", nil)
	e.graph.fail("/users/"+room2, 1, http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.", nil)
	e.graph.expireDeltaTokens(room1)
	_, err = fetch(t, src)
	require.Error(t, err)
	requireNoSecrets(t, err.Error(), fmt.Sprintf("%+v", err))

	bad := e.options(room1)
	bad.ClientSecret = testSecret + "-old"
	_, err = fetch(t, e.sourceWith(bad))
	require.Error(t, err)
	requireNoSecrets(t, err.Error())
	assert.NotContains(t, err.Error(), bad.ClientSecret)
	assert.NotEmpty(t, e.logs.String())
}

// Graph out of reach is a link failure: named with the host, not a credentials problem.
func TestGraphUnreachable(t *testing.T) {
	e := newEnv(t)
	o := e.options(room1)
	closed := newFakeGraph(t, false)
	o.GraphEndpoint = closed.base
	closed.srv.Close()
	_, err := fetch(t, e.sourceWith(o))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot reach 127.0.0.1:")
	assert.NotErrorIs(t, err, ErrCredentials)
	assert.NotErrorIs(t, err, booking.ErrUnusable)
}
