package ical

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/net2booking/net2booking/booking"
)

// DefaultTimeout bounds one fetch (connect, headers and body) of an HTTP feed.
const DefaultTimeout = 60 * time.Second

// maxRetryAfter caps how long a Retry-After header can silence a feed: a misconfigured
// server must not freeze the bookings of a building for days.
const maxRetryAfter = time.Hour

// ErrThrottled marks a fetch that was not attempted, or failed, because the server asked us
// (HTTP 429 or 503 with Retry-After) to wait. The caller keeps the last good data.
var ErrThrottled = errors.New("server asked to retry later")

// StatusError is a non-2xx HTTP answer of a feed server. It lets the caller tell a missing
// feed (404), a refused secret (401/403) and throttling (429/503, with RetryAfter set) apart.
type StatusError struct {
	// Feed is the feed's redacted name.
	Feed string
	// StatusCode is the HTTP status code.
	StatusCode int
	// RetryAfter is the instant before which the feed will not be contacted again; zero when
	// the server sent no usable Retry-After.
	RetryAfter time.Time
}

// Error names the feed (redacted), the HTTP status and, when the server asked to wait, the
// instant before which the feed is not contacted again.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("iCal feed %s: server answered HTTP %d %s", e.Feed, e.StatusCode, http.StatusText(e.StatusCode))
	if !e.RetryAfter.IsZero() {
		msg += "; not contacted again before " + e.RetryAfter.UTC().Format(time.RFC3339)
	}
	return msg
}

// Unwrap makes errors.Is(err, ErrThrottled) true when the server asked to wait.
func (e *StatusError) Unwrap() error {
	if !e.RetryAfter.IsZero() {
		return ErrThrottled
	}
	return nil
}

// Options configures a Feed. Only URL is required.
type Options struct {
	// Name identifies the feed in logs, warnings and the memo; default RedactURL(URL). It
	// must not contain secrets.
	Name string
	// URL is an http(s) URL, a file:// URL or a local file path. It is a secret (SPEC F4):
	// it never appears in logs or errors, only its redacted form.
	URL string
	// Dialect is "skedda", "booked" or "auto" ("" = auto).
	Dialect Dialect
	// SiteLocation is the zone of floating times and all-day bookings (an X-WR-TIMEZONE of
	// the feed wins when it resolves); nil = time.Local.
	SiteLocation *time.Location
	// HTTPClient performs requests; nil = a default client. Timeout applies either way.
	HTTPClient *http.Client
	// Timeout bounds one fetch; 0 = DefaultTimeout.
	Timeout time.Duration
	// MaxBytes caps the feed size; 0 = DefaultMaxBytes. A larger feed is a failed fetch.
	MaxBytes int64
	// MaxOccurrences caps occurrences per recurrence rule; 0 = DefaultMaxOccurrences.
	MaxOccurrences int
	// MaxFeedOccurrences caps the occurrences of all rules together in one answer; 0 =
	// DefaultMaxFeedOccurrences.
	MaxFeedOccurrences int
	// MaxDuration caps one booking's length; 0 = DefaultMaxDuration.
	MaxDuration time.Duration
	// Logger receives fetch logs; nil = discard.
	Logger *slog.Logger
	// Now is the clock (Retry-After); nil = time.Now.
	Now func() time.Time
}

// Feed is a booking.BookingSource reading one iCal feed over HTTP(S) or from a local file
// (SPEC F1–F4, F6). It remembers the last parsed calendar with its ETag and Last-Modified, so
// an unchanged feed costs the server a 304 and us no parsing, and it honours Retry-After. Its
// methods are safe for concurrent use (fetches are serialised).
type Feed struct {
	name      string
	rawURL    string
	path      string // local feed; "" for HTTP
	secrets   []string
	parseOpts ParseOptions
	client    *http.Client
	timeout   time.Duration
	log       *slog.Logger
	now       func() time.Time

	mu           sync.Mutex
	cached       *Calendar
	etag         string
	lastModified string
	retryUntil   time.Time
}

var _ booking.BookingSource = (*Feed)(nil)

