package net2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/net2booking/net2booking/accessplan"
)

// Sentinel errors that an *APIError matches with errors.Is. They let callers branch on what
// Net2 meant without parsing status codes or messages.
var (
	// ErrNotFound: the object (user, token, door, ...) does not exist (HTTP 404).
	ErrNotFound = errors.New("not found in Net2")
	// ErrConflict: Net2 refused a value that another object already holds, such as a card
	// number that "has already been issued" or a PIN "already in use" (HTTP 409, or a 400 whose
	// message says so).
	ErrConflict = errors.New("value already in use in Net2")
	// ErrBadRequest: Net2 rejected the request as invalid (HTTP 400 not covered by the errors
	// above).
	ErrBadRequest = errors.New("request rejected by Net2")
	// ErrCredentials: the token endpoint refused the operator name, password or client id.
	ErrCredentials = errors.New("Net2 refused the login")
	// ErrUnauthorized: a data call was refused for lack of a valid token even after one fresh
	// login (HTTP 401).
	ErrUnauthorized = errors.New("Net2 refused the access token")
	// ErrForbidden: the operator or the API licence lacks the right for this call (HTTP 403).
	ErrForbidden = errors.New("Net2 operator lacks permission")
	// ErrRateLimited: Net2 kept answering 429 Too Many Requests.
	ErrRateLimited = errors.New("Net2 rate limit")
	// ErrUnreachable: Net2 could not be reached at all (connection refused, no route, DNS):
	// not up yet, or the address is wrong.
	ErrUnreachable = errors.New("Net2 unreachable")
	// ErrServer: Net2 failed with a 5xx status. For a write the outcome is uncertain: the
	// change may or may not have been stored, so read back before repeating it.
	ErrServer = errors.New("Net2 server error")
)

// tokenRoute is the route template of the token endpoint.
const tokenRoute = "/authorization/tokens"

// APIError is a non-success reply from Net2. Route is the route template of the call
// ("/users/{id}/doorpermissionset"), never the concrete path with secrets or ids, so errors
// group well in logs and metrics. Message is the text Net2 gave (its Message, message,
// error_description or error property, or the start of a non-JSON body); it never holds the
// password, tokens or client id, which are redacted before the error is built.
type APIError struct {
	Status  int
	Method  string
	Route   string
	Message string
	// Code is the OAuth error code of a token-endpoint reply ("invalid_grant",
	// "invalid_client", ...), empty otherwise.
	Code string
}

// Endpoint is the method and route template, e.g. "PUT /users/{id}/doorpermissionset", the
// same key the emulator's request counts use.
func (e *APIError) Endpoint() string { return e.Method + " " + e.Route }

// Error describes the failure and, where the status allows, what an admin can do about it.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "net2: %s %s: %d %s", e.Method, e.Route, e.Status, http.StatusText(e.Status))
	if e.Code != "" && e.Code != e.Message {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if h := e.hint(); h != "" {
		fmt.Fprintf(&b, " — %s", h)
	}
	return b.String()
}

func (e *APIError) hint() string {
	switch {
	case e.Route == tokenRoute && e.Code == "invalid_client":
		return "Net2 does not know this client id: use the ClientID attribute of the API licence file (its file name), check that the file is in Net2's ApiLicences folder and restart the Net2 service"
	case e.Route == tokenRoute && e.Code == "unsupported_grant_type":
		return "this Net2 server does not support the login method used; check the Net2 version (6.6 SR5 or later)"
	case e.Route == tokenRoute && e.Code == "mfa_required":
		return "the operator has multi-factor authentication enabled; use an operator without MFA for this service"
	case e.Route == tokenRoute && (e.Status == 400 || e.Status == 401 || e.Status == 403):
		return "check the operator name (as \"First Last\") and password in the configuration"
	case e.Status == http.StatusUnauthorized:
		return "Net2 refused a freshly issued token; check that the API is licensed and the operator is allowed to use it"
	case e.Status == http.StatusForbidden:
		return "give the operator the rights for this action in Net2, or check the API licence"
	case e.Status == http.StatusTooManyRequests:
		return "Net2 limits logins to about 2 per second; run one instance of the service only"
	case e.Status >= 500 && e.Method == http.MethodGet:
		return "Net2 failed; try again later and check the Net2 server's health"
	case e.Status >= 500:
		return "Net2 failed: the change may or may not have been stored; read it back before repeating it"
	}
	return ""
}

