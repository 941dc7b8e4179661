package graph

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
)

const (
	room1 = "room1@contoso.com"
	room2 = "room2@contoso.com"
)

// t0 is the tests' "now": Monday 4 May 2026, 08:00 UTC.
var t0 = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

// testWindow is the planning window at t0 (a week back, 90 days ahead).
func testWindow() booking.Window {
	return booking.Window{Start: t0.Add(-7 * 24 * time.Hour), End: t0.Add(90 * 24 * time.Hour)}
}

// env is a fake authority, a fake Graph and what a test needs to build sources on them.
type env struct {
	t     *testing.T
	auth  *fakeAuthority
	graph *fakeGraph
	clock *testClock
	logs  *syncBuffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, auth: newFakeAuthority(t), graph: newFakeGraph(t, false), clock: &testClock{now: t0}, logs: &syncBuffer{}}
	t.Cleanup(func() {
		// Invariant 7: whatever happened, the secret and the token never reach the log.
		requireNoSecrets(t, e.logs.String())
	})
	return e
}

// options returns Options for rooms against the fakes.
func (e *env) options(rooms ...string) Options {
	return Options{
		Name:             "outlook-test",
		Tenant:           testTenant,
		ClientID:         testClientID,
		ClientSecret:     testSecret,
		Rooms:            rooms,
		GraphEndpoint:    e.graph.base,
		AuthorityHost:    e.auth.host(),
		AuthorityHostSet: true,
		SiteLocation:     mustZone(e.t, "Europe/Amsterdam"),
		HTTPClient:       e.auth.srv.Client(),
		Logger:           slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:              e.clock.Now,
	}
}

// source builds a Source for rooms (each room gets an empty calendar unless it has one).
func (e *env) source(rooms ...string) *Source {
	e.t.Helper()
	return e.sourceWith(e.options(rooms...))
}

func (e *env) sourceWith(o Options) *Source {
	e.t.Helper()
	e.graph.mu.Lock()
	for _, r := range o.Rooms {
		e.graph.calendar(strings.ToLower(r))
	}
	e.graph.mu.Unlock()
	src, err := New(o)
	require.NoError(e.t, err)
	return src
}

// fetch runs one Fetch over the test window and checks the result for leaks.
func fetch(t *testing.T, src *Source) (booking.FetchResult, error) {
	t.Helper()
	res, err := src.Fetch(context.Background(), testWindow())
	var texts []string
	if err != nil {
		texts = append(texts, err.Error())
	}
	for _, w := range res.Warnings {
		texts = append(texts, w.String())
	}
	texts = append(texts, res.Notes...)
	requireNoSecrets(t, texts...)
	return res, err
}

// requireNoSecrets fails when a text contains the client secret or the access token.
func requireNoSecrets(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		require.NotContains(t, s, testSecret, "the client secret leaked")
		require.NotContains(t, s, testToken, "the access token leaked")
	}
}

// byKey indexes bookings by Key().
func byKey(bs []booking.Booking) map[string]booking.Booking {
	m := map[string]booking.Booking{}
	for _, b := range bs {
		m[b.Key()] = b
	}
	return m
}

