package status_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/engine"
	"github.com/net2booking/net2booking/identifier"
	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
	"github.com/net2booking/net2booking/status"
)

// source is a booking source that can be made to fail.
type source struct {
	mu       sync.Mutex
	fail     bool
	bookings []booking.Booking
}

func (s *source) Name() string { return "skedda" }

func (s *source) Fetch(context.Context, booking.Window) (booking.FetchResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return booking.FetchResult{}, errors.New("GET feed: 503 Service Unavailable")
	}
	return booking.FetchResult{Bookings: s.bookings}, nil
}

func (s *source) setFail(f bool) { s.mu.Lock(); s.fail = f; s.mu.Unlock() }

// clock is the shared fake clock of the engine and the status server.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }
func person(email, name string) []booking.Person {
	return []booking.Person{{Email: email, DisplayName: name, Role: booking.RoleOrganizer}}
}

// fixture is an engine wired to the Net2 emulator over HTTP, with the status server fed by
// its cycles and counting its Net2 requests, as `run` wires them.
type fixture struct {
	clk    *clock
	src    *source
	syncer *engine.Syncer
	st     *status.Server
	logger *slog.Logger
}

const interval = 10 * time.Minute

func newFixture(t *testing.T) *fixture {
	t.Helper()
	loc := time.UTC
	clk := &clock{now: time.Now().UTC().Truncate(time.Minute)}
	st := status.New(status.Options{FetchInterval: interval, Location: loc, Now: clk.Now})
	logger := slog.New(st.LogHandler())
	sim := net2sim.NewDemo(net2sim.Options{Location: loc})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client, err := net2.New(net2.Config{BaseURL: srv.URL + "/api/v1", Operator: net2sim.DemoOperator, Password: net2sim.DemoPassword,
		ClientID: net2sim.DemoClientID, Location: loc, Logger: logger,
		HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: st.Transport(nil)}})
	require.NoError(t, err)
	ctx := context.Background()
	ref := func(key, name string) net2.SiteRef { return net2.SiteRef{Key: key, Ref: net2.Ref{Name: name}} }
	site, errs := net2.ResolveSite(ctx, client, net2.SiteNames{
		Department: ref("d", "Booking"), MarkerField: ref("m", "Position"),
		FallbackLevel: ref("f", "No access"), AlwaysTimezone: ref("a", "All day, every day"),
		Resources: []net2.ResourceRefs{{Key: "r", Name: "Studio 1", Targets: []net2.Ref{{Name: "Front door"}, {Name: "Studio 1"}}}},
		Grant:     accessplan.GrantIndividual, PermissionIDs: net2.PermissionAreas,
	})
	require.Empty(t, errs)
	ctl, err := net2.NewController(client, net2.ControllerConfig{MarkerField: site.MarkerField, Code: accessplan.CodePIN, Location: loc,
		PermissionIDs: site.PermissionIDs, DoorAreas: site.DoorAreas, Logger: logger})
	require.NoError(t, err)
	alloc, err := identifier.NewPIN(6)
	require.NoError(t, err)
	now := clk.Now()
	src := &source{bookings: []booking.Booking{
		{Source: "skedda", UID: "a1", Resources: []string{"Studio 1"}, Start: now.Add(-time.Hour), End: now.Add(time.Hour), Status: booking.StatusConfirmed, Persons: person("ann@example.com", "Ann Example")},
		{Source: "skedda", UID: "b1", Resources: []string{"Studio 1"}, Start: now.Add(2 * time.Hour), End: now.Add(3 * time.Hour), Status: booking.StatusConfirmed, Persons: person("bo@example.com", "Bo Example")},
	}}
	policy := site.Policy(accessplan.Policy{GraceBefore: 5 * time.Minute, GraceAfter: 10 * time.Minute, RemoveAfterDays: 7,
		Code: accessplan.CodePIN, Lookahead: 90 * 24 * time.Hour, Location: loc})
	syncer, err := engine.New(engine.Options{Sources: []booking.BookingSource{src}, Controller: ctl, Allocator: alloc, Policy: policy,
		FetchInterval: interval, Logger: logger, Now: clk.Now})
	require.NoError(t, err)
	return &fixture{clk: clk, src: src, syncer: syncer, st: st, logger: logger}
}

// cycle runs one real cycle (fetch, plan, apply against the emulator) and feeds the server,
// as Run does through AfterCycle.
func (f *fixture) cycle(t *testing.T) {
	t.Helper()
	rep, err := f.syncer.Cycle(context.Background(), engine.CycleOptions{Fetch: true})
	f.st.Observe(rep, err)
	require.NoError(t, err)
}

