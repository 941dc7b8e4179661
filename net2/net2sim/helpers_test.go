package net2sim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2/net2sim"
)

// The emulator is tested over real HTTP with plain requests, so each quirk is checked on the
// wire, independently of the net2 client.

var zone = time.FixedZone("CET", 3600)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t     *testing.T
	sim   *net2sim.Sim
	srv   *httptest.Server
	clock *clock
	token string
}

// start runs a demo emulator with a fake clock in zone CET (+01:00).
func start(t *testing.T, opts net2sim.Options) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
	opts.Now = e.clock.Now
	if opts.Location == nil {
		opts.Location = zone
	}
	e.sim = net2sim.NewDemo(opts)
	e.srv = httptest.NewServer(e.sim)
	t.Cleanup(e.srv.Close)
	return e
}

// send performs a request; body is sent as is if it is a string, else JSON-encoded.
func (e *env) send(method, path string, body any, header http.Header) (int, http.Header, string) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = strings.NewReader(string(j))
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	require.NoError(e.t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return resp.StatusCode, resp.Header, string(b)
}

// tokenRequest posts a form to the token endpoint.
func (e *env) tokenRequest(form url.Values) (int, http.Header, map[string]any) {
	e.t.Helper()
	status, h, body := e.send(http.MethodPost, "/api/v1/authorization/tokens", form.Encode(),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	var m map[string]any
	if body != "" {
		require.NoError(e.t, json.Unmarshal([]byte(body), &m), body)
	}
	return status, h, m
}

func loginForm() url.Values {
	return url.Values{
		"username": {net2sim.DemoOperator}, "password": {net2sim.DemoPassword},
		"grant_type": {"password"}, "client_id": {net2sim.DemoClientID}, "scope": {"offline_access"},
	}
}

// login gets an access token and keeps it for api.
func (e *env) login() map[string]any {
	e.t.Helper()
	status, _, m := e.tokenRequest(loginForm())
	require.Equal(e.t, http.StatusOK, status, m)
	e.token = m["access_token"].(string)
	return m
}

// api calls the API with the current token (logging in first if needed).
func (e *env) api(method, path string, body any) (int, string) {
	e.t.Helper()
	if e.token == "" {
		e.login()
	}
	status, _, b := e.send(method, "/api/v1"+path, body, http.Header{"Authorization": {"Bearer " + e.token}})
	return status, b
}

// decode unmarshals JSON text into T.
func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(s), &v), s)
	return v
}
