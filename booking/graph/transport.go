package graph

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
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

// limitTransport sits under the SDK's middleware (below the retry handler, so a request
// waiting out a Retry-After holds no slot) and keeps at most cap(sem) requests in flight. A
// slot is held until the response body is read to the end or closed. Error answers are read
// into memory at once (they are small, and the retry handler drops the bodies of the answers
// it retries without closing them), so only successful bodies are streamed, and those the
// SDK always reads and closes.
type limitTransport struct {
	base http.RoundTripper
	sem  chan struct{}
}

func newLimitTransport(base http.RoundTripper, n int) *limitTransport {
	return &limitTransport{base: base, sem: make(chan struct{}, n)}
}

// RoundTrip implements http.RoundTripper.
func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case t.sem <- struct{}{}:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	var once sync.Once
	release := func() { once.Do(func() { <-t.sem }) }
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
