//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/net2booking/net2booking/internal/feedgen"
)

// BenchmarkPreviewProcess is `net2booking preview` as a user runs it: the whole process
// (start-up, configuration, reading and parsing the feed file, planning, printing) on
// generated feeds, with no Net2 (resources map to door ids). It reports the wall time per
// run as ns/op, the peak resident memory of the process as peak-rss-MB and the feed size as
// feed-MB (issue 11 items 6 and 7):
//
//   - skedda-100k-notes: 100,000 Skedda events with a folded DESCRIPTION (59 MB);
//   - skedda-100k: the same without it (43 MB);
//   - skedda-100k-auto: the same with a PRODID that names no booking system, read with
//     dialect auto (the default): the dialect is detected from the events once all are read;
//   - skedda-100k-distinct: skedda-100k with an attendee drawn from 100,000 persons for each
//     event (about 63,000 distinct ATTENDEE lines: the memo of repeated lines rarely hits);
//   - junk-50MB: a valid VCALENDAR holding 50 MB of X- lines nobody reads;
//   - junk-in-events-50MB: the same inside 200 events, as folded X- properties;
//   - exdates-50MB and rdates-50MB: one series with 50 MB of EXDATE or RDATE lists;
//   - concatenated-50MB: 80,000 VCALENDARs one after the other, each with the same VTIMEZONE;
//   - vtimezones-50MB: 125,000 distinct VTIMEZONEs, then 1,000 events in some of them;
//   - alarms-50MB: 200,000 bookings with a VALARM each, for 500 persons;
//   - tiny-events-50MB: 820,000 events of a UID and a DTSTART, then one booking.
//
// The peak is the process's VmHWM (/proc/PID/status), read every millisecond until it exits:
// the rusage of a child counts the memory of the benchmark that forked it.
func BenchmarkPreviewProcess(b *testing.B) {
	for _, c := range []struct {
		name    string
		feed    func() []byte
		want    string // a line of the output
		dialect string // skedda unless set
	}{
		{"skedda-100k-notes", func() []byte { return feedgen.Skedda(100_000, 5000, 200, true) }, "@example.com", ""},
		{"skedda-100k", func() []byte { return feedgen.Skedda(100_000, 5000, 200, false) }, "@example.com", ""},
		{"skedda-100k-auto", func() []byte {
			return bytes.Replace(feedgen.Skedda(100_000, 5000, 200, false), []byte("PRODID:-//Skedda Pty Ltd//Skedda//EN"), []byte("PRODID:-//Example//Rooms//EN"), 1)
		}, "@example.com", "auto"},
		{"skedda-100k-distinct", func() []byte { return feedgen.Skedda(100_000, 100_000, 200, false) }, "@example.com", ""},
		{"junk-50MB", func() []byte { return feedgen.Junk(50<<20, false) }, "junk@example.com", ""},
		{"junk-in-events-50MB", func() []byte { return feedgen.Junk(50<<20, true) }, "junk@example.com", ""},
		{"exdates-50MB", func() []byte { return feedgen.Lists(50<<20, false) }, "lists@example.com", ""},
		{"rdates-50MB", func() []byte { return feedgen.Lists(50<<20, true) }, "single@example.com", ""},
		{"concatenated-50MB", func() []byte { return feedgen.Concatenated(50 << 20) }, "merged", ""},
		{"vtimezones-50MB", func() []byte { return feedgen.VTimezones(50 << 20) }, "tz999@example.com", ""},
		{"alarms-50MB", func() []byte { return feedgen.Alarms(50 << 20) }, "alarm499@example.com", ""},
		{"tiny-events-50MB", func() []byte { return feedgen.Tiny(50 << 20) }, "tiny@example.com", ""},
	} {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			feed := c.feed()
			feedPath := filepath.Join(dir, "feed.ics")
			if err := os.WriteFile(feedPath, feed, 0o644); err != nil {
				b.Fatal(err)
			}
			var cfg strings.Builder
			fmt.Fprintf(&cfg, "net2:\n  url: http://127.0.0.1:1/api/v1\n  operator: X\n  password: y\n  client_id: z\n")
			dialect := c.dialect
			if dialect == "" {
				dialect = "skedda"
			}
			fmt.Fprintf(&cfg, "site:\n  timezone: UTC\nsources:\n  - type: ical\n    name: bench\n    dialect: %s\n    url: %s\nresources:\n", dialect, feedPath)
			for i := range 200 {
				fmt.Fprintf(&cfg, "  %q: [%d, %d]\n", feedgen.RoomName(i), 1000000+i%7, 2000000+i)
			}
			cfgPath := filepath.Join(dir, "config.yaml")
			if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o644); err != nil {
				b.Fatal(err)
			}
			var peak int64
			for b.Loop() {
				cmd := exec.Command(binary, "preview", "--config", cfgPath, "--at", "2026-06-03T10:00:00Z")
				var out bytes.Buffer
				cmd.Stdout = &out
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				hwm := watchPeakRSS(cmd.Process.Pid)
				if err := cmd.Wait(); err != nil {
					b.Fatalf("preview: %v\n%s", err, out.String())
				}
				peak = max(peak, <-hwm)
				if !strings.Contains(out.String(), c.want) {
					b.Fatalf("preview shows nobody:\n%.500s", out.String())
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MB")
			b.ReportMetric(float64(len(feed))/(1<<20), "feed-MB")
		})
	}
}

// watchPeakRSS reads the high-water mark of the process's resident memory until the process
// is gone, and sends the last value read, in bytes.
func watchPeakRSS(pid int) <-chan int64 {
	ch := make(chan int64, 1)
	go func() {
		var peak int64
		path := fmt.Sprintf("/proc/%d/status", pid)
		for {
			data, err := os.ReadFile(path)
			_, rest, found := strings.Cut(string(data), "VmHWM:")
			if err != nil || !found { // gone, or a zombie without memory
				ch <- peak
				return
			}
			var kb int64
			fmt.Sscan(rest, &kb)
			peak = max(peak, kb<<10)
			time.Sleep(time.Millisecond)
		}
	}()
	return ch
}
