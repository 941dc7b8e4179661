package notify_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/notify"
)

// outbox records the alert emails handed to Send; fail makes the next sends fail.
type outbox struct {
	mu   sync.Mutex
	sent []sentAlert
	fail int
}

type sentAlert struct {
	At            time.Time
	To            []string
	Subject, Body string
}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func (o *outbox) send(c *clock) func(context.Context, []string, string, string) error {
	return func(_ context.Context, to []string, subject, body string) error {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.fail > 0 {
			o.fail--
			return errors.New("dial tcp 127.0.0.1:25: connection refused")
		}
		o.sent = append(o.sent, sentAlert{c.Now(), to, subject, body})
		return nil
	}
}

func (o *outbox) subjects() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var s []string
	for _, a := range o.sent {
		s = append(s, a.At.Format("15:04")+" "+a.Subject)
	}
	return s
}

func newAlerts(t *testing.T, path string, c *clock, o *outbox) *notify.Alerts {
	t.Helper()
	a, err := notify.NewAlerts(notify.AlertsConfig{
		Admins: []string{"ops@example.com", "it@example.com"}, StatePath: path,
		Now: c.Now, Location: time.UTC, Send: o.send(c), Logger: slog.New(slog.DiscardHandler),
		Redact: func(s string) string { return strings.ReplaceAll(s, "tok3n-SECRET", "[redacted]") },
	})
	require.NoError(t, err)
	return a
}

// A day of 10-minute cycles: the feed fails from 08:00 to 20:00, Net2 is unreachable from
// 13:05 to 13:35. The admins get: the start, reminders every 4 hours, the end; nothing else.
func simulateDay(t *testing.T, restartEveryCycle bool) []string {
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "alerts.json")
	c := &clock{time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	o := &outbox{}
	a := newAlerts(t, path, c, o)
	end := c.t.Add(24 * time.Hour)
	for ; c.t.Before(end); c.t = c.t.Add(10 * time.Minute) {
		if restartEveryCycle { // a scheduled `sync`: a new process, the same state file
			a = newAlerts(t, path, c, o)
		}
		h := c.t.Hour()*60 + c.t.Minute()
		if h >= 8*60 && h < 20*60 {
			a.Raise("source:skedda", "source skedda failing", "fetch https://app.skedda.com/ical?k=tok3n-SECRET: 503 Service Unavailable")
		} else {
			a.Clear("source:skedda")
		}
		if h >= 13*60+5 && h < 13*60+35 {
			a.Raise("net2", "Net2 unreachable", "dial tcp 10.0.0.5:8443: i/o timeout")
		} else {
			a.Clear("net2")
		}
		require.NoError(t, a.Flush(context.Background()))
	}
	for _, s := range o.sent {
		assert.NotContains(t, s.Subject+s.Body, "tok3n-SECRET")
		assert.Equal(t, []string{"ops@example.com", "it@example.com"}, s.To)
	}
	if data, err := os.ReadFile(path); err == nil {
		assert.NotContains(t, string(data), "tok3n-SECRET", "the state file holds no secret either")
	}
	return o.subjects()
}

func TestAlertsSimulatedDay(t *testing.T) {
	want := []string{
		"08:00 [net2booking] Problem: source skedda failing",
		"12:00 [net2booking] Still failing: source skedda failing",
		"13:10 [net2booking] Problem: Net2 unreachable", // the 13:05 cycle runs at 13:10
		"13:40 [net2booking] Resolved: Net2 unreachable",
		"17:40 [net2booking] Still failing: source skedda failing", // 4 h after the last email that listed it
		"20:00 [net2booking] Resolved: source skedda failing",
	}
	t.Run("one process", func(t *testing.T) { assert.Equal(t, want, simulateDay(t, false)) })
	t.Run("restarted every cycle", func(t *testing.T) { assert.Equal(t, want, simulateDay(t, true)) })
}

