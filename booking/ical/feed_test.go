package ical

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
)

const secret = "s3cr3tT0kenValue42"

// clock is an injected, manually advanced clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// logBuffer captures every log line of a feed.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

func newTestFeed(t *testing.T, url string, opts Options) (*Feed, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	opts.URL = url
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if opts.SiteLocation == nil {
		opts.SiteLocation = amsterdam
	}
	f, err := New(opts)
	require.NoError(t, err)
	return f, logs
}

var june = win("2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z")

func TestHTTPFetchAndConditionalGET(t *testing.T) {
	body := fixture(t, "recur_overrides.ics")
	var hits atomic.Int32
	var mu sync.Mutex
	var gotINM, gotIMS []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		mu.Lock()
		gotINM = append(gotINM, r.Header.Get("If-None-Match"))
		gotIMS = append(gotIMS, r.Header.Get("If-Modified-Since"))
		mu.Unlock()
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 01 Jun 2026 08:00:00 GMT")
		w.Header().Set("Content-Type", "text/calendar")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	f, _ := newTestFeed(t, srv.URL+"/ical/feed.ics?token="+secret, Options{})

	res1, err := f.Fetch(context.Background(), win("2026-05-04T00:00:00Z", "2026-05-09T00:00:00Z"))
	require.NoError(t, err)
	assert.Len(t, res1.Bookings, 5)
	// Second fetch, another window: the server answers 304, the cached calendar is re-expanded.
	res2, err := f.Fetch(context.Background(), june)
	require.NoError(t, err)
	assert.Equal(t, int32(2), hits.Load())
	mu.Lock()
	assert.Equal(t, []string{"", `"v1"`}, gotINM)
	assert.Equal(t, []string{"", "Mon, 01 Jun 2026 08:00:00 GMT"}, gotIMS)
	mu.Unlock()
	assert.Equal(t, []string{
		"2026-06-01T08:00:00Z/2026-06-01T09:00:00Z",
		"2026-06-03T08:00:00Z/2026-06-03T09:00:00Z",
	}, spans(res2.Bookings))
	assert.Contains(t, strings.Join(res2.Notes, "\n"), "HTTP 304")
	assert.Contains(t, f.Name(), "token=***")
}

// An HTTP feed is parsed dropping each batch once read; one whose context comes after its
// events (a VTIMEZONE at the end) is fetched a second time, unconditionally, and parsed keeping
// them. The next fetch is conditional again.
func TestHTTPFeedWithLateContextIsFetchedAgain(t *testing.T) {
	const n = 3*eventBatch + 7
	body := lateContextFeed(n)
	var mu sync.Mutex
	var gotINM []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gotINM = append(gotINM, r.Header.Get("If-None-Match"))
		mu.Unlock()
		if r.Header.Get("If-None-Match") == `"late"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"late"`)
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	f, _ := newTestFeed(t, srv.URL+"/late.ics", Options{})
	res, err := f.Fetch(context.Background(), wide)
	require.NoError(t, err)
	assert.Empty(t, res.Warnings)
	checkLateContext(t, res, n)
	// The next fetch is conditional: 304, the calendar read the second time is kept.
	res, err = f.Fetch(context.Background(), wide)
	require.NoError(t, err)
	checkLateContext(t, res, n)
	mu.Lock()
	assert.Equal(t, []string{"", "", `"late"`}, gotINM, "fetched twice, then a 304")
	mu.Unlock()
}

func TestHTTPNotModifiedWithoutCacheIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified)
	}))
	defer srv.Close()
	f, _ := newTestFeed(t, srv.URL, Options{})
	_, err := f.Fetch(context.Background(), june)
	var se *StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusNotModified, se.StatusCode)
}

