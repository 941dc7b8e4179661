package net2_test

import (
	"context"
	"encoding/json"
	"errors"
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

func TestTokenIsRefreshedAMinuteBeforeExpiry(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.TokenLifetime = 5 * time.Minute }))
	c := ctx(t)
	_, err := h.client.Doors(c)
	require.NoError(t, err)
	assert.Equal(t, []string{"password"}, h.grants())

	h.clock.Advance(3*time.Minute + 59*time.Second)
	_, err = h.client.Doors(c)
	require.NoError(t, err)
	assert.Equal(t, 1, h.tokenRequests(), "the token is still good")

	h.clock.Advance(2 * time.Second) // 4:01, inside the last minute
	_, err = h.client.Doors(c)
	require.NoError(t, err)
	assert.Equal(t, []string{"password", "refresh_token"}, h.grants())
	assert.Zero(t, h.sim.Counts()[""], "no request hit an unknown route")
	for _, r := range h.sim.Requests() {
		assert.NotEqual(t, http.StatusUnauthorized, r.Status, "renewed before it expired")
	}
}

func TestRefusedRefreshFallsBackToPassword(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.TokenLifetime = 5 * time.Minute }))
	c := ctx(t)
	_, err := h.client.Doors(c)
	require.NoError(t, err)
	h.sim.ExpireAllTokens() // as a restart of the Net2 service
	h.clock.Advance(4*time.Minute + 30*time.Second)
	_, err = h.client.Doors(c)
	require.NoError(t, err)
	assert.Equal(t, []string{"password", "refresh_token", "password"}, h.grants())
}

func TestA401LeadsToOneLoginAndOneRetry(t *testing.T) {
	t.Run("refresh token still valid", func(t *testing.T) {
		h := newHarness(t)
		_, err := h.client.Doors(ctx(t))
		require.NoError(t, err)
		h.sim.ExpireAccessTokens()
		_, err = h.client.Doors(ctx(t))
		require.NoError(t, err)
		assert.Equal(t, 3, h.sim.Counts()["GET /doors"], "one call, one 401, one retry")
		assert.Equal(t, []string{"password", "refresh_token"}, h.grants())
	})
	t.Run("all tokens gone", func(t *testing.T) {
		h := newHarness(t)
		_, err := h.client.Doors(ctx(t))
		require.NoError(t, err)
		h.sim.ExpireAllTokens()
		_, err = h.client.Doors(ctx(t))
		require.NoError(t, err)
		assert.Equal(t, 3, h.sim.Counts()["GET /doors"])
		assert.Equal(t, []string{"password", "refresh_token", "password"}, h.grants())
	})
}