func TestAlertsBodyListsEverything(t *testing.T) {
	c := &clock{time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	o := &outbox{}
	a := newAlerts(t, "", c, o)
	a.Raise("source:skedda", "source skedda failing", "fetch failed: 503\nthe last good bookings stay in force")
	a.Raise("shrink:outlook", "source outlook shrank from 40 to 2 bookings", "revocations held (B3)")
	a.Raise("source:feed", "feed https://x.example/ical?k=tok3n-SECRET failing", "")
	require.NoError(t, a.Flush(context.Background()))
	require.Len(t, o.sent, 1, "two conditions starting together make one email")
	assert.Equal(t, "[net2booking] 3 new problems", o.sent[0].Subject)
	assert.Contains(t, o.sent[0].Body, "- feed https://x.example/ical?k=[redacted] failing (since")
	for _, c := range a.Active() {
		assert.NotContains(t, c.Summary, "tok3n-SECRET")
	}
	a.Clear("source:feed")
	body := o.sent[0].Body
	assert.Contains(t, body, "New problems\n- source outlook shrank from 40 to 2 bookings (since Tue 1 Dec 2026 08:00 UTC)\n    revocations held (B3)\n")
	assert.Contains(t, body, "- source skedda failing (since Tue 1 Dec 2026 08:00 UTC)\n    fetch failed: 503\n    the last good bookings stay in force\n")
	assert.Contains(t, body, "a reminder every 4 h")

	c.t = c.t.Add(time.Hour)
	a.Clear("shrink:outlook")
	a.Raise("mail", "mail failing", "")
	require.NoError(t, a.Flush(context.Background()))
	require.Len(t, o.sent, 2)
	assert.Equal(t, "[net2booking] 1 new problem, 2 problems resolved", o.sent[1].Subject)
	assert.Contains(t, o.sent[1].Body, "Resolved\n- source outlook shrank from 40 to 2 bookings (from Tue 1 Dec 2026 08:00 UTC to Tue 1 Dec 2026 09:00 UTC, 1 h)\n")
	assert.Contains(t, o.sent[1].Body, "Also still active (reported before)\n- source skedda failing")

	assert.Equal(t, []string{"mail", "source:skedda"}, func() []string {
		var keys []string
		for _, c := range a.Active() {
			keys = append(keys, c.Key)
		}
		return keys
	}())
}

func TestAlertsFailedSendIsRetried(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.json")
	c := &clock{time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	o := &outbox{fail: 2}
	a := newAlerts(t, path, c, o)
	a.Raise("mail", "mail failing", "")
	err := a.Flush(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stays owed")
	c.t = c.t.Add(10 * time.Minute)
	a = newAlerts(t, path, c, o) // a restart does not lose what is owed... nor does it need the raise again
	a.Raise("mail", "mail failing", "")
	require.Error(t, a.Flush(context.Background()))
	c.t = c.t.Add(10 * time.Minute)
	require.NoError(t, a.Flush(context.Background()))
	require.NoError(t, a.Flush(context.Background()))
	assert.Equal(t, []string{"08:20 [net2booking] Problem: mail failing"}, o.subjects())
}

func TestAlertsQuietCases(t *testing.T) {
	c := &clock{time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	o := &outbox{}
	a := newAlerts(t, "", c, o)
	// Cleared before any email: never mentioned.
	a.Raise("net2", "Net2 unreachable", "")
	a.Clear("net2")
	require.NoError(t, a.Flush(context.Background()))
	// Announced, then a blip (cleared and raised again between two flushes): no news.
	a.Raise("source:x", "source x failing", "")
	require.NoError(t, a.Flush(context.Background()))
	a.Clear("source:x")
	a.Raise("source:x", "source x failing", "")
	require.NoError(t, a.Flush(context.Background()))
	// Clearing what is not active does nothing.
	a.Clear("never")
	require.NoError(t, a.Flush(context.Background()))
	assert.Equal(t, []string{"08:00 [net2booking] Problem: source x failing"}, o.subjects())
}

func TestAlertsWithoutAdminsKeepsOwed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.json")
	c := &clock{time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	o := &outbox{}
	a, err := notify.NewAlerts(notify.AlertsConfig{StatePath: path, Now: c.Now, Send: o.send(c), Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	a.Raise("net2", "Net2 unreachable", "")
	require.NoError(t, a.Flush(context.Background()))
	assert.Empty(t, o.sent)
	a = newAlerts(t, path, c, o) // admins configured now
	require.NoError(t, a.Flush(context.Background()))
	assert.Len(t, o.sent, 1)
}

func TestAlertsCorruptStateStartsAfresh(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.json")
	require.NoError(t, os.WriteFile(path, []byte("{not json"), 0o644))
	c := &clock{time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	o := &outbox{}
	a := newAlerts(t, path, c, o)
	a.Raise("net2", "Net2 unreachable", "")
	require.NoError(t, a.Flush(context.Background()))
	assert.Len(t, o.sent, 1)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"net2"`)

	_, err = notify.NewAlerts(notify.AlertsConfig{})
	assert.ErrorContains(t, err, "Send")
}

// Alerts sent through the real SMTP notifier reach the admins as plain text.
func TestAlertsOverSMTP(t *testing.T) {
	ms := startServer(t, modePlain, nil)
	s := newSMTP(t, ms, notify.SecurityNone, nil)
	c := &clock{time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	a, err := notify.NewAlerts(notify.AlertsConfig{Admins: []string{"ops@example.com"}, Now: c.Now, Send: s.SendAlert,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	a.Raise("source:skedda", "source skedda failing\r\nBcc: x@example.org", "503")
	require.NoError(t, a.Flush(context.Background()))
	msgs := ms.Messages()
	require.Len(t, msgs, 1)
	msg, root := parseMessage(t, msgs[0].Data)
	assert.Equal(t, "[net2booking] Problem: source skedda failing Bcc: x@example.org", msg.Header.Get("Subject"))
	assert.Empty(t, msg.Header.Get("Bcc"))
	assert.Contains(t, string(root.Body), "- source skedda failing Bcc: x@example.org (since ")
}
