package engine

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/booking/ical"
	"github.com/net2booking/net2booking/identifier"
	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

// clock is the injected clock every component of a test shares.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)         { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// feedServer serves a Skedda-style iCal feed over HTTP whose content and failure mode a test
// changes between cycles.
type feedServer struct {
	mu       sync.Mutex
	bookings []feedBooking
	mode     string // "", "error", "truncated"
	srv      *httptest.Server
}

type feedBooking struct {
	uid, email, name string
	resources        []string
	start, end       time.Time
}

func newFeedServer(t testing.TB) *feedServer {
	f := &feedServer{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		switch f.mode {
		case "error":
			http.Error(w, "upstream down", http.StatusBadGateway)
			return
		case "truncated":
			text := f.render()
			fmt.Fprint(w, text[:len(text)/2])
			return
		}
		fmt.Fprint(w, f.render())
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *feedServer) set(bs ...feedBooking) { f.mu.Lock(); f.bookings = bs; f.mu.Unlock() }
func (f *feedServer) setMode(m string)      { f.mu.Lock(); f.mode = m; f.mu.Unlock() }

func (f *feedServer) render() string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\nVERSION:2.0\r\n")
	for _, e := range f.bookings {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nATTENDEE;CN=%s:mailto:%s\r\nDTSTART:%s\r\nDTEND:%s\r\n", e.name, e.email,
			e.start.UTC().Format("20060102T150405Z"), e.end.UTC().Format("20060102T150405Z"))
		for _, r := range e.resources {
			fmt.Fprintf(&b, "RESOURCES:%s\r\n", r)
		}
		fmt.Fprintf(&b, "STATUS:CONFIRMED\r\nUID:%s\r\nEND:VEVENT\r\n", e.uid)
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.String()
}

// stack is a whole net2booking over real HTTP: a feed server, net2sim behind an HTTP server,
// the Net2 client and controller, and a Syncer, sharing one clock.
type stack struct {
	t      testing.TB
	clock  *clock
	feed   *feedServer
	sim    *net2sim.Sim
	net2   *httptest.Server
	loc    *time.Location
	policy accessplan.Policy
	code   accessplan.CodeKind
	qr     [2]int64
	logs   *bytes.Buffer
	syncer *Syncer
	ctl    *net2.Controller
	// permissionIDs is the id space the controller writes (net2.permission_ids); the
	// emulator's knob is set to match by newStack's callers when they change it.
	permissionIDs net2.PermissionIDs
	// cache, when set, is the controller's cache (a one-shot sync's file).
	cache *net2.Cache
	// wrap, when set, wraps the emulator's handler (fault injection by write position).
	wrap func(http.Handler) http.Handler
	// now is the clock the client, controller, feed and syncer use: the test clock, or the
	// real one for tests of the running loop.
	now func() time.Time
}

var ams = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		panic(err)
	}
	return loc
}()

func newStack(t testing.TB, start time.Time, code accessplan.CodeKind, knobs ...func(*net2sim.Options)) *stack {
	t.Helper()
	s := &stack{t: t, clock: &clock{t: start}, loc: ams, code: code, qr: [2]int64{1, 99999999}, logs: &bytes.Buffer{}}
	s.now = s.clock.Now
	s.feed = newFeedServer(t)
	opts := net2sim.Options{Now: s.clock.Now, Location: ams}
	for _, k := range knobs {
		k(&opts)
	}
	if opts.PermissionIDs == "door" {
		s.permissionIDs = net2.PermissionDoors
	}
	s.sim = net2sim.NewDemo(opts)
	s.net2 = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var h http.Handler = s.sim
		if s.wrap != nil {
			h = s.wrap(h)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.net2.Close)
	s.policy = accessplan.Policy{
		Doors: map[string][]int{
			"Studio 1":       {net2sim.DemoFrontDoor, net2sim.DemoStudio1},
			"Meeting room A": {net2sim.DemoFrontDoor, net2sim.DemoMeetingRoomA},
		},
		GraceBefore: 5 * time.Minute, GraceAfter: 10 * time.Minute,
		FallbackLevel: 0, RemoveAfterDays: 7, Code: code, Lookahead: 90 * 24 * time.Hour,
		Location: ams, Department: net2sim.DemoDeptBooking, AlwaysTimezone: 1,
	}
	s.restart()
	return s
}

