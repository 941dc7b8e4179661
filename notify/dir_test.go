package notify_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/notify"
)

func TestDirWritesEMLFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	d := &notify.Dir{Path: dir, SMTP: newSMTP(t, nil, "", nil)}
	var _ notify.Notifier = d
	require.NoError(t, d.Notify(context.Background(), sample(notify.KindQR, "12345678")))
	require.NoError(t, d.Notify(context.Background(), sample(notify.KindQR, "12345678"))) // same second: a second file
	n := sample(notify.KindPIN, "482913")
	n.Email = "x/y@example.com"
	require.NoError(t, d.Notify(context.Background(), n))
	require.NoError(t, d.SendAlert(context.Background(), []string{"ops@example.com"}, "[net2booking] Problem: x", "body"))

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{
		"20261130-090000-alert.eml",
		"20261130-090000-jane.doe@example.com-2.eml",
		"20261130-090000-jane.doe@example.com.eml",
		"20261130-090000-x_y@example.com.eml",
	}, names)
	raw, err := os.ReadFile(filepath.Join(dir, "20261130-090000-jane.doe@example.com.eml"))
	require.NoError(t, err)
	checkQRMessage(t, raw, "12345678")

	err = (&notify.Dir{Path: dir, SMTP: newSMTP(t, nil, "", nil)}).Notify(context.Background(), sample(notify.KindPIN, ""))
	assert.True(t, notify.IsPermanent(err))
}

func TestCalendarFile(t *testing.T) {
	n := sample(notify.KindPIN, "482913")
	long := "Grote vergaderzaal " + strings.Repeat("één ", 30)
	n.Upcoming = append(n.Upcoming, notify.Booking{ // no access window given: the booking's own times
		Source: "ical", UID: "no-grace", Resources: []string{long, "Café; Annex, 2nd floor"},
		Start: at("2026-12-05 10:00"), End: at("2026-12-05 11:00"),
	})
	n.Upcoming = append(n.Upcoming, n.Upcoming[0]) // listed twice: one event
	data, err := notify.CalendarFile(n, fixedNow, notify.RenderOptions{Location: amsterdam})
	require.NoError(t, err)
	for _, line := range strings.Split(string(data), "\r\n") {
		assert.LessOrEqual(t, len(line), 75, "folded: %q", line)
	}
	cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
	require.NoError(t, err)
	events := cal.Events()
	require.Len(t, events, 3)
	last := events[2]
	summary, err := last.Props.Text(ical.PropSummary)
	require.NoError(t, err)
	assert.Equal(t, "Access: "+notify.CleanText(long)+", Café; Annex, 2nd floor", summary)
	start, err := last.DateTimeStart(time.UTC)
	require.NoError(t, err)
	assert.True(t, start.Equal(at("2026-12-05 10:00")))
	stamp, err := last.Props.DateTime(ical.PropDateTimeStamp, time.UTC)
	require.NoError(t, err)
	assert.True(t, stamp.Equal(fixedNow))

	// UIDs depend on source and UID only, so a later email updates the same event.
	assert.Equal(t, notify.CalendarUID("skedda", "1"), notify.CalendarUID("skedda", "1"))
	assert.NotEqual(t, notify.CalendarUID("skedda", "1"), notify.CalendarUID("outlook", "1"))
	assert.NotEqual(t, notify.CalendarUID("a", "b\x00c"), notify.CalendarUID("a\x00b", "c"))

	none, err := notify.CalendarFile(notify.Notification{}, fixedNow, notify.RenderOptions{})
	require.NoError(t, err)
	assert.Nil(t, none)
}
