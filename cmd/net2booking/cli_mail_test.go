package main

import (
	"bytes"
	"io"
	"log"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inbox is a real SMTP server on loopback that keeps what it receives.
type inbox struct {
	addr string
	mu   sync.Mutex
	msgs []*mail.Message
}

func newInbox(t *testing.T) *inbox {
	in := &inbox{}
	srv := smtp.NewServer(in)
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	in.addr = ln.Addr().String()
	return in
}

func (in *inbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &inboxSession{in}, nil }

type inboxSession struct{ in *inbox }

func (s *inboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *inboxSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *inboxSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return err
	}
	s.in.mu.Lock()
	s.in.msgs = append(s.in.msgs, m)
	s.in.mu.Unlock()
	return nil
}
func (s *inboxSession) Reset()        {}
func (s *inboxSession) Logout() error { return nil }

func TestTemplatesAreWrittenAndChecked(t *testing.T) {
	dir := t.TempDir()
	r := runCLI(t, "templates", "--out", dir)
	require.Equal(t, 0, r.code, r.stderr)
	for _, f := range []string{"notification.txt", "notification.html"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		assert.Contains(t, string(b), "#ACCESS_CODE#")
	}
	r = runCLI(t, "templates", "--out", dir)
	assert.NotEqual(t, 0, r.code, "existing templates are never overwritten")

	html := filepath.Join(dir, "notification.html")
	b, _ := os.ReadFile(html)
	require.NoError(t, os.WriteFile(html, append(b, []byte("\n<p>#CODE#</p>\n")...), 0o600))
	_, cfg := simSite(t, "email:\n  smtp: {host: 127.0.0.1, port: 2525, security: none}\n  notifications:\n    enabled: true\n    sender: desk@example.com\n    text_template: "+filepath.Join(dir, "notification.txt")+"\n    html_template: "+html+"\n")
	r = runCLI(t, "check", "--config", cfg)
	assert.Equal(t, 1, r.code)
	lines := strings.Count(string(b), "\n") + 2
	assert.Contains(t, r.stdout, html+":"+strconv.Itoa(lines)+": unknown placeholder #CODE#")
}

func TestNotifyTestSendsBothKinds(t *testing.T) {
	in := newInbox(t)
	host, port, _ := net.SplitHostPort(in.addr)
	_, cfg := simSite(t, "email:\n  smtp: {host: "+host+", port: "+port+", security: none}\n  notifications:\n    enabled: true\n    sender: Front desk <desk@example.com>\n")
	r := runCLI(t, "notify", "test", "--config", cfg, "--to", "admin@example.com")
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	require.Len(t, in.msgs, 2)
	for _, m := range in.msgs {
		assert.Contains(t, m.Header.Get("To"), "<admin@example.com>")
		assert.Contains(t, m.Header.Get("From"), "desk@example.com")
	}
	assert.Contains(t, r.stdout, "Sent the pin sample")
	assert.Contains(t, r.stdout, "Sent the qr sample")
}

func TestSyncEmailsTheBookers(t *testing.T) {
	in := newInbox(t)
	host, port, _ := net.SplitHostPort(in.addr)
	_, cfg := simSite(t, "email:\n  smtp: {host: "+host+", port: "+port+", security: none}\n  notifications:\n    enabled: true\n    sender: Front desk <desk@example.com>\n")
	r := runCLI(t, "sync", "--config", cfg, "--dry-run")
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Regexp(t, `would notify ann@example.com: email owed: the personal PIN code; 1 new booking\(s\) \(a1\)`, r.stdout)
	assert.Empty(t, in.msgs, "a dry run sends nothing")
	r = runCLI(t, "sync", "--config", cfg)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Len(t, in.msgs, 2, "ann and bo")
	r = runCLI(t, "sync", "--config", cfg)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Len(t, in.msgs, 2, "nothing twice")
}

func TestDemoWritesTheEmails(t *testing.T) {
	dir := t.TempDir()
	r := runCLI(t, "demo", "--mail-dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	require.NoError(t, err)
	assert.NotEmpty(t, files)
	assert.Contains(t, r.stdout, dir)
	b, err := os.ReadFile(files[0])
	require.NoError(t, err)
	m, err := mail.ReadMessage(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Contains(t, m.Header.Get("Content-Type"), "multipart/")
}