// restart builds a fresh client, controller and syncer, as after a crash or a restart of the
// service: nothing survives but Net2 and the feed.
func (s *stack) restart() {
	t := s.t
	client, err := net2.New(net2.Config{
		BaseURL: s.net2.URL + "/api/v1", Operator: net2sim.DemoOperator, Password: net2sim.DemoPassword,
		ClientID: net2sim.DemoClientID, Now: s.now, Location: ams,
	})
	require.NoError(t, err)
	site := s.resolve(client)
	s.ctl, err = net2.NewController(client, net2.ControllerConfig{MarkerField: 10, Code: s.code, QRTokenType: "ProxCard", Location: ams,
		PermissionIDs: site.PermissionIDs, DoorAreas: site.DoorAreas, Cache: s.cache,
		Logger: slog.New(slog.NewTextHandler(s.logs, nil))})
	require.NoError(t, err)
	feed, err := ical.New(ical.Options{Name: "skedda", URL: s.feed.srv.URL + "/ical?i=SECRET", Dialect: ical.DialectSkedda, SiteLocation: ams, Now: s.now})
	require.NoError(t, err)
	var alloc identifier.CodeAllocator = identifier.Manual{}
	switch s.code {
	case accessplan.CodePIN:
		alloc, err = identifier.NewPIN(6)
	case accessplan.CodeQR:
		alloc, err = identifier.NewQR(s.qr[0], s.qr[1])
	}
	require.NoError(t, err)
	s.syncer, err = New(Options{
		Sources: []booking.BookingSource{feed}, Controller: s.ctl, Allocator: alloc, Policy: s.policy,
		FetchInterval: 10 * time.Minute, MaxShrink: 0.5, VerifyEvery: 24 * time.Hour,
		Logger: slog.New(slog.NewTextHandler(s.logs, nil)), Now: s.now,
	})
	require.NoError(t, err)
}

// resolve checks the policy's doors (or levels) against Net2 as the service does
// (net2.ResolveSite), so every engine test runs in the permission-id mode of the emulator
// (reader areas by default).
func (s *stack) resolve(client *net2.Client) net2.Site {
	names := net2.SiteNames{
		Department:     net2.SiteRef{Key: "access.department", Ref: net2.Ref{ID: s.policy.Department, IsID: true}},
		MarkerField:    net2.SiteRef{Key: "access.marker_field", Ref: net2.Ref{ID: 10, IsID: true}},
		FallbackLevel:  net2.SiteRef{Key: "access.fallback_access_level", Ref: net2.Ref{ID: s.policy.FallbackLevel, IsID: true}},
		AlwaysTimezone: net2.SiteRef{Key: "access.always_timezone", Ref: net2.Ref{ID: s.policy.AlwaysTimezone, IsID: true}},
		Grant:          s.policy.Grant, PermissionIDs: s.permissionIDs,
	}
	for name, ids := range s.policy.Doors {
		r := net2.ResourceRefs{Key: "resources." + name, Name: name}
		for _, id := range ids {
			r.Targets = append(r.Targets, net2.Ref{ID: id, IsID: true})
		}
		names.Resources = append(names.Resources, r)
	}
	site, errs := net2.ResolveSiteCached(context.Background(), client, names, s.cache, 24*time.Hour)
	require.Empty(s.t, errs)
	s.policy = site.Policy(s.policy)
	return site
}

// restartRealClock restarts on the real clock.
func (s *stack) restartRealClock() {
	s.now = time.Now
	s.restart()
}

// cycle runs one fetching cycle and fails the test if Net2 could not be read.
func (s *stack) cycle(o ...CycleOptions) *Report {
	s.t.Helper()
	opt := CycleOptions{Fetch: true}
	if len(o) > 0 {
		opt = o[0]
	}
	rep, err := s.syncer.Cycle(context.Background(), opt)
	require.NoError(s.t, err)
	return rep
}

// managed returns the emulator's users carrying the marker, by email from their memo.
func (s *stack) managed() map[string]net2sim.User {
	out := map[string]net2sim.User{}
	for _, u := range s.sim.State().Users {
		if u.CustomFields[10] == net2.Marker {
			m, _ := accessplan.ParseMemo(u.CustomFields[13])
			require.NotContains(s.t, out, m.Email, "two managed users for %s", m.Email)
			out[m.Email] = u
		}
	}
	return out
}

// reads counts the logged GET requests (token requests are POSTs and not counted).
func reads(sim *net2sim.Sim) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Method == http.MethodGet {
			n++
		}
	}
	return n
}

// demoDoors are the emulated site's doors.
var demoDoors = []int{net2sim.DemoFrontDoor, net2sim.DemoStudio1, net2sim.DemoGarage, net2sim.DemoMeetingRoomA, net2sim.DemoMeetingRoomB, net2sim.DemoBackOffice}

// doorsOf returns the doors the emulated Net2 lets the user through at the stack's current
// time (net2sim.Permitted: validity dates with the start-of-day expiry rule, permissions in
// the emulator's id space), ascending: what a person at the door would find.
func (s *stack) doorsOf(u net2sim.User) []int {
	var ds []int
	for _, d := range demoDoors {
		if ok, _ := s.sim.Permitted(u.ID, d, s.now()); ok {
			ds = append(ds, d)
		}
	}
	sort.Ints(ds)
	return ds
}
