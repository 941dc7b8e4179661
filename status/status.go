// Package status is net2booking's status server (SPEC B6): /healthz for a monitor, /metrics
// in the Prometheus text format, and / a small self-contained HTML page for an admin (each
// source's last sync and error, who has access now and until when, the next transitions,
// held revocations, recent warnings and errors). It is fed by the engine after every cycle
// (engine.Options.AfterCycle = Server.Observe), by a counting http.RoundTripper around the
// Net2 client (Server.Transport), and by a slog handler that keeps the recent problems
// (Server.LogHandler).
package status

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/engine"
)

// Options configures a Server.
type Options struct {
	// FetchInterval is the sources' fetch interval: a source whose last good fetch is older
	// than three of them is stale and the server unhealthy.
	FetchInterval time.Duration
	// Location renders times on the page; nil means time.Local.
	Location *time.Location
	// Token, when set, must be sent as "Authorization: Bearer TOKEN" or "?token=TOKEN".
	Token string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// RecentLimit is how many warnings and errors the page keeps.
const RecentLimit = 200

// Server holds what the status endpoints show. Its methods are safe for concurrent use.
type Server struct {
	opts Options
	reg  *prometheus.Registry

	cycles, emailsSent, emailsFailed prometheus.Counter
	cycleDuration                    prometheus.Histogram
	sourceLastSuccess, bookings      *prometheus.GaugeVec
	sourceErrors                     *prometheus.CounterVec
	managed, withAccess, owed, held  prometheus.Gauge
	net2Requests                     *prometheus.CounterVec

	mu        sync.Mutex
	last      *engine.Report
	lastErr   error
	lastAt    time.Time
	cycled    bool
	sources   map[string]engine.SourceStatus
	order     []string
	prevErr   map[string]string
	prevCycle time.Time
	recent    []Entry
}

// Entry is a recent warning or error shown on the page.
type Entry struct {
	Time  time.Time
	Level slog.Level
	Msg   string
	Attrs string
}

// New returns a Server with its metrics registered.
func New(o Options) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.FetchInterval <= 0 {
		o.FetchInterval = 10 * time.Minute
	}
	s := &Server{opts: o, reg: prometheus.NewRegistry(), sources: map[string]engine.SourceStatus{}, prevErr: map[string]string{}}
	f := func(c prometheus.Collector) { s.reg.MustRegister(c) }
	s.cycles = prometheus.NewCounter(prometheus.CounterOpts{Name: "net2booking_cycles_total", Help: "Cycles run (fetch, plan, apply)."})
	s.cycleDuration = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "net2booking_cycle_duration_seconds", Help: "How long a cycle took.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)})
	s.sourceLastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "net2booking_source_last_success_timestamp_seconds", Help: "Unix time of each source's last good fetch."}, []string{"source"})
	s.sourceErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "net2booking_source_fetch_errors_total", Help: "Failed fetches per source."}, []string{"source"})
	s.bookings = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "net2booking_bookings", Help: "Bookings in force per source."}, []string{"source"})
	s.managed = prometheus.NewGauge(prometheus.GaugeOpts{Name: "net2booking_managed_users", Help: "Net2 users net2booking manages (desired)."})
	s.withAccess = prometheus.NewGauge(prometheus.GaugeOpts{Name: "net2booking_persons_with_access", Help: "Persons with at least one door open now."})
	s.net2Requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "net2booking_net2_requests_total", Help: "Requests to the Net2 Local API by method and status code (code 0: no answer)."}, []string{"method", "code"})
	s.emailsSent = prometheus.NewCounter(prometheus.CounterOpts{Name: "net2booking_emails_sent_total", Help: "Emails to bookers sent."})
	s.emailsFailed = prometheus.NewCounter(prometheus.CounterOpts{Name: "net2booking_emails_failed_total", Help: "Emails to bookers that failed."})
	s.owed = prometheus.NewGauge(prometheus.GaugeOpts{Name: "net2booking_emails_owed", Help: "Emails the last plan owes that are not sent yet."})
	s.held = prometheus.NewGauge(prometheus.GaugeOpts{Name: "net2booking_revocations_held", Help: "Sources whose revocations are held (suspicious shrink, empty or vanished)."})
	for _, c := range []prometheus.Collector{s.cycles, s.cycleDuration, s.sourceLastSuccess, s.sourceErrors, s.bookings, s.managed, s.withAccess, s.net2Requests, s.emailsSent, s.emailsFailed, s.owed, s.held} {
		f(c)
	}
	return s
}