// emails lists the persons' addresses.
func emails(b booking.Booking) []string {
	var out []string
	for _, p := range b.Persons {
		out = append(out, p.Email)
	}
	return out
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// syncBuffer is a bytes.Buffer safe for a logger used from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// ---- realistic Graph JSON ----

// graphDT formats a dateTimeTimeZone's dateTime the way Graph does: no offset, 7 digits.
func graphDT(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000") }

func dtz(t time.Time) map[string]any {
	return map[string]any{"dateTime": graphDT(t), "timeZone": "UTC"}
}

func emailAddr(name, addr string) map[string]any {
	return map[string]any{"emailAddress": map[string]any{"name": name, "address": addr}}
}

func attendeeJSON(typ, response, name, addr string) map[string]any {
	return map[string]any{
		"type":         typ,
		"status":       map[string]any{"response": response, "time": "0001-01-01T00:00:00Z"},
		"emailAddress": map[string]any{"name": name, "address": addr},
	}
}

// ical makes an Exchange-style iCalUId from a short tag.
func ical(tag string) string {
	return "040000008200E00074C5B7101A82E00800000000" + strings.ToUpper(hex.EncodeToString([]byte(tag))) + "D0B6B1B4DA01000000000000000010000000"
}

// graphID makes an Exchange-style event id from a short tag.
func graphID(tag string) string {
	return "AAMkAGI2TG93AAA-" + tag + "-BGAAAAAAAiQ8W967B7TKBjgx9rVEURBwAiIsqMbYjsT5e-T7KzowPTAAAAAAENAAAiIsqMbYjsT5e-T7KzowPTAAAYbuK-AAA="
}

// meeting is a realistic single meeting of room, organised by Jane Doe with the room as a
// resource attendee; opts adjust it.
func meeting(room, tag string, start time.Time, d time.Duration, opts ...func(map[string]any)) map[string]any {
	m := map[string]any{
		"@odata.type":                "#microsoft.graph.event",
		"@odata.etag":                `W/"ZlnW4RIAV06KYYwlrfNZvQAAAAGYrw=="`,
		"id":                         graphID(tag),
		"createdDateTime":            "2026-04-20T09:12:44.1234567Z",
		"lastModifiedDateTime":       "2026-04-20T09:13:02.7654321Z",
		"changeKey":                  "ZlnW4RIAV06KYYwlrfNZvQAAAAGYrw==",
		"categories":                 []any{},
		"transactionId":              nil,
		"originalStartTimeZone":      "W. Europe Standard Time",
		"originalEndTimeZone":        "W. Europe Standard Time",
		"iCalUId":                    ical(tag),
		"reminderMinutesBeforeStart": 15,
		"isReminderOn":               false,
		"hasAttachments":             false,
		"subject":                    "Jane Doe",
		"bodyPreview":                "",
		"importance":                 "normal",
		"sensitivity":                "normal",
		"isAllDay":                   false,
		"isCancelled":                false,
		"isOrganizer":                false,
		"responseRequested":          true,
		"seriesMasterId":             nil,
		"showAs":                     "busy",
		"type":                       "singleInstance",
		"webLink":                    "https://outlook.office365.com/owa/?itemid=" + tag + "&exvsurl=1&path=/calendar/item",
		"onlineMeetingUrl":           nil,
		"isOnlineMeeting":            false,
		"onlineMeetingProvider":      "unknown",
		"allowNewTimeProposals":      true,
		"isDraft":                    false,
		"hideAttendees":              false,
		"responseStatus":             map[string]any{"response": "accepted", "time": "2026-04-20T09:13:02Z"},
		"start":                      dtz(start),
		"end":                        dtz(start.Add(d)),
		"location": map[string]any{
			"displayName": "Room 1", "locationType": "conferenceRoom", "uniqueId": room, "uniqueIdType": "directory",
		},
		"locations":  []any{},
		"recurrence": nil,
		"organizer":  emailAddr("Jane Doe", "Jane.Doe@contoso.com"),
		"attendees": []any{
			attendeeJSON("required", "none", "Jane Doe", "Jane.Doe@contoso.com"),
			attendeeJSON("resource", "accepted", "Room 1", room),
		},
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Options for meeting.
func with(key string, v any) func(map[string]any) { return func(m map[string]any) { m[key] = v } }

func organizer(name, addr string) func(map[string]any) {
	return with("organizer", emailAddr(name, addr))
}

func attendees(a ...map[string]any) func(map[string]any) {
	return func(m map[string]any) {
		list := make([]any, len(a))
		for i, x := range a {
			list[i] = x
		}
		m["attendees"] = list
	}
}

func response(r string) func(map[string]any) {
	return with("responseStatus", map[string]any{"response": r, "time": "2026-04-20T09:13:02Z"})
}

// occurrence makes m an occurrence of series tag, originally at orig.
func occurrence(series string, orig time.Time, typ string) func(map[string]any) {
	return func(m map[string]any) {
		m["type"] = typ
		m["seriesMasterId"] = graphID(series)
		m["originalStart"] = orig.UTC().Format("2006-01-02T15:04:05Z")
	}
}

// noNetwork is an HTTP client that fails the test on any request.
func noNetwork(t *testing.T) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("unexpected request to %s", r.URL.Host)
		return nil, http.ErrHandlerTimeout
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// series makes a weekly recurring meeting of room as Graph holds it: the series master
// (tag) and its n occurrences from first, each a full event as calendarView returns it. Each
// occurrence has an iCalUId of its own, as Graph gives them; opts apply to all of them.
func series(room, tag string, first time.Time, d time.Duration, n int, opts ...func(map[string]any)) (map[string]any, []map[string]any) {
	master := meeting(room, tag, first, d, opts...)
	master["type"] = "seriesMaster"
	master["recurrence"] = map[string]any{
		"pattern": map[string]any{"type": "weekly", "interval": 1, "daysOfWeek": []any{strings.ToLower(first.Weekday().String())}, "firstDayOfWeek": "sunday"},
		"range":   map[string]any{"type": "numbered", "startDate": first.Format("2006-01-02"), "numberOfOccurrences": n, "recurrenceTimeZone": "UTC"},
	}
	var occs []map[string]any
	for i := range n {
		at := first.AddDate(0, 0, 7*i)
		occs = append(occs, occurrenceOf(room, tag, i, at, at, d, opts...))
	}
	return master, occs
}

// occurrenceOf is occurrence i of series tag, originally at orig and now at start (an
// exception when they differ), in full.
func occurrenceOf(room, tag string, i int, orig, start time.Time, d time.Duration, opts ...func(map[string]any)) map[string]any {
	typ := "occurrence"
	if !orig.Equal(start) {
		typ = "exception"
	}
	occTag := fmt.Sprintf("%s-%d", tag, i)
	all := append([]func(map[string]any){occurrence(tag, orig, typ), with("iCalUId", ical(occTag))}, opts...)
	return meeting(room, occTag, start, d, all...)
}

// seriesUID is the UID of the bookings of series tag in room: the master's iCalUId.
func seriesUID(tag, room string) string { return ical(tag) + "/" + room }

// occurrenceKey is the key of the booking of the occurrence of series tag originally at orig.
func occurrenceKey(tag, room string, orig time.Time) string {
	return booking.Booking{UID: seriesUID(tag, room), RecurrenceID: orig}.Key()
}
