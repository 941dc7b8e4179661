// Package net2 is net2booking's adapter to a Paxton Net2 access-control server: a client of
// the Net2 Local API (REST over HTTP(S), JSON) that logs in as a Net2 operator, reads the
// site's doors, access levels, departments, timezones and user fields, and reads and writes
// users, their department, their door permission set and their tokens (cards, QR numbers).
//
// The client follows what is known of real Net2 servers (docs/research/net2-api.md §10.6, §12): it
// form-encodes the token request, refreshes tokens before they expire, logs in again once
// when a call gets 401, serialises token requests and backs off on 429, always sends both
// validity dates when updating a user (Net2 clears an omitted expiry), and parses replies
// tolerantly (any 2xx, empty bodies, missing fields, null or 0001-01-01 dates). Errors are
// *APIError values that name the route template and say what an admin can do; the password,
// client id and tokens never appear in errors or logs.
//
// On top of the client: the Controller (the accessplan.AccessController that writes doors as
// their reader areas, compares permission sets as Net2 stores them and keeps a Cache for
// one-shot syncs), ResolveSite (every name of a configuration to its Net2 id), the Lease (one
// writer per site) and SelfTest (`check --live`).
//
// Package net2/net2sim is an in-memory emulator of the same API for tests and demos.
package net2

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Config is how to reach and log in to a Net2 server.
type Config struct {
	// BaseURL is the API root, e.g. "https://net2-server:8443/api/v1". A URL without a path
	// gets "/api/v1" appended. It must not carry a user name or password.
	BaseURL string
	// Operator is the Net2 operator to log in as, written "First Last" (e.g. "System
	// engineer"); see Client.Operators.
	Operator string
	// Password is the operator's password. Secret: never logged or put in errors.
	Password string
	// ClientID is the API licence's client id (the licence file's name). Treated as a secret.
	ClientID string
	// TLS selects how the server's certificate is checked.
	TLS TLSConfig
	// HTTPClient is used for all requests; nil means a client with a 60 s timeout. If TLS
	// asks for pinning or no verification, its Transport must be nil or an *http.Transport,
	// which is cloned, not modified.
	HTTPClient *http.Client
	// WrapTransport, when set, wraps the transport the client ends up with (after TLS
	// pinning or verification is set up), e.g. to count requests for metrics.
	WrapTransport func(http.RoundTripper) http.RoundTripper
	// Logger receives the client's logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock used for token lifetimes; nil means time.Now.
	Now func() time.Time
	// Location is the site's time zone, the zone of Net2's wall-clock dates; nil means
	// time.Local (the service normally runs on or next to the Net2 server). See dates.go.
	Location *time.Location
	// Wait pauses for a back-off before retrying a rate-limited login and must return early
	// with ctx.Err() when ctx ends; nil means a real timer. Tests inject one that advances a
	// fake clock.
	Wait func(ctx context.Context, d time.Duration) error
}

// Client talks to one Net2 server. It is safe for concurrent use.
type Client struct {
	base     string // scheme://host[:port]/path without trailing slash
	operator string
	password string
	clientID string
	http     *http.Client
	log      *slog.Logger
	now      func() time.Time
	loc      *time.Location
	wait     func(ctx context.Context, d time.Duration) error
	auth     authState
}

// New checks cfg and returns a client. It does not contact the server; the first call logs
// in.
func New(cfg Config) (*Client, error) {
	base, err := normaliseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.Operator) == "" {
		return nil, errors.New("net2: the operator name is empty; set it to a Net2 operator written \"First Last\"")
	}
	if cfg.Password == "" {
		return nil, errors.New("net2: the operator password is empty")
	}
	if strings.TrimSpace(cfg.ClientID) == "" {
		return nil, errors.New("net2: the client id is empty; use the ClientID of the Net2 API licence file")
	}
	tlsCfg, err := cfg.TLS.build()
	if err != nil {
		return nil, err
	}
	hc, err := httpClient(cfg.HTTPClient, tlsCfg)
	if err != nil {
		return nil, err
	}
	if cfg.WrapTransport != nil {
		cp := *hc
		rt := cp.Transport
		if rt == nil {
			rt = http.DefaultTransport
		}
		cp.Transport = cfg.WrapTransport(rt)
		hc = &cp
	}
	c := &Client{
		base:     base,
		operator: strings.TrimSpace(cfg.Operator),
		password: cfg.Password,
		clientID: strings.TrimSpace(cfg.ClientID),
		http:     hc,
		log:      cfg.Logger,
		now:      cfg.Now,
		loc:      cfg.Location,
		wait:     cfg.Wait,
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.loc == nil {
		c.loc = time.Local
	}
	if c.wait == nil {
		c.wait = timerWait
	}
	c.auth.init()
	return c, nil
}

// BaseURL returns the API root the client talks to.
func (c *Client) BaseURL() string { return c.base }

// Location returns the site's time zone used for Net2 dates.
func (c *Client) Location() *time.Location { return c.loc }

func normaliseBaseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("net2: the base URL is empty; set it to e.g. https://net2-server:8443/api/v1")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("net2: the base URL %q is not an http(s) URL such as https://net2-server:8443/api/v1", redactURL(raw))
	}
	if u.User != nil {
		return "", errors.New("net2: the base URL must not contain a user name or password; use the operator and password settings")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("net2: the base URL %s must not have a query or fragment", u.Scheme+"://"+u.Host+u.Path)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	if u.Path == "" {
		u.Path = "/api/v1"
	}
	return u.Scheme + "://" + u.Host + u.Path, nil
}

// redactURL hides a user-info part of a URL the caller got wrong.
func redactURL(raw string) string {
	if i := strings.Index(raw, "@"); i >= 0 {
		if j := strings.Index(raw, "://"); j >= 0 && j < i {
			return raw[:j+3] + "…@" + raw[i+1:]
		}
		return "…@" + raw[i+1:]
	}
	return raw
}

// baseTransport is a copy of the default transport (proxy settings, timeouts).
func baseTransport() *http.Transport {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		return t.Clone()
	}
	return &http.Transport{Proxy: http.ProxyFromEnvironment, TLSHandshakeTimeout: 10 * time.Second}
}

func httpClient(hc *http.Client, tlsCfg *tls.Config) (*http.Client, error) {
	if hc == nil {
		t := baseTransport()
		if tlsCfg != nil {
			t.TLSClientConfig = tlsCfg
		}
		return &http.Client{Timeout: 60 * time.Second, Transport: t}, nil
	}
	if tlsCfg == nil {
		return hc, nil
	}
	cp := *hc
	switch t := hc.Transport.(type) {
	case nil:
		tr := baseTransport()
		tr.TLSClientConfig = tlsCfg
		cp.Transport = tr
	case *http.Transport:
		tr := t.Clone()
		tr.TLSClientConfig = tlsCfg
		cp.Transport = tr
	default:
		return nil, errors.New("net2: TLS pinning or insecure mode needs HTTPClient.Transport to be nil or an *http.Transport")
	}
	return &cp, nil
}

// timerWait waits d or until ctx ends.
func timerWait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// call is one data request.
type call struct {
	method string
	route  string // template, e.g. "/users/{id}"
	path   string // concrete path below the base URL
	body   any    // JSON-encoded when non-nil
	noAuth bool   // try without a token first (GET /operators)
}

// maxBody bounds a reply body (a site's whole user list fits comfortably).
const maxBody = 64 << 20

// do performs a data request with the current token. A 401 leads to one fresh login and one
// retry. It returns the body of a 2xx reply, or an *APIError.
func (c *Client) do(ctx context.Context, cl call) ([]byte, error) {
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return nil, fmt.Errorf("net2: %s %s: encoding the request: %w", cl.method, cl.route, err)
		}
	}
	relogged := false
	for {
		tok := ""
		if !cl.noAuth {
			var err error
			if tok, err = c.token(ctx); err != nil {
				c.log.Debug("net2: no token for a call", "method", cl.method, "route", cl.route)
				return nil, err
			}
		}
		status, body, err := c.send(ctx, cl, payload, tok)
		if err != nil {
			return nil, err
		}
		if status == http.StatusUnauthorized {
			if cl.noAuth {
				cl.noAuth = false
				continue
			}
			if !relogged {
				relogged = true
				c.log.Warn("net2: Net2 refused the access token; logging in again", "method", cl.method, "route", cl.route)
				c.invalidate(tok)
				continue
			}
		}
		if status >= 200 && status < 300 {
			return body, nil
		}
		return nil, c.apiError(cl.method, cl.route, status, body)
	}
}

// send performs one HTTP exchange.
func (c *Client) send(ctx context.Context, cl call, payload []byte, tok string) (int, []byte, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, c.base+cl.path, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("net2: %s %s: building the request: %w", cl.method, cl.route, err)
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "bearer "+tok)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.log.Debug("net2: request failed", "method", cl.method, "route", cl.route, "error", c.redact(err.Error()))
		return 0, nil, c.transportError(cl.method, cl.route, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, fmt.Errorf("net2: %s %s: reading the reply: %w", cl.method, cl.route, err)
	}
	c.log.Debug("net2: request", "method", cl.method, "route", cl.route, "status", resp.StatusCode, "duration", time.Since(start))
	return resp.StatusCode, body, nil
}

// transportError explains a failure to exchange with the server at all.
func (c *Client) transportError(method, route string, err error) error {
	var cve *tls.CertificateVerificationError
	var pin *PinMismatchError
	switch {
	case errors.As(err, &pin):
		return fmt.Errorf("net2: %s %s: %w", method, route, pin)
	case errors.As(err, &cve):
		pin := "its SHA-256 fingerprint"
		if len(cve.UnverifiedCertificates) > 0 {
			pin = "net2.tls.pin_sha256: " + FingerprintDER(cve.UnverifiedCertificates[0].Raw) + " (check it is the Net2 server's before you trust it)"
		}
		return fmt.Errorf("net2: %s %s: the Net2 server's TLS certificate is not trusted (Net2 uses a self-signed certificate unless the site installed its own): pin it with %s, or install a trusted certificate: %w", method, route, pin, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("net2: %s %s: %w", method, route, err)
	}
	return fmt.Errorf("net2: %s %s: cannot reach Net2 at %s (is the Net2 Local API enabled and the address right?): %w: %w", method, route, c.base, ErrUnreachable, err)
}

// apiError builds the error for a non-2xx reply, with secrets redacted from Net2's message.
func (c *Client) apiError(method, route string, status int, body []byte) *APIError {
	msg, code := errorMessage(body)
	return &APIError{Status: status, Method: method, Route: route, Message: c.redact(msg), Code: c.redact(code)}
}

// get fetches route into out; an empty body leaves out untouched.
func (c *Client) get(ctx context.Context, route, path string, out any) error {
	body, err := c.do(ctx, call{method: http.MethodGet, route: route, path: path})
	if err != nil {
		return err
	}
	return c.decode(http.MethodGet, route, body, out)
}

// decode unmarshals a reply body; an empty body (or null) leaves out untouched.
func (c *Client) decode(method, route string, body []byte, out any) error {
	if out == nil || isEmptyBody(body) {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("net2: %s %s: unreadable reply from Net2: %w", method, route, err)
	}
	return nil
}