func TestARepeated401IsNotRetriedForever(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls[r.URL.Path]++
		mu.Unlock()
		if r.URL.Path == "/api/v1/authorization/tokens" {
			_, _ = w.Write([]byte(`{"access_token":"tok-abc","expires_in":1800}`))
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"Message":"Authorization has been denied for this request."}`))
	}))
	defer srv.Close()
	c, err := net2.New(net2.Config{BaseURL: srv.URL, Operator: "System engineer", Password: "pw-123456", ClientID: "cid"})
	require.NoError(t, err)
	_, err = c.Doors(ctx(t))
	require.Error(t, err)
	assert.ErrorIs(t, err, net2.ErrUnauthorized)
	assert.Contains(t, err.Error(), "GET /doors: 401 Unauthorized: Authorization has been denied for this request.")
	assert.NotContains(t, err.Error(), "tok-abc")
	assert.Equal(t, 2, calls["/api/v1/doors"])
	assert.Equal(t, 2, calls["/api/v1/authorization/tokens"])
}

func TestRateLimitedLoginBacksOffAndSucceeds(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.TokenRateLimit = 2; o.RetryAfterSeconds = 1 }))
	c := ctx(t)
	// Two other clients use up this second's two logins.
	for range 2 {
		_, err := h.newClient(nil).Doors(c)
		require.NoError(t, err)
	}
	_, err := h.client.Doors(c)
	require.NoError(t, err)
	assert.Equal(t, 4, h.tokenRequests(), "two logins, one 429, one retry")
	assert.Equal(t, []time.Duration{time.Second}, h.waited(), "Retry-After honoured")
	var statuses []int
	for _, r := range h.sim.Requests() {
		if r.Route == "POST /authorization/tokens" {
			statuses = append(statuses, r.Status)
		}
	}
	assert.Equal(t, []int{200, 200, 429, 200}, statuses)
}

func TestRateLimitedLoginGivesUpAfterBoundedAttempts(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.TokenRateLimit = 1 }),
		withConfig(func(cfg *net2.Config) {
			cfg.Wait = func(ctx context.Context, d time.Duration) error { return nil } // the clock stands still
		}))
	_, err := h.newClient(nil).Doors(ctx(t)) // uses up the second
	require.NoError(t, err)
	_, err = h.client.Doors(ctx(t))
	require.Error(t, h.err(err))
	assert.ErrorIs(t, err, net2.ErrRateLimited)
	assert.Contains(t, err.Error(), "429 Too Many Requests")
	assert.Equal(t, 1+5, h.tokenRequests())
}

func TestBackoffWithoutRetryAfterIsExponential(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.TokenRateLimit = 1 }))
	_, err := h.newClient(nil).Doors(ctx(t))
	require.NoError(t, err)
	_, err = h.client.Doors(ctx(t)) // 429, wait 500ms, 429, wait 1s: now past the second
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{500 * time.Millisecond, time.Second}, h.waited())
}

func TestBackoffWaitEndsWithTheContext(t *testing.T) {
	sim := net2sim.New(net2sim.Options{TokenRateLimit: 1, RetryAfterSeconds: 30})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	cfg := net2.Config{BaseURL: srv.URL, Operator: net2sim.DemoOperator, Password: net2sim.DemoPassword, ClientID: net2sim.DemoClientID}
	first, err := net2.New(cfg)
	require.NoError(t, err)
	_, err = first.Doors(ctx(t))
	require.NoError(t, err)

	c, cancel := context.WithCancel(ctx(t))
	defer cancel()
	// The caller gives up as soon as the client starts its 30 s wait. Wait is nil: a real
	// timer, which must stop with ctx.
	cfg.Logger = slog.New(onMessage{"rate-limited", cancel})
	second, err := net2.New(cfg)
	require.NoError(t, err)
	_, err = second.Doors(c)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "waiting after 429")
}

// onMessage is a slog handler that calls f when a record's message contains substr.
type onMessage struct {
	substr string
	f      func()
}

func (h onMessage) Enabled(context.Context, slog.Level) bool { return true }
func (h onMessage) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.substr) {
		h.f()
	}
	return nil
}
func (h onMessage) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h onMessage) WithGroup(string) slog.Handler      { return h }

func TestWrongPasswordIsAClearErrorWithoutThePassword(t *testing.T) {
	h := newHarness(t)
	wrong := randomSecret("Wrong!")
	c := h.newClient(func(cfg *net2.Config) { cfg.Password = wrong })
	_, err := c.Users(ctx(t))
	require.Error(t, h.err(err))
	assert.True(t, net2.IsCredentials(err))
	assert.Contains(t, err.Error(), `log in as operator "System engineer"`)
	assert.Contains(t, err.Error(), "The user name or password is incorrect.")
	assert.Contains(t, err.Error(), "check the operator name")
	assert.NotContains(t, err.Error(), wrong)
	assert.Zero(t, h.sim.Counts()["GET /users"], "no data call without a token")
}

func TestUnknownClientIDPointsAtTheLicence(t *testing.T) {
	h := newHarness(t)
	wrong := randomSecret("not-the-licence-")
	h.addSecret(wrong)
	c := h.newClient(func(cfg *net2.Config) { cfg.ClientID = wrong })
	_, err := c.Doors(ctx(t))
	require.Error(t, h.err(err))
	assert.True(t, net2.IsCredentials(err))
	assert.Contains(t, err.Error(), "invalid_client")
	assert.Contains(t, err.Error(), "licence")
}

func TestForbiddenOperator(t *testing.T) {
	h := newHarness(t)
	h.sim.Forbid(net2sim.DemoOperator)
	_, err := h.client.Users(ctx(t))
	require.Error(t, h.err(err))
	assert.True(t, net2.IsForbidden(err))
	assert.Contains(t, err.Error(), "give the operator the rights")
}

func TestTokenReplyWithoutRefreshTokenKeepsTheOldOne(t *testing.T) {
	clock := newClock()
	var mu sync.Mutex
	var seen []string // refresh tokens presented
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/authorization/tokens" {
			_, _ = w.Write([]byte(`[]`))
			return
		}
		require.NoError(t, r.ParseForm())
		mu.Lock()
		defer mu.Unlock()
		n++
		reply := map[string]any{"access_token": "access-" + string(rune('a'+n)), "expires_in": 600}
		switch r.Form.Get("grant_type") {
		case "password":
			reply["refresh_token"] = "refresh-first"
		case "refresh_token":
			seen = append(seen, r.Form.Get("refresh_token"))
			assert.Equal(t, "offline_access", r.Form.Get("scope"))
			assert.Equal(t, "cid", r.Form.Get("client_id"))
		}
		_ = json.NewEncoder(w).Encode(reply)
	}))
	defer srv.Close()
	c, err := net2.New(net2.Config{BaseURL: srv.URL + "/api/v1", Operator: "System engineer", Password: "pw-123456", ClientID: "cid", Now: clock.Now})
	require.NoError(t, err)
	for range 3 {
		_, err = c.Doors(ctx(t))
		require.NoError(t, err)
		clock.Advance(9*time.Minute + 30*time.Second)
	}
	assert.Equal(t, []string{"refresh-first", "refresh-first"}, seen)
}

func TestTokenLifetimeFromExpiryDatetime(t *testing.T) {
	clock := newClock()
	logins := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/authorization/tokens" {
			logins++
			exp := clock.Now().Add(10 * time.Minute).UTC().Format("2006-01-02T15:04:05.0000000Z")
			_, _ = w.Write([]byte(`{"access_token":"a","token_type":"bearer","expiry_datetime":"` + exp + `"}`))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c, err := net2.New(net2.Config{BaseURL: srv.URL, Operator: "x y", Password: "pw-123456", ClientID: "cid", Now: clock.Now})
	require.NoError(t, err)
	_, err = c.Doors(ctx(t))
	require.NoError(t, err)
	clock.Advance(8 * time.Minute)
	_, err = c.Doors(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, 1, logins)
	clock.Advance(90 * time.Second)
	_, err = c.Doors(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, 2, logins, "renewed within the last minute of the stated expiry")
}

func TestNewRejectsBadConfig(t *testing.T) {
	good := net2.Config{BaseURL: "https://net2:8443/api/v1", Operator: "System engineer", Password: "secret-pw", ClientID: "cid"}
	for name, mod := range map[string]func(*net2.Config){
		"empty URL":    func(c *net2.Config) { c.BaseURL = "" },
		"not http":     func(c *net2.Config) { c.BaseURL = "ftp://x" },
		"user info":    func(c *net2.Config) { c.BaseURL = "https://admin:secret-pw@net2:8443/api/v1" },
		"no operator":  func(c *net2.Config) { c.Operator = " " },
		"no password":  func(c *net2.Config) { c.Password = "" },
		"no client id": func(c *net2.Config) { c.ClientID = "" },
		"bad pin":      func(c *net2.Config) { c.TLS.PinSHA256 = "abc" },
		"odd transport": func(c *net2.Config) {
			c.TLS.InsecureSkipVerify = true
			c.HTTPClient = &http.Client{Transport: roundTripper{}}
		},
	} {
		cfg := good
		mod(&cfg)
		_, err := net2.New(cfg)
		require.Error(t, err, name)
		assert.NotContains(t, err.Error(), "secret-pw", name)
	}
	c, err := net2.New(net2.Config{BaseURL: "https://net2:8443/", Operator: "a", Password: "b", ClientID: "c"})
	require.NoError(t, err)
	assert.Equal(t, "https://net2:8443/api/v1", c.BaseURL(), "a bare host gets the API root")
}

type roundTripper struct{}

func (roundTripper) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("unused")
}
