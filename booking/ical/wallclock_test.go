package ical

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// RFC 5545 §3.3.5: a gap time uses the offset before the gap; an ambiguous time means its
// first occurrence. Checked for IANA zones (time.Location) and for a rule zone built from a
// VTIMEZONE.
func TestWallClockToInstantRFC5545(t *testing.T) {
	wall := func(s string) time.Time {
		w, err := time.Parse("2006-01-02T15:04", s)
		if err != nil {
			panic(err)
		}
		return w
	}
	cases := []struct {
		zone *time.Location
		wall string
		want string
	}{
		{amsterdam, "2026-03-29T02:30", "2026-03-29T01:30:00Z"}, // gap
		{amsterdam, "2026-03-29T02:00", "2026-03-29T01:00:00Z"}, // first minute of the gap
		{amsterdam, "2026-03-29T03:00", "2026-03-29T01:00:00Z"}, // first valid after the gap
		{amsterdam, "2026-03-29T01:59", "2026-03-29T00:59:00Z"},
		{amsterdam, "2026-10-25T02:30", "2026-10-25T00:30:00Z"}, // overlap: first
		{amsterdam, "2026-10-25T02:00", "2026-10-25T00:00:00Z"},
		{amsterdam, "2026-10-25T03:00", "2026-10-25T02:00:00Z"},
		{amsterdam, "2026-10-25T01:59", "2026-10-24T23:59:00Z"},
		{amsterdam, "2026-07-01T12:00", "2026-07-01T10:00:00Z"},
		{newYork, "2026-03-08T02:30", "2026-03-08T07:30:00Z"}, // gap: EST
		{newYork, "2026-11-01T01:30", "2026-11-01T05:30:00Z"}, // overlap: EDT first
		{newYork, "2026-11-01T02:30", "2026-11-01T07:30:00Z"},
		{newYork, "2026-01-10T09:00", "2026-01-10T14:00:00Z"},
	}
	for _, tc := range cases {
		got := locationZone(tc.zone).toInstant(wall(tc.wall))
		assert.Equal(t, tc.want, got.Format(time.RFC3339), "%s %s", tc.zone, tc.wall)
	}

	// The same Amsterdam rules as a VTIMEZONE-built rule zone.
	r := newResolver(nil)
	comp := mustVTimezone(t, "tz_rules.ics", "Nowhere/Middle")
	r.inFile["Nowhere/Middle"] = comp
	z, err := r.resolve("Nowhere/Middle")
	assert.NoError(t, err)
	for _, tc := range cases[:9] {
		assert.Equal(t, tc.want, z.toInstant(wall(tc.wall)).Format(time.RFC3339), "rules %s", tc.wall)
	}
	// wallOf is the inverse for unambiguous times.
	assert.Equal(t, wall("2026-07-01T12:00"), z.wallOf(ts("2026-07-01T10:00:00Z")))
	assert.Equal(t, wall("2026-01-01T12:00"), z.wallOf(ts("2026-01-01T11:00:00Z")))
}

func TestFixedZoneInstant(t *testing.T) {
	z := fixedZone("UTC+02", 7200)
	assert.Equal(t, ts("2021-04-14T10:30:00Z"), z.toInstant(time.Date(2021, 4, 14, 12, 30, 0, 0, time.UTC)))
}