func get(t *testing.T, h http.Handler, path string, header ...string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestHealthzFlipsWhenASourceFailsAndRecovers(t *testing.T) {
	f := newFixture(t)
	h := f.st.Handler()
	code, body := get(t, h, "/healthz")
	assert.Equal(t, 503, code)
	assert.Contains(t, body, "no cycle has run yet")

	f.cycle(t)
	code, body = get(t, h, "/healthz")
	require.Equal(t, 200, code, body)
	assert.Equal(t, "ok", body)

	f.src.setFail(true)
	for range 3 { // the feed fails for three fetch intervals: its data is stale
		f.clk.Add(interval)
		f.cycle(t)
	}
	code, body = get(t, h, "/healthz")
	assert.Equal(t, 503, code)
	assert.Contains(t, body, "source skedda is stale")
	assert.Contains(t, body, "503 Service Unavailable")

	f.src.setFail(false)
	f.clk.Add(time.Minute)
	f.cycle(t)
	code, body = get(t, h, "/healthz")
	assert.Equal(t, 200, code, body)
	assert.Equal(t, "ok", body)

	f.st.Observe(nil, errors.New("reading Net2: connection refused"))
	code, body = get(t, h, "/healthz")
	assert.Equal(t, 503, code)
	assert.Contains(t, body, "the last cycle failed")
}

func TestMetricsParseAsPrometheusText(t *testing.T) {
	f := newFixture(t)
	f.cycle(t)
	f.src.setFail(true)
	f.clk.Add(interval)
	f.cycle(t)
	code, body := get(t, f.st.Handler(), "/metrics")
	require.Equal(t, 200, code)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	require.NoError(t, err, body)
	for _, name := range []string{"net2booking_cycles_total", "net2booking_cycle_duration_seconds", "net2booking_source_last_success_timestamp_seconds",
		"net2booking_source_fetch_errors_total", "net2booking_bookings", "net2booking_managed_users", "net2booking_persons_with_access",
		"net2booking_net2_requests_total", "net2booking_emails_sent_total", "net2booking_emails_failed_total", "net2booking_emails_owed", "net2booking_revocations_held"} {
		require.Contains(t, fams, name)
	}
	assert.Equal(t, 2.0, fams["net2booking_cycles_total"].Metric[0].GetCounter().GetValue())
	assert.Equal(t, 1.0, fams["net2booking_source_fetch_errors_total"].Metric[0].GetCounter().GetValue())
	assert.Equal(t, 2.0, fams["net2booking_bookings"].Metric[0].GetGauge().GetValue(), "the last good bookings stay in force")
	assert.Equal(t, 2.0, fams["net2booking_managed_users"].Metric[0].GetGauge().GetValue())
	assert.Equal(t, 1.0, fams["net2booking_persons_with_access"].Metric[0].GetGauge().GetValue())
	var gets float64
	for _, m := range fams["net2booking_net2_requests_total"].Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["method"] == "GET" && labels["code"] == "200" {
			gets = m.GetCounter().GetValue()
		}
	}
	assert.Positive(t, gets, "Net2 requests are counted by the transport")
}

func TestTokenAndListenAddress(t *testing.T) {
	require.NoError(t, status.CheckListen("127.0.0.1:8089", ""))
	require.NoError(t, status.CheckListen("[::1]:8089", ""))
	require.NoError(t, status.CheckListen("localhost:8089", ""))
	err := status.CheckListen(":8089", "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "status.token")
	require.Error(t, status.CheckListen("0.0.0.0:8089", ""))
	require.NoError(t, status.CheckListen("0.0.0.0:8089", "tok-123"))

	h := status.New(status.Options{Token: "tok-123"}).Handler()
	code, _ := get(t, h, "/healthz")
	assert.Equal(t, 401, code)
	code, _ = get(t, h, "/healthz?token=nope")
	assert.Equal(t, 401, code)
	code, _ = get(t, h, "/healthz?token=tok-123")
	assert.Equal(t, 503, code, "authorised: no cycle yet")
	code, _ = get(t, h, "/metrics", "Authorization", "Bearer tok-123")
	assert.Equal(t, 200, code)
}

func TestRecentKeepsTheLastWarnings(t *testing.T) {
	st := status.New(status.Options{})
	log := slog.New(st.LogHandler())
	log.Info("not kept")
	for i := range status.RecentLimit + 5 {
		log.Warn("problem", "n", i)
	}
	_, body := get(t, st.Handler(), "/")
	assert.NotContains(t, body, "not kept")
	assert.Contains(t, body, "n=204")
	assert.NotContains(t, body, "n=4<", "older than the last 200")
	assert.Equal(t, status.RecentLimit, strings.Count(body, `class="entry`))
}
