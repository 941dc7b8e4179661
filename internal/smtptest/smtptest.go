// Package smtptest is a real SMTP server on loopback (github.com/emersion/go-smtp) for the
// tests of packages that send mail through notify: it keeps every message it receives, and
// can be made to answer every MAIL with 421 (a mail server that is down for a while). Only
// tests import it.
package smtptest

import (
	"bytes"
	"io"
	"log"
	"net"
	"net/mail"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/emersion/go-smtp"
)

// Server is a loopback SMTP server without TLS or login.
type Server struct {
	// Host and Port are where it listens.
	Host string
	Port int
	// Down makes every MAIL command answer 421 (a transient failure) while true.
	Down atomic.Bool

	mu  sync.Mutex
	raw [][]byte
}

// Start starts a server that stops with the test.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{Host: "127.0.0.1"}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s.Port = ln.Addr().(*net.TCPAddr).Port
	return s
}

// Messages returns the messages received so far, parsed, in order (safe while more arrive).
func (s *Server) Messages() []*mail.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*mail.Message, 0, len(s.raw))
	for _, b := range s.raw {
		m, _ := mail.ReadMessage(bytes.NewReader(b)) // checked when it was received
		out = append(out, m)
	}
	return out
}

// To lists the To header of every message received, in order.
func (s *Server) To() []string {
	var out []string
	for _, m := range s.Messages() {
		out = append(out, m.Header.Get("To"))
	}
	return out
}

// NewSession is the go-smtp backend.
func (s *Server) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s}, nil }

type session struct{ s *Server }

func (x *session) Mail(string, *smtp.MailOptions) error {
	if x.s.Down.Load() {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	return nil
}
func (x *session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if _, err := mail.ReadMessage(bytes.NewReader(b)); err != nil {
		return err // not a message: the sender's fault, refused
	}
	x.s.mu.Lock()
	x.s.raw = append(x.s.raw, b)
	x.s.mu.Unlock()
	return nil
}
func (x *session) Reset()        {}
func (x *session) Logout() error { return nil }
