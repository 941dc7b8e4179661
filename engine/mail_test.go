package engine

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/internal/smtptest"
	"github.com/net2booking/net2booking/notify"
)

// textOf returns the plain-text part of message m.
func textOf(t *testing.T, m *mail.Message) string {
	t.Helper()
	var find func(ct string, body io.Reader) string
	find = func(ct string, body io.Reader) string {
		mt, params, err := mime.ParseMediaType(ct)
		require.NoError(t, err)
		if strings.HasPrefix(mt, "multipart/") {
			r := multipart.NewReader(body, params["boundary"])
			for {
				p, err := r.NextPart()
				if errors.Is(err, io.EOF) {
					return ""
				}
				require.NoError(t, err)
				if s := find(p.Header.Get("Content-Type"), p); s != "" {
					return s
				}
			}
		}
		if mt == "text/plain" {
			b, _ := io.ReadAll(body)
			return string(b)
		}
		return ""
	}
	return find(m.Header.Get("Content-Type"), m.Body)
}

// withMail gives the stack's syncer an SMTP notifier on srv, with notifications on.
func (s *stack) withMail(t *testing.T, srv *smtptest.Server) {
	t.Helper()
	m, err := notify.NewSMTP(notify.SMTPConfig{Host: srv.Host, Port: srv.Port, Security: notify.SecurityNone,
		Sender: "Front desk <desk@example.com>", Location: ams, Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	s.policy.Notify = true
	s.restart()
	s.syncer.opts.Notifier = m
}

// TestEveryOwedEmailIsSentExactlyOnce (DESIGN invariant 5): the mail server is down for three
// cycles, then up: each owed message is delivered once, none for an unchanged booking, a
// moved booking is news again, and a person booked through the feed twice gets one email
// listing both bookings.
func TestEveryOwedEmailIsSentExactlyOnce(t *testing.T) {
	srv := smtptest.Start(t)
	s := newStack(t, start, accessplan.CodePIN)
	s.withMail(t, srv)
	srv.Down.Store(true)
	b := start.Add(24 * time.Hour)
	s.feed.set(
		feedBooking{uid: "a1", email: "ann@example.com", name: "Ann Example", resources: []string{"Studio 1"}, start: b, end: b.Add(time.Hour)},
		feedBooking{uid: "a2", email: "ann@example.com", name: "Ann Example", resources: []string{"Meeting room A"}, start: b.Add(2 * time.Hour), end: b.Add(3 * time.Hour)},
		feedBooking{uid: "b1", email: "bo@example.com", name: "Bo Example", resources: []string{"Studio 1"}, start: b, end: b.Add(time.Hour)},
	)
	for range 3 {
		rep := s.cycle()
		require.NotEmpty(t, rep.Failed, "the mail server is down")
		for _, f := range rep.Failed {
			assert.Equal(t, accessplan.ActNotify, f.Action.Kind, "only mail fails: %v", f.Err)
		}
		assert.Len(t, s.managed(), 2, "doors and users do not wait for mail")
		s.clock.Advance(time.Hour) // past every backoff
	}
	assert.Empty(t, srv.To())
	assert.Contains(t, s.logs.String(), "ALERT: emails to bookers cannot be sent")

	srv.Down.Store(false)
	s.cycle()
	assert.ElementsMatch(t, []string{`"Ann Example" <ann@example.com>`, `"Bo Example" <bo@example.com>`}, srv.To())
	for _, m := range srv.Messages() {
		if strings.Contains(m.Header.Get("To"), "ann@") {
			text := textOf(t, m)
			assert.Contains(t, text, "Studio 1")
			assert.Contains(t, text, "Meeting room A", "one email lists both of Ann's bookings")
			assert.Contains(t, text, s.managed()["ann@example.com"].PIN, "with her PIN")
		}
	}
	for range 3 {
		s.clock.Advance(10 * time.Minute)
		s.cycle()
	}
	assert.Len(t, srv.To(), 2, "nothing is sent twice, and nothing for unchanged bookings")
	for _, u := range s.managed() {
		m, _ := accessplan.ParseMemo(u.CustomFields[13])
		assert.True(t, m.CodeNotified, "recorded in the memo")
	}

	// Ann's second booking moves: one email about it.
	s.feed.set(
		feedBooking{uid: "a1", email: "ann@example.com", name: "Ann Example", resources: []string{"Studio 1"}, start: b, end: b.Add(time.Hour)},
		feedBooking{uid: "a2", email: "ann@example.com", name: "Ann Example", resources: []string{"Meeting room A"}, start: b.Add(4 * time.Hour), end: b.Add(5 * time.Hour)},
		feedBooking{uid: "b1", email: "bo@example.com", name: "Bo Example", resources: []string{"Studio 1"}, start: b, end: b.Add(time.Hour)},
	)
	s.cycle()
	s.cycle()
	require.Len(t, srv.To(), 3)
	assert.Contains(t, srv.To()[2], "ann@example.com")
	assert.Contains(t, s.logs.String(), "cleared: mail condition ended")
}

// TestAnUnrecordedEmailRepeatsAtMostOnce: the message was accepted but recording it in the
// memo failed (as a crash between the two would leave it): that one email is sent once more,
// no other, and then never again.
func TestAnUnrecordedEmailRepeatsAtMostOnce(t *testing.T) {
	srv := smtptest.Start(t)
	s := newStack(t, start, accessplan.CodePIN)
	var refuse atomic.Int64 // Net2 user id whose "notified" memo write fails once
	s.wrap = func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if id := refuse.Load(); id != 0 && r.Method == http.MethodPut && r.URL.Path == "/api/v1/users/"+strconv.FormatInt(id, 10) {
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				if bytes.Contains(body, []byte("code notified: yes")) && refuse.CompareAndSwap(id, 0) {
					http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
					return
				}
			}
			h.ServeHTTP(w, r)
		})
	}
	s.withMail(t, srv)
	b := start.Add(24 * time.Hour)
	s.feed.set(
		feedBooking{uid: "a", email: "ann@example.com", name: "Ann Example", resources: []string{"Studio 1"}, start: b, end: b.Add(time.Hour)},
		feedBooking{uid: "b", email: "bo@example.com", name: "Bo Example", resources: []string{"Studio 1"}, start: b, end: b.Add(time.Hour)},
	)
	s.policy.Notify = false // first the users, without mail
	s.restart()
	s.cycle()
	refuse.Store(int64(s.managed()["ann@example.com"].ID))
	s.policy.Notify = true
	s.restart()
	s.syncer.opts.Notifier = mustMailer(t, srv)
	s.cycle()
	require.Len(t, srv.To(), 2)
	assert.Contains(t, s.logs.String(), "email sent but not recorded in Net2; it may be sent once more")
	for range 3 {
		s.clock.Advance(10 * time.Minute)
		s.cycle()
	}
	require.Len(t, srv.To(), 3, "the one unrecorded email is sent once more, and only it")
	assert.Contains(t, srv.To()[2], "ann@example.com")
}

func mustMailer(t *testing.T, srv *smtptest.Server) *notify.SMTP {
	m, err := notify.NewSMTP(notify.SMTPConfig{Host: srv.Host, Port: srv.Port, Security: notify.SecurityNone,
		Sender: "Front desk <desk@example.com>", Location: ams, Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	return m
}
