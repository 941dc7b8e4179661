package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/internal/smtptest"
	"github.com/net2booking/net2booking/net2/net2sim"
)

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
	in := smtptest.Start(t)
	host, port := in.Host, strconv.Itoa(in.Port)
	_, cfg := simSite(t, "email:\n  smtp: {host: "+host+", port: "+port+", security: none}\n  notifications:\n    enabled: true\n    sender: Front desk <desk@example.com>\n")
	r := runCLI(t, "notify", "test", "--config", cfg, "--to", "admin@example.com")
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	require.Len(t, in.Messages(), 2)
	for _, m := range in.Messages() {
		assert.Contains(t, m.Header.Get("To"), "<admin@example.com>")
		assert.Contains(t, m.Header.Get("From"), "desk@example.com")
	}
	assert.Contains(t, r.stdout, "Sent the pin sample")
	assert.Contains(t, r.stdout, "Sent the qr sample")
}

func TestSyncEmailsTheBookers(t *testing.T) {
	in := smtptest.Start(t)
	host, port := in.Host, strconv.Itoa(in.Port)
	_, cfg := simSite(t, "email:\n  smtp: {host: "+host+", port: "+port+", security: none}\n  notifications:\n    enabled: true\n    sender: Front desk <desk@example.com>\n")
	r := runCLI(t, "sync", "--config", cfg, "--dry-run")
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Regexp(t, `would notify ann@example.com: email owed: the personal PIN code; 1 new booking\(s\) \(a1\)`, r.stdout)
	assert.Empty(t, in.Messages(), "a dry run sends nothing")
	r = runCLI(t, "sync", "--config", cfg)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Len(t, in.Messages(), 2, "ann and bo")
	r = runCLI(t, "sync", "--config", cfg)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Len(t, in.Messages(), 2, "nothing twice")
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

// TestOneEmailForBookingsFromTwoSources: the same person booked through two feeds gets one
// email listing both bookings.
func TestOneEmailForBookingsFromTwoSources(t *testing.T) {
	in := smtptest.Start(t)
	host, port := in.Host, strconv.Itoa(in.Port)
	now := time.Now().UTC().Truncate(time.Minute)
	feed := func(uid, room string, at time.Time) string {
		return fmt.Sprintf("BEGIN:VCALENDAR\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nATTENDEE;CN=Ann Example:mailto:ann@example.com\r\nDTSTART:%s\r\nDTEND:%s\r\nRESOURCES:%s\r\nUID:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			at.Format("20060102T150405Z"), at.Add(time.Hour).Format("20060102T150405Z"), room, uid)
	}
	srv1 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, feed("s1", "Studio 1", now.Add(24*time.Hour)))
	}))
	t.Cleanup(srv1.Close)
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, feed("m1", "Meeting room A", now.Add(48*time.Hour)))
	}))
	t.Cleanup(srv2.Close)
	sim := net2sim.NewDemo(net2sim.Options{})
	net2srv := httptest.NewServer(sim)
	t.Cleanup(net2srv.Close)
	cfg := writeConfig(t, fmt.Sprintf(`
net2: {url: %s/api/v1, operator: %s, password: %s, client_id: %s}
site: {timezone: Europe/Amsterdam}
sources:
  - {type: ical, name: studios, dialect: skedda, url: "%s/a.ics"}
  - {type: ical, name: rooms, dialect: skedda, url: "%s/b.ics"}
resources:
  "Studio 1": [Front door, Studio 1]
  "Meeting room A": [Front door, Meeting room A]
email:
  smtp: {host: %s, port: %s, security: none}
  notifications: {enabled: true, sender: "Front desk <desk@example.com>"}
`, net2srv.URL, net2sim.DemoOperator, net2sim.DemoPassword, net2sim.DemoClientID, srv1.URL, srv2.URL, host, port))
	r := runCLI(t, "sync", "--config", cfg)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	require.Len(t, in.Messages(), 1, "one email")
	body, err := io.ReadAll(in.Messages()[0].Body)
	require.NoError(t, err)
	assert.Contains(t, string(body), "Studio 1")
	assert.Contains(t, string(body), "Meeting room A")
}

// TestAdminsHearOfAFailingSourceOnce: a sync every 10 minutes against a feed that is down
// emails the admins once, not every time, and once more when it recovers.
func TestAdminsHearOfAFailingSourceOnce(t *testing.T) {
	in := smtptest.Start(t)
	host, port := in.Host, strconv.Itoa(in.Port)
	var down atomic.Bool
	down.Store(true)
	feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if down.Load() {
			http.Error(w, "upstream down", http.StatusBadGateway)
			return
		}
		fmt.Fprint(w, "BEGIN:VCALENDAR\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
	}))
	t.Cleanup(feedSrv.Close)
	sim := net2sim.NewDemo(net2sim.Options{})
	net2srv := httptest.NewServer(sim)
	t.Cleanup(net2srv.Close)
	cfg := writeConfig(t, fmt.Sprintf(`
net2: {url: %s/api/v1, operator: %s, password: %s, client_id: %s}
sources:
  - {type: ical, name: skedda, dialect: skedda, url: "%s/ical?i=FEEDTOKEN123"}
resources:
  "Studio 1": [Front door]
email:
  smtp: {host: %s, port: %s, security: none}
  admins: "ops@example.com; it@example.com"
`, net2srv.URL, net2sim.DemoOperator, net2sim.DemoPassword, net2sim.DemoClientID, feedSrv.URL, host, port))
	for range 3 {
		r := runCLI(t, "sync", "--config", cfg)
		assert.Equal(t, 1, r.code, "a failed source fails the sync")
	}
	require.Len(t, in.Messages(), 1, "the admins hear of it once")
	assert.Contains(t, in.Messages()[0].Header.Get("To"), "ops@example.com")
	body, _ := io.ReadAll(in.Messages()[0].Body)
	assert.Contains(t, string(body), "skedda")
	assert.NotContains(t, string(body), "FEEDTOKEN123", "no secret in an alert")
	down.Store(false)
	r := runCLI(t, "sync", "--config", cfg)
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Len(t, in.Messages(), 2, "and once when it is over")
}