func TestHTTPRetryAfter(t *testing.T) {
	clk := &clock{now: ts("2026-06-01T12:00:00Z")}
	var hits atomic.Int32
	var status atomic.Int32
	status.Store(http.StatusTooManyRequests)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if code := int(status.Load()); code != http.StatusOK {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(code)
			return
		}
		_, _ = w.Write(fixture(t, "lf_only.ics"))
	}))
	defer srv.Close()
	f, _ := newTestFeed(t, srv.URL, Options{Now: clk.Now})

	_, err := f.Fetch(context.Background(), june)
	var se *StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusTooManyRequests, se.StatusCode)
	assert.Equal(t, ts("2026-06-01T12:02:00Z"), se.RetryAfter)
	assert.ErrorIs(t, err, ErrThrottled)
	assert.Equal(t, int32(1), hits.Load())

	status.Store(http.StatusOK)
	clk.Advance(119 * time.Second)
	_, err = f.Fetch(context.Background(), june)
	require.ErrorIs(t, err, ErrThrottled)
	assert.Contains(t, err.Error(), "2026-06-01T12:02:00Z")
	assert.Equal(t, int32(1), hits.Load(), "no request before the Retry-After instant")

	clk.Advance(time.Second)
	res, err := f.Fetch(context.Background(), june)
	require.NoError(t, err)
	assert.Len(t, res.Bookings, 1)
	assert.Equal(t, int32(2), hits.Load())
}

func TestRetryAfterValues(t *testing.T) {
	now := ts("2026-06-01T12:00:00Z")
	for v, want := range map[string]string{
		"30":                            "2026-06-01T12:00:30Z",
		"Mon, 01 Jun 2026 12:10:00 GMT": "2026-06-01T12:10:00Z",
		"86400":                         "2026-06-01T13:00:00Z", // capped at one hour
		"Tue, 02 Jun 2026 12:00:00 GMT": "2026-06-01T13:00:00Z",
	} {
		got, ok := retryAfter(v, now)
		require.True(t, ok, v)
		assert.Equal(t, want, got.Format(time.RFC3339), v)
	}
	for _, v := range []string{"", "0", "-5", "soon", "Mon, 01 Jun 2026 11:00:00 GMT"} {
		_, ok := retryAfter(v, now)
		assert.False(t, ok, v)
	}
}

func TestHTTPServerErrorAndBadBodies(t *testing.T) {
	var body atomic.Value
	body.Store([]byte{})
	var code atomic.Int32
	code.Store(http.StatusInternalServerError)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(code.Load()))
		_, _ = w.Write(body.Load().([]byte))
	}))
	defer srv.Close()
	f, _ := newTestFeed(t, srv.URL+"/feed?key="+secret, Options{MaxBytes: 4096})

	_, err := f.Fetch(context.Background(), june)
	var se *StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 500, se.StatusCode)
	assert.NotErrorIs(t, err, ErrThrottled)
	assert.Contains(t, err.Error(), "HTTP 500")

	code.Store(http.StatusOK)
	for name, tc := range map[string]struct {
		body []byte
		want error
	}{
		"empty 200": {nil, ErrMalformed},
		"truncated": {fixture(t, "truncated.ics"), ErrMalformed},
		"html page": {[]byte("<html><body>Please log in</body></html>\n"), ErrMalformed},
		"too large": {bytes.Repeat([]byte("X"), 5000), ErrTooLarge},
	} {
		body.Store(tc.body)
		_, err := f.Fetch(context.Background(), june)
		assert.ErrorIs(t, err, tc.want, name)
	}
	// A good body after failures.
	body.Store(fixture(t, "lf_only.ics"))
	res, err := f.Fetch(context.Background(), june)
	require.NoError(t, err)
	assert.Len(t, res.Bookings, 1)
}

func TestHTTPTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // block until the client gives up
	}))
	defer srv.Close()
	f, logs := newTestFeed(t, srv.URL+"/cal?token="+secret, Options{Timeout: 50 * time.Millisecond})
	_, err := f.Fetch(context.Background(), june)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotContains(t, err.Error(), secret)
	assert.NotContains(t, logs.String(), secret)
}

