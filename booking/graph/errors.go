package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/net2booking/net2booking/booking"
)

// Classes of failure an admin has to fix, for callers that map them (exit codes, alerts).
// Check with errors.Is; the error's text says what exactly to do.
var (
	// ErrCredentials: Entra ID or Graph refused the app registration's credentials (wrong or
	// expired client secret, unknown client id or tenant, token for the wrong cloud).
	ErrCredentials = errors.New("credentials refused")
	// ErrPermission: Graph denied access (403): a missing application permission or admin
	// consent, or a room outside an application access policy / RBAC scope.
	ErrPermission = errors.New("access denied")
	// ErrUnknownRoom: the room's mailbox does not exist in the tenant (404).
	ErrUnknownRoom = errors.New("unknown room")
)

// operation says what a request was for; it selects the advice in error messages.
type operation int

const (
	opCalendar operation = iota // reading a room's calendar
	opRooms                     // listing rooms or room lists
)

// requestError is a failed request in words an admin can act on. Its text is built from
// nil-checked fields only: the SDK's own ODataError.Error() panics on a body without a
// message, and azidentity's text quotes whole responses.
type requestError struct {
	room       string
	msg        string
	status     int
	code       string
	retryAfter time.Duration
	transient  bool
	syncLost   bool    // the delta link expired: start a new round
	wrapped    []error // sentinels and context errors, for errors.Is
}

func (e *requestError) Error() string   { return e.msg }
func (e *requestError) Unwrap() []error { return e.wrapped }

// aadstsCode finds an Entra ID error code (AADSTS7000215 ...) in a text.
var aadstsCode = regexp.MustCompile(`AADSTS(\d+)`)

// describe turns any error from a request into a requestError. room is empty for ListRooms.
// When ctx is done, the context's error is reported whatever the SDK made of it (azidentity
// turns a cancelled token request into a plain authentication error).
func (s *settings) describe(ctx context.Context, err error, op operation, room string) *requestError {
	var re *requestError
	if errors.As(err, &re) {
		return re
	}
	e := &requestError{room: room, transient: true}
	what := "listing the tenant's rooms"
	if op == opCalendar {
		what = "reading the calendar of room " + room
	}
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	var (
		authErr *azidentity.AuthenticationFailedError
		oe      *odataerrors.ODataError
		apiErr  *abstractions.ApiError
		urlErr  *url.Error
		netErr  net.Error
	)
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		e.msg = fmt.Sprintf("%s: stopped (%v)", what, contextCause(err))
		e.wrapped = []error{contextCause(err)}
	case errors.As(err, &authErr):
		s.describeAuth(e, authErr)
	case errors.As(err, &oe):
		code, msg := "", ""
		if me := oe.GetErrorEscaped(); me != nil {
			code, msg = deref(me.GetCode()), deref(me.GetMessage())
		}
		e.retryAfter = headerRetryAfter(oe.GetResponseHeaders())
		s.describeStatus(e, op, what, oe.ResponseStatusCode, code, msg)
	case errors.As(err, &apiErr):
		e.retryAfter = headerRetryAfter(apiErr.GetResponseHeaders())
		s.describeStatus(e, op, what, apiErr.ResponseStatusCode, "", "")
	case errors.Is(err, errBodyTooLarge):
		e.msg = fmt.Sprintf("%s: %v", what, errBodyTooLarge)
		e.wrapped = []error{booking.ErrUnusable}
	case errors.As(err, &urlErr):
		e.msg = fmt.Sprintf("%s: cannot reach %s: %s", what, hostOf(urlErr.URL), s.redact(urlErr.Err.Error()))
	case errors.As(err, &netErr):
		e.msg = fmt.Sprintf("%s: cannot reach Graph at %s: %s", what, s.graphHost, s.redact(netErr.Error()))
	default:
		// The SDK reports answers it cannot parse (wrong JSON types, a non-JSON body) as plain
		// errors: the data is unusable, whatever the link.
		e.msg = fmt.Sprintf("%s: Graph's answer could not be read: %s", what, oneLine(s.redact(err.Error()), 300))
		e.wrapped = []error{booking.ErrUnusable}
	}
	e.msg = s.redact(e.msg)
	return e
}

