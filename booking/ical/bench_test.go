package ical

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/net2booking/net2booking/accessplan"
)

// skeddaFeed generates a realistic Skedda-style feed: CRLF, lines folded at 75 octets,
// UTC+01/UTC+02 VTIMEZONEs chosen per date as Skedda does, ATTENDEE with CN, repeated
// RESOURCES, DESCRIPTION/SUMMARY/SEQUENCE/DTSTAMP/STATUS on every event.
func skeddaFeed(events, persons, resources int) []byte {
	var b bytes.Buffer
	b.Grow(events * 600) // about 591 bytes per event: the benchmark holds no slack
	line := func(s string) {
		// Fold at 75 octets (RFC 5545 §3.1), continuation lines start with a space.
		for len(s) > 75 {
			b.WriteString(s[:75])
			b.WriteString("\r\n ")
			s = s[75:]
		}
		b.WriteString(s)
		b.WriteString("\r\n")
	}
	line("BEGIN:VCALENDAR")
	line("PRODID:-//Skedda Pty Ltd//Skedda//EN")
	line("VERSION:2.0")
	for _, off := range []string{"+01", "+02"} {
		line("BEGIN:VTIMEZONE")
		line("TZID:UTC" + off)
		line("BEGIN:STANDARD")
		line("DTSTART:20160101T020000")
		line("TZNAME:UTC" + off)
		line("TZOFFSETFROM:" + off + "00")
		line("TZOFFSETTO:" + off + "00")
		line("END:STANDARD")
		line("END:VTIMEZONE")
	}
	rng := rand.New(rand.NewPCG(42, 7))
	room := func(i int) string { return fmt.Sprintf("Meeting Room %03d – Floor %d", i, i%7) }
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range events {
		day := base.AddDate(0, 0, i%365)
		start := day.Add(time.Duration(7+rng.IntN(11))*time.Hour + time.Duration(rng.IntN(4))*15*time.Minute)
		end := start.Add(time.Duration(1+rng.IntN(8)) * 30 * time.Minute)
		tz := "UTC+01"
		if m := day.Month(); m >= time.April && m <= time.October {
			tz = "UTC+02"
		}
		p := rng.IntN(persons)
		name := fmt.Sprintf("Person%04d Surname%04d", p, p)
		nres := 1 + rng.IntN(3)
		rooms := make([]string, nres)
		for j := range rooms {
			rooms[j] = room(rng.IntN(resources))
		}
		line("BEGIN:VEVENT")
		line(fmt.Sprintf("ATTENDEE;CN=%s:mailto:person%04d.surname@example.com", name, p))
		line(fmt.Sprintf(`DESCRIPTION:Spaces: %s\n\nNotes: Weekly planning session with the product and engineering teams`, joinEscaped(rooms)))
		line("DTEND;TZID=" + tz + ":" + end.Format("20060102T150405"))
		line("DTSTAMP:20260127T120000Z")
		line("DTSTART;TZID=" + tz + ":" + start.Format("20060102T150405"))
		for _, r := range rooms {
			line("RESOURCES:" + r)
		}
		line("SEQUENCE:0")
		line("STATUS:CONFIRMED")
		line(fmt.Sprintf("SUMMARY:%s: Team meeting (%s + %d others)", name, rooms[0], nres-1))
		line(fmt.Sprintf("UID:%d_%d", 24600000+i, 639052344000000000+int64(i)*36000000000))
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.Bytes()
}

func joinEscaped(rooms []string) string {
	var b bytes.Buffer
	for i, r := range rooms {
		if i > 0 {
			b.WriteString(`\, `)
		}
		b.WriteString(r)
	}
	return b.String()
}

var (
	benchOnce sync.Once
	benchFeed []byte
)

const benchEvents = 100_000

func benchData() []byte {
	benchOnce.Do(func() { benchFeed = skeddaFeed(benchEvents, 5000, 200) })
	return benchFeed
}

var benchWindow = win("2025-12-01T00:00:00Z", "2027-02-01T00:00:00Z")

func parseAndExpand(b *testing.B, data []byte) int {
	cal, err := Parse(data, ParseOptions{Name: "bench", SiteLocation: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	res := cal.Bookings(benchWindow)
	if len(res.Bookings) != benchEvents || len(res.Warnings) != 0 {
		b.Fatalf("got %d bookings, %d warnings", len(res.Bookings), len(res.Warnings))
	}
	return len(res.Bookings)
}

// BenchmarkParse measures bytes -> bookings for a 100,000-event Skedda feed (5,000 persons,
// 200 resources) over a window covering every event.
//
// With ICAL_BENCH_FEED=/path/feed.ics the generated feed is also written there, for the
// ical.js speed comparison in testdata/oracle.
func BenchmarkParse(b *testing.B) {
	data := benchData()
	if path := os.Getenv("ICAL_BENCH_FEED"); path != "" {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		parseAndExpand(b, data)
	}
}

// BenchmarkParsePeakHeap reports the peak live heap during one parse and expansion
// (sampled every millisecond with runtime/metrics), the input included, as peak-heap-MB.
func BenchmarkParsePeakHeap(b *testing.B) {
	data := benchData()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	for b.Loop() {
		runtime.GC()
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for {
				metrics.Read(sample)
				peak = max(peak, sample[0].Value.Uint64())
				select {
				case <-stop:
					return
				case <-tick.C:
				}
			}
		}()
		parseAndExpand(b, data)
		close(stop)
		<-done
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(len(data))/(1<<20), "input-MB")
}

// BenchmarkParseAndPreview is what `net2booking preview` does with the 100,000-event feed:
// parse, expand over the planning window at an instant, plan (accessplan.Compute, every room
// mapped to doors) and answer Preview at that instant.
func BenchmarkParseAndPreview(b *testing.B) {
	data := benchData()
	doors := map[string][]int{}
	for i := range 200 {
		doors[fmt.Sprintf("Meeting Room %03d – Floor %d", i, i%7)] = []int{1000000 + i%7, 2000000 + i}
	}
	policy := accessplan.Policy{Doors: doors, GraceBefore: 5 * time.Minute, GraceAfter: 10 * time.Minute,
		RemoveAfterDays: 7, Lookahead: 90 * 24 * time.Hour, Location: time.UTC}
	at := time.Date(2026, 6, 3, 10, 0, 0, 0, time.UTC)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		cal, err := Parse(data, ParseOptions{Name: "bench", SiteLocation: time.UTC})
		if err != nil {
			b.Fatal(err)
		}
		res := cal.Bookings(policy.Window(at))
		plan := accessplan.Compute(accessplan.Input{Now: at, Policy: policy,
			Sources: []accessplan.SourceState{{Name: "bench", Known: true, Bookings: res.Bookings}}})
		if len(plan.Unmapped) != 0 || len(plan.Preview(at)) == 0 {
			b.Fatalf("unmapped %v, nobody has access at %s", plan.Unmapped, at)
		}
	}
}