func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	// A closed server: net/http returns a *url.Error carrying the full URL.
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	longSeg := "abcdefghijklmnopqrstuvwxyz0123"
	for _, u := range []string{
		base + "/ical/" + longSeg + ".ics?token=" + secret,
		strings.Replace(base, "http://", "http://user:"+secret+"@", 1) + "/feed#" + secret,
	} {
		f, logs := newTestFeed(t, u, Options{})
		_, err := f.Fetch(context.Background(), june)
		require.Error(t, err)
		for _, s := range []string{secret, longSeg} {
			assert.NotContains(t, err.Error(), s)
			assert.NotContains(t, logs.String(), s)
			assert.NotContains(t, f.Name(), s)
		}
	}

	// Through a redirect to a URL with another secret, and a 404.
	target := httptest.NewServer(http.NotFoundHandler())
	defer target.Close()
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/x?token="+secret+"2", http.StatusFound)
	}))
	defer redir.Close()
	f, logs := newTestFeed(t, redir.URL+"/feed?token="+secret, Options{})
	_, err := f.Fetch(context.Background(), june)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
	assert.NotContains(t, logs.String(), secret)

	// Warnings name the feed by its redacted name.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(fixture(t, "tz_unresolvable.ics"))
	}))
	defer bad.Close()
	f, logs = newTestFeed(t, bad.URL+"/feed?token="+secret, Options{})
	res, err := f.Fetch(context.Background(), june)
	require.NoError(t, err)
	require.NotEmpty(t, res.Warnings)
	for _, w := range res.Warnings {
		assert.NotContains(t, w.String(), secret)
		assert.Equal(t, f.Name(), w.Source)
	}
	for _, b := range res.Bookings {
		assert.NotContains(t, b.Source, secret)
	}
	assert.NotContains(t, logs.String(), secret)
	assert.Contains(t, logs.String(), "iCal feed warning")
}

func TestFileFeeds(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join("testdata", "seed_skedda.ics"))
	require.NoError(t, err)
	window := win("2021-04-01T00:00:00Z", "2021-05-01T00:00:00Z")
	for _, u := range []string{filepath.Join("testdata", "seed_skedda.ics"), abs, "file://" + filepath.ToSlash(abs)} {
		f, _ := newTestFeed(t, u, Options{})
		assert.Equal(t, u, f.Name(), "a local path is shown as is")
		res, err := f.Fetch(context.Background(), window)
		require.NoError(t, err, u)
		assert.Len(t, res.Bookings, 2, u)
		assert.Equal(t, u, res.Bookings[0].Source)
	}
	f, _ := newTestFeed(t, filepath.Join(t.TempDir(), "missing.ics"), Options{})
	_, err = f.Fetch(context.Background(), window)
	require.ErrorIs(t, err, os.ErrNotExist)

	big := filepath.Join(t.TempDir(), "big.ics")
	require.NoError(t, os.WriteFile(big, fixture(t, "seed_skedda.ics"), 0o600))
	f, _ = newTestFeed(t, big, Options{MaxBytes: 100})
	_, err = f.Fetch(context.Background(), window)
	require.ErrorIs(t, err, ErrTooLarge)
}

func TestNewValidatesOptions(t *testing.T) {
	for name, o := range map[string]Options{
		"no url":       {},
		"bad scheme":   {URL: "ftp://example.com/feed.ics"},
		"bad dialect":  {URL: "https://example.com/feed.ics", Dialect: "outlook"},
		"neg timeout":  {URL: "https://example.com/feed.ics", Timeout: -time.Second},
		"neg maxbytes": {URL: "https://example.com/feed.ics", MaxBytes: -1},
		"no host":      {URL: "https:///feed.ics"},
	} {
		_, err := New(o)
		assert.Error(t, err, name)
	}
	f, err := New(Options{URL: "https://user:" + secret + "@cal.example.com:8443/ical/" + secret + "?k=" + secret})
	require.NoError(t, err)
	assert.Equal(t, "https://cal.example.com:8443/ical/***?k=***", f.Name())
	_, err = New(Options{URL: "ftp://x/?token=" + secret})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
}

func TestFetchRejectsReversedWindow(t *testing.T) {
	f, _ := newTestFeed(t, filepath.Join("testdata", "lf_only.ics"), Options{})
	_, err := f.Fetch(context.Background(), booking.Window{Start: ts("2026-06-02T00:00:00Z"), End: ts("2026-06-01T00:00:00Z")})
	require.Error(t, err)
}

func TestRedactErrorMasksLeftovers(t *testing.T) {
	err := redactError(errors.New("dial failed for https://h/p?token="+secret), urlSecrets("https://h/p?token="+secret))
	assert.NotContains(t, err.Error(), secret)
}