// describeStatus fills e from an HTTP error status and Graph's error code and message.
func (s *settings) describeStatus(e *requestError, op operation, what string, status int, code, msg string) {
	e.status, e.code = status, code
	detail := fmt.Sprint(status)
	if code != "" {
		detail += " " + code
	}
	if msg = oneLine(msg, 200); msg != "" {
		detail += ": " + msg
	}
	lc := strings.ToLower(code)
	switch {
	case status == 410 || lc == "syncstatenotfound" || lc == "syncstateinvalid" || lc == "resyncrequired":
		e.syncLost = true
		e.msg = fmt.Sprintf("%s: the delta link expired (%s)", what, detail)
	case status == 401:
		e.transient = false
		e.msg = fmt.Sprintf("%s: Graph refused the app's access token (%s). Check that tenant %q is the tenant of client id %s, and that authority_host and graph_endpoint belong to the same cloud", what, detail, s.Tenant, s.ClientID)
		e.wrapped = []error{ErrCredentials}
	case status == 403 && op == opRooms:
		e.transient = false
		e.msg = fmt.Sprintf("%s: access denied (%s). Give the app registration the Microsoft Graph application permission Place.Read.All and grant admin consent", what, detail)
		e.wrapped = []error{ErrPermission}
	case status == 403:
		e.transient = false
		e.msg = fmt.Sprintf("%s: access denied (%s). Give the app registration the Microsoft Graph application permission Calendars.ReadBasic.All (or Calendars.Read) and grant admin consent; if an application access policy or Exchange RBAC for Applications limits the app to some mailboxes, add this room to its scope (those work only with Calendars.Read)", what, detail)
		e.wrapped = []error{ErrPermission}
	case lc == "mailboxnotenabledforrestapi" || lc == "mailboxnotsupportedforrestapi":
		e.transient = false
		e.msg = fmt.Sprintf("%s: this address has no Exchange Online mailbox that Graph can read (%s). Check the address under rooms; net2booking rooms lists the tenant's rooms", what, detail)
		e.wrapped = []error{ErrUnknownRoom}
	case status == 404 || lc == "errorinvaliduser" || lc == "errornonexistentmailbox":
		e.transient = false
		if op == opRooms {
			e.msg = fmt.Sprintf("%s: not found (%s). Check graph_endpoint", what, detail)
			break
		}
		e.msg = fmt.Sprintf("%s: no such mailbox in tenant %s (%s). Check the address under rooms; net2booking rooms lists the tenant's rooms", what, s.Tenant, detail)
		e.wrapped = []error{ErrUnknownRoom}
	case status == 429:
		e.msg = fmt.Sprintf("%s: Graph is throttling the app (%s) after %d retries%s; the next fetch tries again", what, detail, maxRetries, afterText(e.retryAfter))
	case status >= 500:
		e.msg = fmt.Sprintf("%s: Graph answered with a server error (%s)%s; the next fetch tries again", what, detail, afterText(e.retryAfter))
	default:
		e.transient = false
		e.msg = fmt.Sprintf("%s: Graph refused the request (%s)", what, detail)
	}
}

// entraError is the body of an error answer of the Entra ID token or discovery endpoint.
type entraError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Codes       []int  `json:"error_codes"`
}