// New validates opts and returns a Feed. Errors name the feed by its redacted URL.
func New(opts Options) (*Feed, error) {
	raw := strings.TrimSpace(opts.URL)
	f := &Feed{rawURL: raw, secrets: urlSecrets(raw), name: opts.Name}
	if f.name == "" {
		f.name = RedactURL(raw)
	}
	if raw == "" {
		return nil, fmt.Errorf("iCal feed %q: no URL or file path configured", f.name)
	}
	lower := strings.ToLower(raw)
	switch {
	case strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://"):
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("iCal feed %s: the URL is not valid", f.name)
		}
	case strings.HasPrefix(lower, "file:"):
		u, err := url.Parse(raw)
		if err != nil || u.Path == "" || (u.Host != "" && u.Host != "localhost") {
			return nil, fmt.Errorf("iCal feed %s: the file URL is not valid (want file:///path)", f.name)
		}
		f.path = fileURLPath(u.Path)
	case strings.Contains(raw, "://"):
		return nil, fmt.Errorf("iCal feed %s: unsupported URL scheme (want http, https, file or a file path)", f.name)
	default:
		f.path = raw
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("iCal feed %s: negative timeout", f.name)
	}
	f.timeout = opts.Timeout
	if f.timeout == 0 {
		f.timeout = DefaultTimeout
	}
	po, err := ParseOptions{
		Name:               f.name,
		Dialect:            opts.Dialect,
		SiteLocation:       opts.SiteLocation,
		MaxBytes:           opts.MaxBytes,
		MaxOccurrences:     opts.MaxOccurrences,
		MaxFeedOccurrences: opts.MaxFeedOccurrences,
		MaxDuration:        opts.MaxDuration,
	}.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("iCal feed %s: %w", f.name, err)
	}
	f.parseOpts = po
	f.client = opts.HTTPClient
	if f.client == nil {
		f.client = &http.Client{}
	}
	f.log = opts.Logger
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	f.now = opts.Now
	if f.now == nil {
		f.now = time.Now
	}
	return f, nil
}

// fileURLPath turns the path of a file: URL into an OS path ("/C:/x" is C:\x on Windows).
func fileURLPath(p string) string {
	if len(p) >= 3 && p[0] == '/' && p[2] == ':' {
		p = p[1:]
	}
	return filepath.FromSlash(p)
}

// Name identifies the feed in logs and warnings; it never contains the URL's secrets.
func (f *Feed) Name() string { return f.name }

// Fetch returns the bookings overlapping w. It fails (and the caller keeps its last good
// data, SPEC B3) on any network or HTTP error, a throttled server, an oversized, empty,
// truncated or unparseable feed. An unchanged feed (304) is re-expanded from the calendar
// parsed last time.
func (f *Feed) Fetch(ctx context.Context, w booking.Window) (booking.FetchResult, error) {
	if w.End.Before(w.Start) {
		return booking.FetchResult{}, fmt.Errorf("iCal feed %s: window %s ends before it starts", f.name, w)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	cal, notModified, err := f.load(ctx)
	if err != nil {
		// Not logged here: the error is returned, and the caller reports it once.
		return booking.FetchResult{}, err
	}
	res := cal.Bookings(w)
	if notModified {
		res.Notes = append(res.Notes, "feed not modified since the last fetch (HTTP 304): cached calendar re-expanded")
	}
	f.log.Info("iCal feed fetched", "feed", f.name, "not_modified", notModified, "events", cal.events,
		"bookings", len(res.Bookings), "warnings", len(res.Warnings), "window", w.String())
	for _, wa := range res.Warnings {
		f.log.Debug("iCal feed warning", "feed", f.name, "uid", wa.UID, "reason", wa.Reason)
	}
	return res, nil
}

func (f *Feed) load(ctx context.Context) (*Calendar, bool, error) {
	if f.path != "" {
		cal, err := f.readFile()
		return cal, false, err
	}
	return f.loadHTTP(ctx)
}

// readFile parses the local feed as it is read (ParseReader): the file is never held whole.
func (f *Feed) readFile() (*Calendar, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return nil, fmt.Errorf("iCal feed %s: %w", f.name, err)
	}
	defer fh.Close()
	cal, err := ParseReader(fh, f.parseOpts)
	if err != nil && errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("iCal feed %s: file exceeds the limit of %d bytes: %w", f.name, f.parseOpts.MaxBytes, ErrTooLarge)
	}
	return cal, err
}

