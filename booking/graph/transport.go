package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxBody caps one Graph response body: a page of 100 events is a few hundred kilobytes, so
// anything near this size is not a calendar page.
const maxBody = 32 << 20

// maxErrorBody caps the part of an error response that is kept.
const maxErrorBody = 64 << 10

// errBodyTooLarge is returned by reads of a response body over maxBody.
var errBodyTooLarge = fmt.Errorf("Graph's answer is larger than %d MiB", maxBody>>20)

// appLimit is the cap on one app's Graph requests in flight. Outlook allows an app
// MaxConcurrency concurrent requests whatever the mailbox, so one appLimit is shared by every
// Source and ListRooms call of the process with the same client id against the same Graph
// host (limitFor).
type appLimit struct {
	sem chan struct{}

	mu      sync.Mutex
	waiting int    // requests waiting for a slot
	onWait  func() // tests: called, without mu, whenever waiting changes
}

// appLimits holds one appLimit per client id and Graph host, for the life of the process
// (there are as many as apps configured).
var appLimits = struct {
	sync.Mutex
	m map[string]*appLimit
}{m: map[string]*appLimit{}}

// limitFor returns the shared limit of the app clientID at graphHost.
func limitFor(clientID, graphHost string) *appLimit {
	key := strings.ToLower(clientID) + " " + strings.ToLower(graphHost)
	appLimits.Lock()
	defer appLimits.Unlock()
	l := appLimits.m[key]
	if l == nil {
		l = &appLimit{sem: make(chan struct{}, MaxConcurrency)}
		appLimits.m[key] = l
	}
	return l
}

// acquire takes a slot, waiting for one as long as ctx allows.
func (l *appLimit) acquire(ctx context.Context) error {
	select {
	case l.sem <- struct{}{}:
		return nil
	default:
	}
	l.addWaiting(1)
	defer l.addWaiting(-1)
	select {
	case l.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *appLimit) release() { <-l.sem }

func (l *appLimit) addWaiting(d int) {
	l.mu.Lock()
	l.waiting += d
	notify := l.onWait
	l.mu.Unlock()
	if notify != nil {
		notify()
	}
}

// limitTransport sits under the SDK's middleware (below the retry handler, so a request
// waiting out a Retry-After holds no slot) and keeps the app's requests in flight within its
// shared appLimit. A slot is held until the response body is read to the end or closed.
// Error answers are read into memory at once (they are small, and the retry handler drops
// the bodies of the answers it retries without closing them), so only successful bodies are
// streamed, and those the SDK always reads and closes.
type limitTransport struct {
	base  http.RoundTripper
	limit *appLimit
}

func newLimitTransport(base http.RoundTripper, l *appLimit) *limitTransport {
	return &limitTransport{base: base, limit: l}
}

// RoundTrip implements http.RoundTripper.
func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.limit.acquire(req.Context()); err != nil {
		return nil, err
	}
	var once sync.Once
	release := func() { once.Do(t.limit.release) }
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		release()
		return nil, err
	}
	if resp.StatusCode >= 400 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		_ = resp.Body.Close()
		release()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		return resp, nil
	}
	resp.Body = &cappedBody{rc: resp.Body, left: maxBody, release: release}
	return resp, nil
}

// cappedBody fails reads past its limit and releases the transport slot at the end or close.
type cappedBody struct {
	rc      io.ReadCloser
	left    int64
	release func()
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		b.release()
		var one [1]byte
		if n, err := b.rc.Read(one[:]); n == 0 && errors.Is(err, io.EOF) {
			return 0, io.EOF
		}
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if err != nil {
		b.release()
	}
	if errors.Is(err, io.EOF) {
		return n, io.EOF
	}
	return n, err
}

func (b *cappedBody) Close() error {
	b.release()
	return b.rc.Close()
}

// retryAfter reads a Retry-After header (seconds or an HTTP date) as a wait from now.
func retryAfter(values []string, now time.Time) (time.Duration, bool) {
	if len(values) == 0 || values[0] == "" {
		return 0, false
	}
	v := values[0]
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}