// Observe takes one cycle's report or error; it is engine.Options.AfterCycle.
func (s *Server) Observe(rep *engine.Report, err error) {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cycles.Inc()
	s.cycled, s.lastErr, s.lastAt = true, err, now
	if rep == nil {
		return
	}
	if !rep.Now.IsZero() && !now.Before(rep.Now) {
		s.cycleDuration.Observe(now.Sub(rep.Now).Seconds())
	}
	s.last = rep
	for _, src := range rep.Sources {
		if _, ok := s.sources[src.Name]; !ok {
			s.order = append(s.order, src.Name)
		}
		s.sources[src.Name] = src
		if !src.LastGood.IsZero() {
			s.sourceLastSuccess.WithLabelValues(src.Name).Set(float64(src.LastGood.Unix()))
		}
		s.bookings.WithLabelValues(src.Name).Set(float64(src.Bookings))
		// A failure is counted once per fetch: the same error seen again by a re-plan is not
		// a new fetch; a new fetch's error is another value with its own text and instant.
		key := ""
		if src.LastError != nil {
			key = src.LastError.Error() + "|" + src.LastGood.String()
			if key != s.prevErr[src.Name] || now.Sub(s.prevCycle) >= s.opts.FetchInterval {
				s.sourceErrors.WithLabelValues(src.Name).Inc()
			}
		} else {
			s.sourceErrors.WithLabelValues(src.Name).Add(0)
		}
		s.prevErr[src.Name] = key
	}
	s.prevCycle = now
	held := 0
	for _, src := range rep.Sources {
		if src.Held {
			held++
		}
	}
	s.held.Set(float64(held))
	sent, failed := 0, 0
	for _, a := range rep.Applied {
		if a.Kind == accessplan.ActNotify {
			sent++
		}
	}
	for _, f := range rep.Failed {
		if f.Action.Kind == accessplan.ActNotify {
			failed++
		}
	}
	s.emailsSent.Add(float64(sent))
	s.emailsFailed.Add(float64(failed))
	if rep.Plan != nil {
		s.managed.Set(float64(len(rep.Plan.Users)))
		s.withAccess.Set(float64(len(rep.Plan.Preview(rep.Now))))
		owed := 0
		for _, a := range rep.Plan.Actions {
			if a.Kind == accessplan.ActNotify {
				owed++
			}
		}
		s.owed.Set(float64(max(0, owed-sent)))
	}
}

// Health returns the reasons the service is unhealthy, none when the last cycle succeeded
// and every source is fresh (its last good fetch younger than three fetch intervals).
func (s *Server) Health() []string {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	switch {
	case !s.cycled:
		out = append(out, "no cycle has run yet")
	case s.lastErr != nil:
		out = append(out, "the last cycle failed at "+s.lastAt.In(s.opts.Location).Format(time.RFC3339)+": "+s.lastErr.Error())
	}
	stale := 3 * s.opts.FetchInterval
	for _, name := range s.order {
		src := s.sources[name]
		if src.Vanished {
			continue
		}
		switch {
		case src.LastGood.IsZero():
			msg := "source " + name + " has not answered since start-up"
			if src.LastError != nil {
				msg += ": " + src.LastError.Error()
			}
			out = append(out, msg)
		case now.Sub(src.LastGood) >= stale:
			msg := fmt.Sprintf("source %s is stale: last good fetch %s ago (more than 3 × the fetch interval %s)", name, now.Sub(src.LastGood).Round(time.Second), s.opts.FetchInterval)
			if src.LastError != nil {
				msg += ": " + src.LastError.Error()
			}
			out = append(out, msg)
		}
	}
	return out
}

// Transport wraps next (nil: http.DefaultTransport) so that every request to Net2 is
// counted in net2booking_net2_requests_total{method,code}.
func (s *Server) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &counting{next: next, vec: s.net2Requests}
}

type counting struct {
	next http.RoundTripper
	vec  *prometheus.CounterVec
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	code := "0"
	if err == nil {
		code = strconv.Itoa(resp.StatusCode)
	}
	c.vec.WithLabelValues(r.Method, code).Inc()
	return resp, err
}

// LogHandler returns a slog handler that keeps the last RecentLimit records at warn and
// above for the page. Put it behind the logger's secret masking.
func (s *Server) LogHandler() slog.Handler { return &recentHandler{s: s} }

type recentHandler struct {
	s     *Server
	attrs []slog.Attr
	group string
}

func (h *recentHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h *recentHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	add := func(a slog.Attr) {
		key := a.Key
		if h.group != "" {
			key = h.group + "." + key
		}
		fmt.Fprintf(&b, " %s=%v", key, a.Value.Resolve())
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(func(a slog.Attr) bool { add(a); return true })
	e := Entry{Time: r.Time, Level: r.Level, Msg: r.Message, Attrs: strings.TrimSpace(b.String())}
	h.s.mu.Lock()
	h.s.recent = append(h.s.recent, e)
	if n := len(h.s.recent); n > RecentLimit {
		h.s.recent = append([]Entry(nil), h.s.recent[n-RecentLimit:]...)
	}
	h.s.mu.Unlock()
	return nil
}

func (h *recentHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &recentHandler{s: h.s, attrs: append(append([]slog.Attr(nil), h.attrs...), as...), group: h.group}
}

func (h *recentHandler) WithGroup(name string) slog.Handler {
	g := name
	if h.group != "" {
		g = h.group + "." + name
	}
	return &recentHandler{s: h.s, attrs: h.attrs, group: g}
}

// Handler returns the status endpoints: /healthz, /metrics and the page at /, behind the
// token when one is set.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if reasons := s.Health(); len(reasons) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, strings.Join(reasons, "\n"))
			return
		}
		fmt.Fprint(w, "ok")
	})
	mux.Handle("/metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/{$}", s.page)
	if s.opts.Token == "" {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.URL.Query().Get("token")
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
			got = strings.TrimPrefix(h, "Bearer ")
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.Token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="net2booking"`)
			http.Error(w, "a token is needed: send Authorization: Bearer TOKEN or ?token=TOKEN (status.token)", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// CheckListen refuses a listen address that is not loopback when no token is set.
func CheckListen(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("status.listen %q is not host:port: %w", addr, err)
	}
	if token != "" || isLoopback(host) {
		return nil
	}
	return fmt.Errorf("status.listen %q is reachable from other machines, so the status server needs status.token (e.g. token: ${STATUS_TOKEN}); set one, or listen on 127.0.0.1", addr)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve serves the status endpoints on ln until ctx ends, then shuts down (bounded).
func (s *Server) Serve(ctx context.Context, ln net.Listener, logger *slog.Logger) {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && logger != nil {
			logger.Error("status server stopped", "listen", ln.Addr().String(), "error", err.Error())
		}
	}()
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	<-done
}