// loadHTTP fetches and parses the feed. The body is parsed as it arrives, and each batch of
// events is dropped once read, so memory holds a few batches, not the feed. A feed whose
// context changes after its events (a VTIMEZONE at the end) cannot be read that way: it is
// fetched again, unconditionally, and parsed keeping every batch until its calendar ends.
func (f *Feed) loadHTTP(ctx context.Context) (*Calendar, bool, error) {
	cal, notModified, err := f.fetchHTTP(ctx, false)
	if errors.Is(err, errRestart) {
		cal, notModified, err = f.fetchHTTP(ctx, true)
	}
	return cal, notModified, err
}

// fetchHTTP is one GET of the feed; keep asks for the parse that keeps batches (and for the
// body, whatever the validators say).
func (f *Feed) fetchHTTP(ctx context.Context, keep bool) (*Calendar, bool, error) {
	now := f.now()
	if now.Before(f.retryUntil) {
		return nil, false, fmt.Errorf("iCal feed %s: server asked not to be contacted before %s: %w",
			f.name, f.retryUntil.UTC().Format(time.RFC3339), ErrThrottled)
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.rawURL, nil)
	if err != nil {
		return nil, false, f.wrap("building the request", err)
	}
	req.Header.Set("Accept", "text/calendar, text/plain;q=0.9, */*;q=0.5")
	req.Header.Set("User-Agent", "net2booking-ical")
	if f.cached != nil && !keep {
		if f.etag != "" {
			req.Header.Set("If-None-Match", f.etag)
		}
		if f.lastModified != "" {
			req.Header.Set("If-Modified-Since", f.lastModified)
		}
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, false, f.wrap("request failed", err)
	}
	defer func() {
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		resp.Body.Close()
	}()
	switch {
	case resp.StatusCode == http.StatusNotModified && f.cached != nil:
		return f.cached, true, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		se := &StatusError{Feed: f.name, StatusCode: resp.StatusCode}
		if until, ok := retryAfter(resp.Header.Get("Retry-After"), now); ok {
			f.retryUntil = until
			se.RetryAfter = until
		}
		return nil, false, se
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, false, &StatusError{Feed: f.name, StatusCode: resp.StatusCode}
	}
	if resp.ContentLength > f.parseOpts.MaxBytes {
		return nil, false, fmt.Errorf("iCal feed %s: server announces %d bytes, over the limit of %d bytes: %w", f.name, resp.ContentLength, f.parseOpts.MaxBytes, ErrTooLarge)
	}
	// The body is parsed as it arrives, never held whole.
	body := &bodyReader{r: resp.Body, f: f}
	var cal *Calendar
	if keep {
		cal, err = ParseReader(body, f.parseOpts)
	} else {
		cal, err = parseDropping(body, f.parseOpts)
	}
	if errors.Is(err, errRestart) {
		return nil, false, err
	}
	if err != nil {
		var re *readError
		switch {
		case errors.As(err, &re):
			return nil, false, f.wrap("reading the response", re.err)
		case errors.Is(err, ErrTooLarge):
			return nil, false, fmt.Errorf("iCal feed %s: response exceeds the limit of %d bytes: %w", f.name, f.parseOpts.MaxBytes, ErrTooLarge)
		}
		return nil, false, err
	}
	// Validators are kept only together with the calendar they describe: a 304 must never
	// bring back a calendar other than the one that was parsed from that version.
	f.cached, f.etag, f.lastModified = cal, resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	return cal, false, nil
}

// wrap names the feed and strips every secret of its URL from an I/O error.
func (f *Feed) wrap(what string, err error) error {
	return fmt.Errorf("iCal feed %s: %s: %w", f.name, what, redactError(err, f.secrets))
}

// retryAfter parses a Retry-After value (delay in seconds or an HTTP date) relative to now,
// capped at maxRetryAfter. ok is false when there is nothing to wait for.
func retryAfter(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	var until time.Time
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return time.Time{}, false
		}
		if secs > int64(maxRetryAfter/time.Second) {
			secs = int64(maxRetryAfter / time.Second)
		}
		until = now.Add(time.Duration(secs) * time.Second)
	} else if t, err := http.ParseTime(v); err == nil {
		until = t
	} else {
		return time.Time{}, false
	}
	if !until.After(now) {
		return time.Time{}, false
	}
	if until.Sub(now) > maxRetryAfter {
		until = now.Add(maxRetryAfter)
	}
	return until, true
}

// bodyReader marks errors of the response body, so they are reported (redacted) as I/O
// errors rather than as bad data.
type bodyReader struct {
	r io.Reader
	f *Feed
}

type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = &readError{err}
	}
	return n, err
}
