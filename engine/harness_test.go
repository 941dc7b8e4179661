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

// clock is the injected clock every component of a test shares, with timers that fire when
// the test moves the clock past their deadline (never by themselves).
type clock struct {
	mu      sync.Mutex
	t       time.Time
	timers  []*fakeTimer
	changed chan struct{} // closed (and replaced) whenever timers change
}

type fakeTimer struct {
	at time.Time
	c  chan time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)         { c.mu.Lock(); c.t = t; c.fire(); c.mu.Unlock() }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.fire(); c.mu.Unlock() }

// NewTimer is the engine's Options.NewTimer on this clock.
func (c *clock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ft := &fakeTimer{at: c.t.Add(d), c: make(chan time.Time, 1)}
	c.timers = append(c.timers, ft)
	c.fire()
	c.notify()
	stop := func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, x := range c.timers {
			if x == ft {
				c.timers = append(c.timers[:i], c.timers[i+1:]...)
				c.notify()
				return true
			}
		}
		return false
	}
	return ft.c, stop
}

// notify wakes waitPending; callers hold c.mu.
func (c *clock) notify() {
	if c.changed != nil {
		close(c.changed)
	}
	c.changed = make(chan struct{})
}

// pending counts the timers waiting to fire.
func (c *clock) pending() int { c.mu.Lock(); defer c.mu.Unlock(); return len(c.timers) }

// waitPending blocks until exactly n timers are pending (every goroutine of the loop is
// waiting on the clock again), woken by timer changes rather than polling; it fails the test
// after a generous bound so a broken loop cannot hang it.
func (c *clock) waitPending(t testing.TB, n int) {
	t.Helper()
	bound := time.NewTimer(20 * time.Second)
	defer bound.Stop()
	for {
		c.mu.Lock()
		if len(c.timers) == n {
			c.mu.Unlock()
			return
		}
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-bound.C:
			t.Fatalf("the loop did not settle: %d timers pending, want %d", c.pending(), n)
		}
	}
}

// fire sends on every timer whose deadline has come; callers hold c.mu.
func (c *clock) fire() {
	kept := c.timers[:0]
	for _, ft := range c.timers {
		if !ft.at.After(c.t) {
			ft.c <- c.t
			continue
		}
		kept = append(kept, ft)
	}
	if len(kept) != len(c.timers) {
		c.timers = kept
		c.notify()
	}
	c.timers = kept
}

// feedServer serves a Skedda-style iCal feed over HTTP whose content and failure mode a test
// changes between cycles.
type feedServer struct {
	mu       sync.Mutex
	bookings []feedBooking
	mode     string // "", "error", "truncated", "hang" (answers only when the client gives up)
	requests int
	hung     chan struct{} // receives when a request starts hanging
	srv      *httptest.Server
}

type feedBooking struct {
	uid, email, name string
	resources        []string
	start, end       time.Time
}

func newFeedServer(t testing.TB) *feedServer {
	f := &feedServer{hung: make(chan struct{}, 100)}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests++
		if f.mode == "hang" {
			f.mu.Unlock()
			f.hung <- struct{}{}
			<-r.Context().Done()
			return
		}
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
func (f *feedServer) count() int            { f.mu.Lock(); defer f.mu.Unlock(); return f.requests }

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
	logs   *syncBuffer
	syncer *Syncer
	ctl    *net2.Controller
	// permissionIDs is the id space the controller writes (net2.permission_ids); the
	// emulator's knob is set to match by newStack's callers when they change it.
	permissionIDs net2.PermissionIDs
	// leaseHolder, when set, gives the syncer a Net2 lease under that holder name.
	leaseHolder string
	// sourceName and previousNames name the feed's source ("skedda" when empty).
	sourceName    string
	previousNames []string
	// newTimer is the timer of the clock in use (nil: real timers).
	newTimer func(time.Duration) (<-chan time.Time, func() bool)
	// cycles, when set, receives every cycle Run completes.
	cycles chan cycleDone
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
	s := &stack{t: t, clock: &clock{t: start}, loc: ams, code: code, qr: [2]int64{1, 99999999}, logs: &syncBuffer{}}
	s.now, s.newTimer = s.clock.Now, s.clock.NewTimer
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
	name := s.sourceName
	if name == "" {
		name = "skedda"
	}
	feed, err := ical.New(ical.Options{Name: name, URL: s.feed.srv.URL + "/ical?i=SECRET", Dialect: ical.DialectSkedda, SiteLocation: ams, Now: s.now})
	require.NoError(t, err)
	var alloc identifier.CodeAllocator = identifier.Manual{}
	switch s.code {
	case accessplan.CodePIN:
		alloc, err = identifier.NewPIN(6)
	case accessplan.CodeQR:
		alloc, err = identifier.NewQR(s.qr[0], s.qr[1])
	}
	require.NoError(t, err)
	var lease accessplan.Lease
	if s.leaseHolder != "" {
		l, err := net2.NewLease(client, net2.LeaseConfig{MarkerField: 10, TTL: 30 * time.Minute, Settle: time.Millisecond, Holder: s.leaseHolder,
			Logger: slog.New(slog.NewTextHandler(s.logs, nil))})
		require.NoError(t, err)
		lease = l
	}
	s.syncer, err = New(Options{
		Sources: []booking.BookingSource{feed}, Controller: s.ctl, Allocator: alloc, Policy: s.policy,
		PreviousNames: map[string][]string{name: s.previousNames}, Lease: lease,
		FetchInterval: 10 * time.Minute, MaxShrink: 0.5, VerifyEvery: 24 * time.Hour,
		Logger: slog.New(slog.NewTextHandler(s.logs, nil)), Now: s.now, NewTimer: s.newTimer,
		AfterCycle: func(r *Report, err error) {
			if s.cycles != nil {
				s.cycles <- cycleDone{r, err}
			}
		},
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

// cycleDone is one cycle of Run.
type cycleDone struct {
	rep *Report
	err error
}

// run starts Run in the background and returns a function that stops it and returns its
// result; every cycle arrives on s.cycles.
func (s *stack) run() (stop func() error) {
	s.cycles = make(chan cycleDone, 10000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.syncer.Run(ctx) }()
	return func() error {
		cancel()
		return <-done
	}
}

// nextCycle waits for Run's next cycle (bounded, so a broken loop fails instead of hanging).
func (s *stack) nextCycle() cycleDone {
	s.t.Helper()
	select {
	case c := <-s.cycles:
		return c
	case <-time.After(20 * time.Second):
		s.t.Fatalf("Run did not complete a cycle")
		return cycleDone{}
	}
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

// syncBuffer is a log buffer safe to read while the loop writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}
func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }
func (b *syncBuffer) Reset()         { b.mu.Lock(); b.b.Reset(); b.mu.Unlock() }

// twin returns a second service on the same emulator, feed and clock (another process, or a
// standby on another machine) with its own client, controller and lease.
func (s *stack) twin(holder string) *stack {
	s.t.Helper()
	o := *s
	o.leaseHolder = holder
	o.cycles = nil
	o.restart()
	return &o
}