// Is makes errors.Is(err, ErrNotFound) and the other sentinels work on an *APIError.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound && e.Route != tokenRoute
	case ErrConflict:
		return e.Status == http.StatusConflict || (e.Status == http.StatusBadRequest && e.Route != tokenRoute && isConflictMessage(e.Message))
	case ErrBadRequest:
		return e.Status == http.StatusBadRequest && e.Route != tokenRoute && !isConflictMessage(e.Message)
	case ErrCredentials:
		return e.Route == tokenRoute && (e.Status == 400 || e.Status == 401 || e.Status == 403)
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized && e.Route != tokenRoute
	case ErrForbidden:
		return e.Status == http.StatusForbidden && e.Route != tokenRoute
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	case ErrServer:
		return e.Status >= 500
	case accessplan.ErrPermanent:
		// Net2 refused the request itself (validation, rights, unknown object): the same
		// request will be refused again. 401 (token), 408 and 429 (load) are passing.
		return e.Status >= 400 && e.Status < 500 && e.Status != http.StatusUnauthorized &&
			e.Status != http.StatusRequestTimeout && e.Status != http.StatusTooManyRequests && e.Route != tokenRoute
	}
	return false
}

// isConflictMessage reports whether a 400 message says a value is already taken. Net2's
// wording is only partly known ("Card 123 has already been issued"), so any "already ..."
// phrase about issuing, use or existence counts.
func isConflictMessage(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "already been issued") || strings.Contains(m, "already issued") ||
		strings.Contains(m, "already in use") || strings.Contains(m, "already exists") ||
		strings.Contains(m, "duplicate")
}

// IsUnavailable reports whether err says Net2 is not answering now (unreachable, a 5xx,
// rate-limited, or a timeout): worth waiting for, unlike a wrong name or password.
func IsUnavailable(err error) bool {
	return errors.Is(err, ErrUnreachable) || errors.Is(err, ErrServer) || errors.Is(err, ErrRateLimited) || errors.Is(err, context.DeadlineExceeded)
}

// IsNotFound reports whether err says the Net2 object does not exist (404).
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsConflict reports whether err says a value (card number, PIN) is already held in Net2.
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }

// IsCredentials reports whether err says Net2 refused the operator, password or client id.
func IsCredentials(err error) bool { return errors.Is(err, ErrCredentials) }

// IsForbidden reports whether err says the operator lacks a right in Net2 (403).
func IsForbidden(err error) bool { return errors.Is(err, ErrForbidden) }

// IsServerError reports whether err is a 5xx from Net2: the outcome of a write is uncertain.
func IsServerError(err error) bool { return errors.Is(err, ErrServer) }

// maxMessage bounds the text taken from an error body.
const maxMessage = 300

// errorMessage extracts Net2's message and OAuth code from an error body.
func errorMessage(body []byte) (msg, code string) {
	body = trimSpace(body)
	if len(body) == 0 {
		return "", ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) == nil {
		get := func(key string) string {
			for k, v := range m {
				if strings.EqualFold(k, key) {
					var s string
					if json.Unmarshal(v, &s) == nil {
						return strings.TrimSpace(s)
					}
				}
			}
			return ""
		}
		code = get("error")
		for _, k := range []string{"message", "error_description", "error", "exceptionMessage"} {
			if s := get(k); s != "" {
				msg = s
				break
			}
		}
		if md := get("messageDetail"); md != "" && msg != "" && !strings.Contains(msg, md) {
			msg += " " + md
		}
		return clip(msg), code
	}
	var s string
	if json.Unmarshal(body, &s) == nil {
		return clip(strings.TrimSpace(s)), ""
	}
	text := string(body)
	if strings.HasPrefix(text, "<") { // an HTML error page says nothing useful
		return "", ""
	}
	return clip(text), ""
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxMessage {
		s = string(r[:maxMessage]) + "…"
	}
	return s
}
