package ical

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary bytes (seeded with every fixture) through Parse and Bookings: it
// must never panic, and every booking it returns must be well-formed: each occurrence once,
// and one of whole days from midnight to midnight. Memory stays bounded by the size cap and
// the occurrence cap set here.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.ics"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	window := win("2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z")
	f.Fuzz(func(t *testing.T, data []byte) {
		cal, err := Parse(data, ParseOptions{Name: "fuzz", SiteLocation: time.UTC, MaxBytes: 1 << 20, MaxOccurrences: 2000})
		if err != nil {
			if cal != nil {
				t.Fatal("calendar returned with an error")
			}
			return
		}
		res := cal.Bookings(window)
		seen := make(map[string]bool, len(res.Bookings))
		// Whole days are the site's (UTC here) unless the feed names an X-WR-TIMEZONE, found
		// however it is folded or spelled.
		siteDays := !bytes.Contains(bytes.ToUpper(bytes.Join(bytes.Fields(data), nil)), []byte("X-WR-TIMEZONE"))
		for _, b := range res.Bookings {
			if seen[b.Key()] {
				t.Fatalf("occurrence %q given twice", b.Key())
			}
			seen[b.Key()] = true
			if b.AllDay && siteDays && (!b.Start.Equal(b.Start.Truncate(24*time.Hour)) || !b.End.Equal(b.End.Truncate(24*time.Hour))) {
				t.Fatalf("booking %q of whole days runs %v to %v", b.UID, b.Start, b.End) // the site zone is UTC
			}
			if b.End.Before(b.Start) {
				t.Fatalf("booking %q ends before it starts", b.UID)
			}
			if b.UID == "" || b.Source != "fuzz" {
				t.Fatalf("booking without UID or source: %+v", b)
			}
			if !b.Overlaps(window) {
				t.Fatalf("booking %q outside the window", b.UID)
			}
		}
		for _, w := range res.Warnings {
			if w.Source != "fuzz" || w.Reason == "" {
				t.Fatalf("bad warning %+v", w)
			}
		}
	})
}
