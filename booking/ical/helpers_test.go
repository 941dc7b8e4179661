package ical

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	goical "github.com/emersion/go-ical"

	"github.com/net2booking/net2booking/booking"
)

var (
	amsterdam = mustZone("Europe/Amsterdam")
	newYork   = mustZone("America/New_York")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// wallSpan is "start/end" in UTC (as spanOf writes a booking's) of two wall-clock times
// ("2006-01-02T15:04") in an IANA zone, by the zone database itself.
func wallSpan(ianaName, from, to string) string {
	return wallIn(ianaName, from) + "/" + wallIn(ianaName, to)
}

// wallIn is the instant of a wall-clock time in an IANA zone, in RFC 3339 UTC.
func wallIn(ianaName, wall string) string {
	at, err := time.ParseInLocation("2006-01-02T15:04", wall, mustZone(ianaName))
	if err != nil {
		panic(err)
	}
	return at.UTC().Format(time.RFC3339)
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return data
}

// parseFixture parses a testdata file with the site zone Europe/Amsterdam unless opts says
// otherwise.
func parseFixture(t testing.TB, name string, opts ParseOptions) *Calendar {
	t.Helper()
	if opts.SiteLocation == nil {
		opts.SiteLocation = amsterdam
	}
	if opts.Name == "" {
		opts.Name = name
	}
	cal, err := Parse(fixture(t, name), opts)
	require.NoError(t, err)
	return cal
}

// parseText parses a feed written in the test, as parseFixture parses a file.
func parseText(t testing.TB, feed string, opts ParseOptions) *Calendar {
	t.Helper()
	cal, err := Parse([]byte(feed), opts)
	require.NoError(t, err)
	return cal
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func win(start, end string) booking.Window {
	return booking.Window{Start: ts(start), End: ts(end)}
}

// wide is a window that covers every fixture.
var wide = win("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z")

func byUID(bs []booking.Booking) map[string][]booking.Booking {
	m := make(map[string][]booking.Booking)
	for _, b := range bs {
		m[b.UID] = append(m[b.UID], b)
	}
	return m
}

// one returns the only booking with the UID.
func one(t testing.TB, res booking.FetchResult, uid string) booking.Booking {
	t.Helper()
	bs := byUID(res.Bookings)[uid]
	require.Len(t, bs, 1, "bookings of %s", uid)
	return bs[0]
}

// span formats start/end in UTC for compact assertions.
func spanOf(b booking.Booking) string {
	return b.Start.UTC().Format(time.RFC3339) + "/" + b.End.UTC().Format(time.RFC3339)
}

func warningFor(res booking.FetchResult, uid string) (booking.Warning, bool) {
	for _, w := range res.Warnings {
		if w.UID == uid {
			return w, true
		}
	}
	return booking.Warning{}, false
}

// mustVTimezone builds the zone of the VTIMEZONE named tzid in a testdata file.
func mustVTimezone(t testing.TB, file, tzid string) *zone {
	t.Helper()
	cal, err := goical.NewDecoder(bytes.NewReader(fixture(t, file))).Decode()
	require.NoError(t, err)
	for _, c := range cal.Children {
		if c.Name != "VTIMEZONE" {
			continue
		}
		id, z, err := buildVTimezone(c)
		require.NoError(t, err)
		if id == tzid {
			return z
		}
	}
	t.Fatalf("no VTIMEZONE %q in %s", tzid, file)
	return nil
}

// parseOnCores parses feed with GOMAXPROCS at procs (the site in UTC) and returns its
// bookings over the wide window: the same feed on any number of cores must give them alike.
func parseOnCores(t *testing.T, feed []byte, name string, procs int) booking.FetchResult {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	cal, err := Parse(feed, ParseOptions{Name: name, SiteLocation: time.UTC})
	require.NoError(t, err)
	return cal.Bookings(wide)
}

// everyWay parses data as a feed can be read: whole, streamed, and streamed a byte at a time
// (a line end, fold or character split across reads).
func everyWay(data []byte, opts ParseOptions) map[string]func() (*Calendar, error) {
	return map[string]func() (*Calendar, error){
		"bytes":              func() (*Calendar, error) { return Parse(data, opts) },
		"stream":             func() (*Calendar, error) { return ParseReader(bytes.NewReader(data), opts) },
		"one byte at a time": func() (*Calendar, error) { return ParseReader(&oneByteReader{data: data}, opts) },
	}
}
