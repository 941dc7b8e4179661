package net2_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

// The harness runs the client against the emulator over real HTTP, with a fake clock shared
// by both, a captured log, and a check at cleanup that no secret (password, client id, any
// token the emulator issued) reached the log or any error the test recorded.

// siteZone is the zone of the emulated Net2 server and of the client in most tests.
var siteZone = time.FixedZone("CET", 3600)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type harness struct {
	t        *testing.T
	sim      *net2sim.Sim
	srv      *httptest.Server
	client   *net2.Client
	clock    *fakeClock
	logs     *syncBuffer
	password string
	clientID string

	mu      sync.Mutex
	errs    []string
	waits   []time.Duration
	secrets []string
}

type harnessOption func(*harnessSetup)

type harnessSetup struct {
	wrap   func(http.Handler) http.Handler
	sim    net2sim.Options
	cfg    func(*net2.Config)
	tls    bool
	noSeed bool
}

func withSim(f func(*net2sim.Options)) harnessOption {
	return func(s *harnessSetup) { f(&s.sim) }
}

// withWrap puts a handler in front of the emulator (to order concurrent requests).
func withWrap(f func(http.Handler) http.Handler) harnessOption {
	return func(s *harnessSetup) { s.wrap = f }
}

func withConfig(f func(*net2.Config)) harnessOption {
	return func(s *harnessSetup) { s.cfg = f }
}

func withTLS() harnessOption { return func(s *harnessSetup) { s.tls = true } }

func randomSecret(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// newHarness starts a demo emulator and a client logged in as its operator.
func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	h := &harness{t: t, clock: newClock(), logs: &syncBuffer{}, password: randomSecret("Pw!"), clientID: randomSecret("cid-")}
	setup := harnessSetup{sim: net2sim.Options{Location: siteZone}}
	for _, o := range opts {
		o(&setup)
	}
	setup.sim.Now = h.clock.Now
	setup.sim.Password = h.password
	setup.sim.ClientID = h.clientID
	h.sim = net2sim.New(setup.sim)
	if !setup.noSeed {
		require.NoError(t, net2sim.SeedDemo(h.sim))
	}
	var handler http.Handler = h.sim
	if setup.wrap != nil {
		handler = setup.wrap(handler)
	}
	if setup.tls {
		h.srv = httptest.NewUnstartedServer(handler)
		h.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
		h.srv.StartTLS()
	} else {
		h.srv = httptest.NewServer(handler)
	}
	t.Cleanup(h.srv.Close)
	t.Cleanup(h.checkSecrets)
	h.client = h.newClient(setup.cfg)
	return h
}

// config is the client configuration of the harness.
func (h *harness) config() net2.Config {
	return net2.Config{
		BaseURL:  h.srv.URL + "/api/v1",
		Operator: net2sim.DemoOperator,
		Password: h.password,
		ClientID: h.clientID,
		Logger:   slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:      h.clock.Now,
		Location: siteZone,
		Wait: func(ctx context.Context, d time.Duration) error {
			h.mu.Lock()
			h.waits = append(h.waits, d)
			h.mu.Unlock()
			h.clock.Advance(d)
			return ctx.Err()
		},
	}
}

func (h *harness) newClient(mod func(*net2.Config)) *net2.Client {
	h.t.Helper()
	cfg := h.config()
	if mod != nil {
		mod(&cfg)
	}
	h.addSecret(cfg.Password)
	c, err := net2.New(cfg)
	require.NoError(h.t, err)
	return c
}

// addSecret adds a value the logs and errors must not contain.
func (h *harness) addSecret(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.secrets = append(h.secrets, s)
}

// err records an error for the secrets check and returns it.
func (h *harness) err(err error) error {
	if err != nil {
		h.mu.Lock()
		h.errs = append(h.errs, err.Error())
		h.mu.Unlock()
	}
	return err
}

// tokenRequests counts requests to the token endpoint.
func (h *harness) tokenRequests() int { return h.sim.Counts()["POST /authorization/tokens"] }

// grants lists the grant types of the token requests, in order.
func (h *harness) grants() []string {
	var out []string
	for _, r := range h.sim.Requests() {
		if r.Route == "POST /authorization/tokens" {
			out = append(out, r.Grant)
		}
	}
	return out
}

func (h *harness) waited() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.waits...)
}

// checkSecrets fails the test if a secret appears in the log, a recorded error or the
// emulator's request log.
func (h *harness) checkSecrets() {
	h.mu.Lock()
	secrets := append([]string{h.password, h.clientID}, h.secrets...)
	texts := append([]string{h.logs.String()}, h.errs...)
	h.mu.Unlock()
	secrets = append(secrets, h.sim.IssuedTokens()...)
	for _, r := range h.sim.Requests() {
		texts = append(texts, r.Body, r.Path)
	}
	all := strings.Join(texts, "\n")
	for _, s := range secrets {
		if s != "" {
			assert.NotContains(h.t, all, s, "a secret leaked into logs or errors")
		}
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }
