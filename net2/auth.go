package net2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Token handling. Net2 issues an access token (30 min) and, with scope offline_access, a
// refresh token (2 h). The client refreshes about a minute before the access token expires,
// logs in with the password when it has no usable refresh token, and logs in again once when
// a data call gets 401. Token requests are serialised, and a 429 (Net2 6.8+ allows about two
// token requests per second) is retried after Retry-After or an exponential back-off.

const (
	// refreshMargin is how long before expiry a token is renewed.
	refreshMargin = time.Minute
	// defaultLifetime is assumed when a token reply states no lifetime (Net2 documents 30 min).
	defaultLifetime = 30 * time.Minute
	// maxTokenAttempts bounds the tries of one token request rate-limited with 429.
	maxTokenAttempts = 5
	// firstBackoff is the first wait after a 429 without Retry-After; it doubles per attempt.
	firstBackoff = 500 * time.Millisecond
	// maxBackoff caps one wait, even if Retry-After asks for more.
	maxBackoff = 30 * time.Second
)

// authState is the client's token state.
type authState struct {
	// sem serialises token requests; unlike a mutex, waiting for it respects ctx.
	sem chan struct{}

	mu        sync.Mutex // guards the fields below
	access    string
	refresh   string
	renewAt   time.Time // when access should be renewed
	oldTokens []string  // earlier tokens, still redacted from messages
}

func (a *authState) init() { a.sem = make(chan struct{}, 1) }

// token returns a valid access token, logging in or refreshing as needed.
func (c *Client) token(ctx context.Context) (string, error) {
	if tok := c.validToken(); tok != "" {
		return tok, nil
	}
	select {
	case c.auth.sem <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("net2: waiting for another login to Net2 to finish: %w", ctx.Err())
	}
	defer func() { <-c.auth.sem }()
	if tok := c.validToken(); tok != "" { // renewed while we waited
		return tok, nil
	}

	c.auth.mu.Lock()
	refresh := c.auth.refresh
	c.auth.mu.Unlock()
	if refresh != "" {
		tok, err := c.requestToken(ctx, url.Values{
			"grant_type":    {"refresh_token"},
			"refresh_token": {refresh},
			"client_id":     {c.clientID},
			"scope":         {"offline_access"},
		}, "refresh the access token")
		if err == nil {
			c.log.Debug("net2: access token refreshed")
			return tok, nil
		}
		if !IsCredentials(err) {
			return "", err
		}
		c.log.Info("net2: Net2 refused the refresh token; logging in with the password")
		c.auth.mu.Lock()
		c.auth.refresh = ""
		c.auth.mu.Unlock()
	}
	tok, err := c.requestToken(ctx, url.Values{
		"username":   {c.operator},
		"password":   {c.password},
		"grant_type": {"password"},
		"client_id":  {c.clientID},
		"scope":      {"offline_access"},
	}, fmt.Sprintf("log in as operator %q", c.operator))
	if err != nil {
		return "", err
	}
	c.log.Info("net2: logged in", "operator", c.operator)
	return tok, nil
}

// validToken returns the current access token if it is not due for renewal.
func (c *Client) validToken() string {
	c.auth.mu.Lock()
	defer c.auth.mu.Unlock()
	if c.auth.access != "" && c.now().Before(c.auth.renewAt) {
		return c.auth.access
	}
	return ""
}

// invalidate drops tok if it is still the current access token (a 401 said it is dead).
func (c *Client) invalidate(tok string) {
	c.auth.mu.Lock()
	defer c.auth.mu.Unlock()
	if c.auth.access == tok {
		c.auth.access = ""
	}
}

// ErrMFARequired reports a login refused because the operator has multi-factor
// authentication on (Net2 7): net2booking runs unattended and cannot answer the challenge.
var ErrMFARequired = errors.New("this Net2 operator has multi-factor authentication (MFA) enabled, which an unattended service cannot answer: use an operator without MFA for net2booking (net2.operator), with the System Engineer role")

// mfaRequired reports whether a token reply asks for a second factor.
func mfaRequired(body []byte) bool {
	var r struct {
		Error  string `json:"error"`
		Error2 string `json:"Error"`
	}
	if json.Unmarshal(body, &r) != nil {
		return false
	}
	return strings.EqualFold(firstNonEmpty(r.Error, r.Error2), "mfa_required")
}

// tokenReply is the token endpoint's answer. The camelCase names are a defensive fallback.
type tokenReply struct {
	AccessToken    string  `json:"access_token"`
	AccessToken2   string  `json:"accessToken"`
	ExpiresIn      flexInt `json:"expires_in"`
	ExpiresIn2     flexInt `json:"expiresIn"`
	RefreshToken   string  `json:"refresh_token"`
	RefreshToken2  string  `json:"refreshToken"`
	ExpiryDatetime string  `json:"expiry_datetime"`
}

// requestToken posts form to the token endpoint, retrying on 429, and stores the result.
// what names the purpose for errors ("log in as operator ...").
func (c *Client) requestToken(ctx context.Context, form url.Values, what string) (string, error) {
	encoded := form.Encode()
	for attempt := 1; ; attempt++ {
		sent := c.now()
		status, body, header, err := c.postToken(ctx, encoded)
		if err != nil {
			return "", &stepError{what, err}
		}
		if status == http.StatusTooManyRequests && attempt < maxTokenAttempts {
			d := retryAfter(header.Get("Retry-After"), c.now(), attempt)
			c.log.Warn("net2: Net2 rate-limited the token request; waiting", "attempt", attempt, "wait", d)
			if err := c.wait(ctx, d); err != nil {
				return "", &stepError{what, fmt.Errorf("waiting after 429 Too Many Requests: %w", err)}
			}
			continue
		}
		if mfaRequired(body) {
			// Net2 7 answers an operator with MFA with error "mfa_required" and a challenge,
			// possibly with a 2xx status; a service cannot answer a challenge unattended.
			return "", &stepError{what, ErrMFARequired}
		}
		if status < 200 || status >= 300 {
			return "", &stepError{what, c.apiError(http.MethodPost, tokenRoute, status, body)}
		}
		var r tokenReply
		if err := json.Unmarshal(body, &r); err != nil {
			return "", &stepError{what, fmt.Errorf("POST %s: unreadable token reply: %w", tokenRoute, errors.New(c.redact(err.Error())))}
		}
		return c.store(r, sent, what)
	}
}

// store keeps a token reply and returns the access token.
func (c *Client) store(r tokenReply, sent time.Time, what string) (string, error) {
	access := firstNonEmpty(r.AccessToken, r.AccessToken2)
	if access == "" {
		return "", &stepError{what, fmt.Errorf("POST %s: Net2 replied without an access token", tokenRoute)}
	}
	lifetime := time.Duration(firstNonZero(int(r.ExpiresIn), int(r.ExpiresIn2))) * time.Second
	if lifetime <= 0 {
		// Only the absolute expiry is known; it depends on the two clocks agreeing.
		if t, ok, _ := ParseDate(r.ExpiryDatetime, time.UTC); ok {
			lifetime = t.Sub(sent)
		}
	}
	if lifetime <= 0 {
		lifetime = defaultLifetime
	}
	margin := min(refreshMargin, lifetime/2)
	c.auth.mu.Lock()
	defer c.auth.mu.Unlock()
	c.auth.oldTokens = append(c.auth.oldTokens, c.auth.access, c.auth.refresh)
	if n := len(c.auth.oldTokens); n > 8 {
		c.auth.oldTokens = c.auth.oldTokens[n-8:]
	}
	c.auth.access = access
	if rt := firstNonEmpty(r.RefreshToken, r.RefreshToken2); rt != "" {
		c.auth.refresh = rt // otherwise the old refresh token is kept
	}
	c.auth.renewAt = sent.Add(lifetime - margin)
	return access, nil
}

// postToken performs one exchange with the token endpoint.
func (c *Client) postToken(ctx context.Context, form string) (int, []byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+tokenRoute, strings.NewReader(form))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("net2: POST %s: building the request: %w", tokenRoute, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, c.transportError(http.MethodPost, tokenRoute, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("net2: POST %s: reading the reply: %w", tokenRoute, err)
	}
	c.log.Debug("net2: request", "method", http.MethodPost, "route", tokenRoute, "status", resp.StatusCode)
	return resp.StatusCode, body, resp.Header, nil
}

// retryAfter is the wait before attempt+1: Retry-After (seconds or an HTTP date) if given,
// else an exponential back-off; capped by maxBackoff.
func retryAfter(h string, now time.Time, attempt int) time.Duration {
	d := firstBackoff << (attempt - 1)
	if h = strings.TrimSpace(h); h != "" {
		if s, err := strconv.Atoi(h); err == nil && s >= 0 {
			d = time.Duration(s) * time.Second
		} else if t, err := http.ParseTime(h); err == nil {
			d = t.Sub(now)
		}
	}
	if d <= 0 {
		d = firstBackoff
	}
	return min(d, maxBackoff)
}

// stepError is a failure of a token request, prefixed with its purpose ("log in as operator
// ..."); the "net2: " of the inner error is not repeated.
type stepError struct {
	what string
	err  error
}

func (e *stepError) Error() string {
	return "net2: " + e.what + ": " + strings.TrimPrefix(e.err.Error(), "net2: ")
}

func (e *stepError) Unwrap() error { return e.err }

// minSecretLen is the length from which a secret is redacted from text.
const minSecretLen = 4

// redact removes the password, client id and tokens from text that came from outside (an
// error body, a transport error) before it reaches an error or a log.
func (c *Client) redact(s string) string {
	if s == "" {
		return s
	}
	secrets := []string{c.password, c.clientID, url.QueryEscape(c.password), url.QueryEscape(c.clientID)}
	c.auth.mu.Lock()
	secrets = append(secrets, c.auth.access, c.auth.refresh)
	secrets = append(secrets, c.auth.oldTokens...)
	c.auth.mu.Unlock()
	for _, sec := range secrets {
		// Shorter values cannot be told apart from ordinary text; replacing them would garble
		// every message (Net2's tokens are far longer).
		if len(sec) >= minSecretLen {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

func firstNonZero(v ...int) int {
	for _, n := range v {
		if n != 0 {
			return n
		}
	}
	return 0
}
