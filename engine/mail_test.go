package engine

import (
	"bytes"
	"errors"
	"io"
	"log"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/notify"
)

// smtpServer is a real SMTP server on loopback (github.com/emersion/go-smtp) that keeps what
// it receives; while down it answers every MAIL with 421 (a transient failure).
type smtpServer struct {
	host string
	port int
	down atomic.Bool

	mu   sync.Mutex
	msgs []*mail.Message
	raw  [][]byte
}

func newSMTPServer(t *testing.T) *smtpServer {
	t.Helper()
	s := &smtpServer{}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s.host = "127.0.0.1"
	s.port = ln.Addr().(*net.TCPAddr).Port
	return s
}

func (s *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }

type smtpSession struct{ s *smtpServer }

func (x *smtpSession) Mail(string, *smtp.MailOptions) error {
	if x.s.down.Load() {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	return nil
}
func (x *smtpSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (x *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, m)
	x.s.raw = append(x.s.raw, b)
	x.s.mu.Unlock()
	return nil
}
func (x *smtpSession) Reset()        {}
func (x *smtpSession) Logout() error { return nil }

// to lists the recipients of the received messages, in order.
func (s *smtpServer) to() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.msgs {
		out = append(out, m.Header.Get("To"))
	}
	return out
}

// text returns the plain-text part of message i.
func (s *smtpServer) text(t *testing.T, i int) string {
	t.Helper()
	s.mu.Lock()
	raw := s.raw[i]
	s.mu.Unlock()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	require.NoError(t, err)
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
func (s *stack) withMail(t *testing.T, srv *smtpServer) {
	t.Helper()
	m, err := notify.NewSMTP(notify.SMTPConfig{Host: srv.host, Port: srv.port, Security: notify.SecurityNone,
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
	srv := newSMTPServer(t)
	s := newStack(t, start, accessplan.CodePIN)
	s.withMail(t, srv)
	srv.down.Store(true)
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
	assert.Empty(t, srv.to())
	assert.Contains(t, s.logs.String(), "ALERT: emails to bookers cannot be sent")

	srv.down.Store(false)
	s.cycle()
	assert.ElementsMatch(t, []string{`"Ann Example" <ann@example.com>`, `"Bo Example" <bo@example.com>`}, srv.to())
	for i, to := range srv.to() {
		if strings.Contains(to, "ann@") {
			text := srv.text(t, i)
			assert.Contains(t, text, "Studio 1")
			assert.Contains(t, text, "Meeting room A", "one email lists both of Ann's bookings")
			assert.Contains(t, text, s.managed()["ann@example.com"].PIN, "with her PIN")
		}
	}
	for range 3 {
		s.clock.Advance(10 * time.Minute)
		s.cycle()
	}
	assert.Len(t, srv.to(), 2, "nothing is sent twice, and nothing for unchanged bookings")
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
	require.Len(t, srv.to(), 3)
	assert.Contains(t, srv.to()[2], "ann@example.com")
	assert.Contains(t, s.logs.String(), "cleared: mail condition ended")
}

// TestAnUnrecordedEmailRepeatsAtMostOnce: the message was accepted but recording it in the
// memo failed (as a crash between the two would leave it): that one email is sent once more,
// no other, and then never again.
func TestAnUnrecordedEmailRepeatsAtMostOnce(t *testing.T) {
	srv := newSMTPServer(t)
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
	require.Len(t, srv.to(), 2)
	assert.Contains(t, s.logs.String(), "email sent but not recorded in Net2; it may be sent once more")
	for range 3 {
		s.clock.Advance(10 * time.Minute)
		s.cycle()
	}
	require.Len(t, srv.to(), 3, "the one unrecorded email is sent once more, and only it")
	assert.Contains(t, srv.to()[2], "ann@example.com")
}

func mustMailer(t *testing.T, srv *smtpServer) *notify.SMTP {
	m, err := notify.NewSMTP(notify.SMTPConfig{Host: srv.host, Port: srv.port, Security: notify.SecurityNone,
		Sender: "Front desk <desk@example.com>", Location: ams, Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	return m
}
