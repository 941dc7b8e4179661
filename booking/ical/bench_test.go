package ical

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/internal/feedgen"
)

var (
	benchOnce sync.Once
	benchFeed []byte
)

const benchEvents = 100_000

func benchData() []byte {
	benchOnce.Do(func() { benchFeed = feedgen.Skedda(benchEvents, 5000, 200, true) })
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
// parse, expand over the planning window at an instant, plan (accessplan.ComputeAccess,
// every room mapped to doors) and answer Preview at that instant. The whole process, startup
// and output included, is BenchmarkPreviewProcess in cmd/net2booking.
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
		plan := accessplan.ComputeAccess(accessplan.Input{Now: at, Policy: policy,
			Sources: []accessplan.SourceState{{Name: "bench", Known: true, Bookings: res.Bookings}}})
		if len(plan.Unmapped) != 0 || len(plan.Preview(at)) == 0 {
			b.Fatalf("unmapped %v, nobody has access at %s", plan.Unmapped, at)
		}
	}
}

// BenchmarkOldSeries expands 300 daily series that began in 2015 and 300 hourly ones that
// began in 2025 over a 97-day window in 2026, iterated from near the window (as Bookings
// does) and, for comparison, from DTSTART.
func BenchmarkOldSeries(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("BEGIN:VCALENDAR\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n")
	for i := range 600 {
		start, rule := "20150105T090000Z", "FREQ=DAILY"
		if i%2 == 1 {
			start, rule = "20250105T090000Z", "FREQ=HOURLY;INTERVAL=3"
		}
		fmt.Fprintf(&buf, "BEGIN:VEVENT\r\nUID:old-%d@example.org\r\nDTSTART:%s\r\nDURATION:PT1H\r\nRRULE:%s\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\n", i, start, rule)
	}
	buf.WriteString("END:VCALENDAR\r\n")
	cal, err := Parse(buf.Bytes(), ParseOptions{Name: "bench", SiteLocation: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	w := booking.Window{Start: ts("2026-05-27T00:00:00Z"), End: ts("2026-09-01T00:00:00Z")}
	defer func(v bool) { nearWindowStart = v }(nearWindowStart)
	for _, near := range []bool{true, false} {
		b.Run(map[bool]string{true: "near-window", false: "from-dtstart"}[near], func(b *testing.B) {
			nearWindowStart = near
			b.ReportAllocs()
			for b.Loop() {
				if res := cal.Bookings(w); len(res.Bookings) == 0 || len(res.Warnings) != 0 {
					b.Fatalf("%d bookings, %d warnings", len(res.Bookings), len(res.Warnings))
				}
			}
		})
	}
}

// BenchmarkManyResourcesInOneLine parses an event whose one RESOURCES line (folded, under the
// line limit) names 120,000 rooms: each name is kept once, and that check once cost a
// comparison with every name before it (32 s for this line, on every parse).
func BenchmarkManyResourcesInOneLine(b *testing.B) {
	var line bytes.Buffer
	line.WriteString("RESOURCES:")
	for i := range 120_000 {
		if i > 0 {
			line.WriteByte(',')
		}
		fmt.Fprintf(&line, "R%d", i)
	}
	var feed bytes.Buffer
	feed.WriteString("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:list@example.org\r\nDTSTART:20260603T090000Z\r\nDURATION:PT1H\r\nATTENDEE:mailto:a@example.org\r\n")
	for text := line.Bytes(); len(text) > 0; {
		n := min(len(text), 74)
		feed.Write(text[:n])
		feed.WriteString("\r\n ")
		text = text[n:]
	}
	feed.Truncate(feed.Len() - 1)
	feed.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\n")
	data := feed.Bytes()
	b.ReportAllocs()
	for b.Loop() {
		cal, err := Parse(data, ParseOptions{Name: "bench", SiteLocation: time.UTC})
		if err != nil {
			b.Fatal(err)
		}
		res := cal.Bookings(benchWindow)
		if len(res.Bookings) != 1 || len(res.Bookings[0].Resources) != 120_000 {
			b.Fatalf("%d bookings", len(res.Bookings))
		}
	}
}

// BenchmarkDistinctTZIDs reads 20,000 events that each name a TZID of their own, so that the
// resolver's cache never answers: a list of places (placeListZone), a Windows display name,
// and a name that resolves nowhere (skipped with a warning, after the parse's bounded
// database misses). An IANA name shared by all is the baseline.
func BenchmarkDistinctTZIDs(b *testing.B) {
	for _, c := range []struct{ name, tzid string }{
		{"places", "Berlin, Paris, Madrid, X%d"},
		{"display-name", "(UTC+01:00) Berlin, X%d"},
		{"unresolvable", "Nowhere X%d"},
		{"iana-shared", "Europe/Berlin"},
	} {
		var feed bytes.Buffer
		feed.WriteString("BEGIN:VCALENDAR\r\nPRODID:-//Example//Rooms//EN\r\n")
		for i := range 20_000 {
			tzid := c.tzid
			if bytes.Contains([]byte(tzid), []byte("%d")) {
				tzid = fmt.Sprintf(tzid, i)
			}
			fmt.Fprintf(&feed, "BEGIN:VEVENT\r\nUID:%d\r\nDTSTART;TZID=\"%s\":20260610T090000\r\nEND:VEVENT\r\n", i, tzid)
		}
		feed.WriteString("END:VCALENDAR\r\n")
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				cal, err := Parse(feed.Bytes(), ParseOptions{Name: "tzids"})
				if err != nil {
					b.Fatal(err)
				}
				if res := cal.Bookings(wide); len(res.Bookings) == 0 && c.name != "unresolvable" {
					b.Fatal("no bookings")
				}
			}
		})
	}
}