// describeAuth fills e from a failed token request.
func (s *settings) describeAuth(e *requestError, a *azidentity.AuthenticationFailedError) {
	e.wrapped = []error{ErrCredentials}
	e.transient = false
	pre := fmt.Sprintf("getting a token from Entra ID (%s) for tenant %q and client id %s", strings.TrimSuffix(s.authority, "/"), s.Tenant, s.ClientID)
	if a.RawResponse == nil {
		// No answer (network, TLS, an authority that is not an Entra ID endpoint): a link
		// problem, retried by the next fetch.
		e.transient = true
		e.wrapped = nil
		e.msg = fmt.Sprintf("%s: %s", pre, oneLine(s.redact(a.Error()), 300))
		return
	}
	e.status = a.RawResponse.StatusCode
	var body entraError
	if a.RawResponse.Body != nil {
		raw, _ := io.ReadAll(io.LimitReader(a.RawResponse.Body, maxErrorBody))
		_ = json.Unmarshal(raw, &body)
	}
	code := ""
	if m := aadstsCode.FindStringSubmatch(body.Description); m != nil {
		code = m[1]
	} else if len(body.Codes) > 0 {
		code = fmt.Sprint(body.Codes[0])
	}
	e.code = "AADSTS" + code
	first := firstSentence(body.Description)
	switch code {
	case "7000215":
		e.msg = fmt.Sprintf("%s: Entra ID rejected the client secret (%s). Put the secret's Value (not its Secret ID) from the app registration's Certificates & secrets into client_secret", pre, first)
	case "7000222":
		e.msg = fmt.Sprintf("%s: the client secret has expired (%s). Create a new secret under the app registration's Certificates & secrets and put its Value into client_secret", pre, first)
	case "700016":
		e.msg = fmt.Sprintf("%s: no app registration with this client id in the tenant (%s). Check client_id (the Application (client) ID) and tenant", pre, first)
	case "90002", "900023", "90023":
		e.msg = fmt.Sprintf("%s: tenant not found (%s). Check tenant: the tenant's domain (contoso.onmicrosoft.com) or its Directory (tenant) ID", pre, first)
	case "7000112", "700027":
		e.msg = fmt.Sprintf("%s: the app registration is disabled or its credential is not valid (%s)", pre, first)
	default:
		if e.status >= 500 || e.status == 429 {
			e.transient = true
			e.wrapped = nil
		}
		reason := first
		if reason == "" {
			reason = fmt.Sprintf("HTTP %d", e.status)
			if body.Error != "" {
				reason += " " + body.Error
			}
		}
		e.msg = fmt.Sprintf("%s: Entra ID refused the request (%s)", pre, reason)
	}
}

// firstSentence keeps the "AADSTS…: text." part of an Entra ID description, without the
// trace and correlation ids and the timestamp that follow.
func firstSentence(desc string) string {
	desc = oneLine(desc, 1000)
	for _, cut := range []string{" Trace ID:", " Trace ID :"} {
		if i := strings.Index(desc, cut); i >= 0 {
			desc = desc[:i]
		}
	}
	if i := strings.Index(desc, ". "); i >= 0 {
		desc = desc[:i+1]
	}
	return oneLine(desc, 250)
}

// redact removes the client secret from a text taken from an SDK error.
func (s *settings) redact(text string) string {
	if len(s.ClientSecret) >= 4 {
		text = strings.ReplaceAll(text, s.ClientSecret, "[client secret]")
	}
	return text
}

// oneLine collapses white space and cuts text to at most n bytes (on a rune boundary).
func oneLine(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if len(text) <= n {
		return text
	}
	cut := n
	for cut > 0 && !utf8RuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// headerRetryAfter reads Retry-After from an SDK error's response headers.
func headerRetryAfter(h *abstractions.ResponseHeaders) time.Duration {
	if h == nil {
		return 0
	}
	d, _ := retryAfter(h.Get("Retry-After"), time.Now())
	return d
}

func afterText(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return fmt.Sprintf(" (Retry-After %s)", d.Round(time.Second))
}

// hostOf returns the host of a URL string, so that a message never quotes a delta token.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "Graph"
}

// contextCause returns the context error inside err.
func contextCause(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return context.Canceled
}
