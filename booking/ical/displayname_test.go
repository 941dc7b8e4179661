package ical

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWindowsDisplayNameTZIDs(t *testing.T) {
	res := parseFixture(t, "tz_display_names.ics", ParseOptions{}).Bookings(wide)
	for uid, want := range map[string][]string{
		// No place: the table's Windows zone. "and" for "&" as older Windows wrote it.
		"display-eastern-winter@example.org": {wallSpan("America/New_York", "2026-01-12T13:30", "2026-01-12T15:00")},
		"display-eastern-summer@example.org": {wallSpan("America/New_York", "2026-07-13T13:30", "2026-07-13T15:00")},
		// A series with an EXDATE in the zone, across Sydney's end of summer time (5 April 2026).
		"display-sydney-weekly@example.org": {
			wallSpan("Australia/Sydney", "2026-03-25T09:00", "2026-03-25T10:00"),
			wallSpan("Australia/Sydney", "2026-04-08T09:00", "2026-04-08T10:00"),
		},
		// Istanbul has kept +03:00 since 2016: Athens is the place whose offset fits.
		"display-athens@example.org": {wallSpan("Europe/Athens", "2026-11-20T11:00", "2026-11-20T11:15")},
		// "(GMT)" is +00:00; Dublin's summer time holds in June.
		"display-london@example.org": {wallSpan("Europe/London", "2026-06-10T09:00", "2026-06-10T10:00")},
		// A Dutch Windows: the places that are no IANA names (Berlijn, Wenen) are passed over.
		"display-localized@example.org": {wallSpan("Europe/Amsterdam", "2026-06-10T09:00", "2026-06-10T10:00")},
		// The places alone, with an EXDATE in the same zone.
		"display-places-only@example.org": {
			wallSpan("Europe/Amsterdam", "2026-10-23T19:00", "2026-10-23T21:00"),
			wallSpan("Europe/Amsterdam", "2026-10-25T19:00", "2026-10-25T21:00"),
		},
		// Exchange's CDO: unquoted, a dot in the offset, slashes between the places.
		"display-cdo@example.org": {wallSpan("Europe/Sarajevo", "2026-06-10T09:00", "2026-06-10T10:00")},
		// The feed's own VTIMEZONE of that name wins (+01:30 all year).
		"display-in-feed@example.org": {"2026-06-10T07:30:00Z/2026-06-10T08:30:00Z"},
	} {
		var got []string
		for _, b := range byUID(res.Bookings)[uid] {
			got = append(got, spanOf(b))
		}
		sort.Strings(got)
		assert.Equal(t, want, got, uid)
	}
	require.Len(t, res.Warnings, 2, "%v", res.Warnings)
	for uid, tzid := range map[string]string{
		"display-offset-only@example.org":  "(GMT +01:00)", // no place: Berlin's time or a fixed +01:00?
		"display-wrong-offset@example.org": "(UTC+05:00) Berlin",
	} {
		assert.Empty(t, byUID(res.Bookings)[uid], "never read at a guessed offset")
		w, ok := warningFor(res, uid)
		require.True(t, ok, uid)
		assert.Contains(t, w.Reason, `"`+tzid+`" cannot be resolved`, uid)
	}
}

func TestDisplayNameZone(t *testing.T) {
	for name, want := range map[string]string{
		"(UTC-08:00) Pacific Time (US & Canada)":                       "America/Los_Angeles",
		"(UTC-07:00) Mountain Time (US & Canada)":                      "America/Denver",
		"(UTC-06:00) Central Time (US & Canada)":                       "America/Chicago",
		"(GMT-05:00) Eastern Time (US & Canada)":                       "America/New_York",
		"(UTC-04:00) Atlantic Time (Canada)":                           "America/Halifax",
		"(UTC-05:00) Indiana (East)":                                   "America/Indianapolis",
		"(UTC-07:00) Arizona":                                          "US/Arizona",
		"(UTC-10:00) Hawaii":                                           "US/Hawaii",
		"(UTC-06:00) Saskatchewan":                                     "Canada/Saskatchewan",
		"(UTC-03:30) Newfoundland":                                     "Canada/Newfoundland",
		"(UTC-08:00) Baja California":                                  "America/Tijuana",
		"(UTC-06:00) Central America":                                  "America/Guatemala",
		"(UTC-06:00) Easter Island":                                    "Pacific/Easter", // summer in January
		"(UTC-05:00) Chetumal":                                         "America/Cancun",
		"(UTC-03:00) Brasilia":                                         "America/Sao_Paulo",
		"(UTC-03:00) City of Buenos Aires":                             "America/Buenos_Aires",
		"(UTC-05:00) Turks and Caicos":                                 "America/Grand_Turk",
		"(UTC+01:00) West Central Africa":                              "Africa/Lagos",
		"(UTC+05:30) Sri Jayawardenepura":                              "Asia/Colombo",
		"(UTC+13:00) Samoa":                                            "Pacific/Apia", // not US/Samoa
		"(UTC+12:45) Chatham Islands":                                  "Pacific/Chatham",
		"(UTC-12:00) International Date Line West":                     "Etc/GMT+12",
		"(UTC-07:00) Chihuahua, La Paz, Mazatlan":                      "America/Mazatlan", // La Paz is Bolivia's -04:00
		"(UTC-04:00) Georgetown, La Paz, Manaus, San Juan":             "America/La_Paz",
		"(UTC+00:00) Dublin, Edinburgh, Lisbon, London":                "Europe/Dublin",
		"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna": "Europe/Amsterdam",
		"(UTC+01:00) Sarajevo, Skopje, Warsaw, Zagreb":                 "Europe/Sarajevo",
		"(UTC+02:00) Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius":    "Europe/Helsinki",
		"(UTC+03:00) Istanbul":                                         "Asia/Istanbul",
		"(UTC+03:00) Moscow, St. Petersburg":                           "Europe/Moscow",
		"(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi":              "Asia/Kolkata",
		"(UTC+05:45) Kathmandu":                                        "Asia/Kathmandu",
		"(UTC+06:30) Yangon (Rangoon)":                                 "Asia/Yangon",
		"(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi":            "Asia/Chongqing",
		"(UTC+08:00) Kuala Lumpur, Singapore":                          "Asia/Kuala_Lumpur",
		"(UTC+09:00) Osaka, Sapporo, Tokyo":                            "Asia/Tokyo",
		"(UTC+12:00) Auckland, Wellington":                             "Pacific/Auckland",
		"(utc+01:00) brussels, copenhagen, madrid, paris":              "Europe/Brussels",
		"(UTC-05:00) Eastern Time (US And Canada)":                     "America/New_York", // "and" in any case
		// Exchange's CDO and Zimbra: a dot in the offset, slashes between the places.
		"(GMT+01.00) Sarajevo/Warsaw/Zagreb":                                "Europe/Sarajevo",
		"(GMT+01.00) Amsterdam / Berlin / Bern / Rome / Stockholm / Vienna": "Europe/Amsterdam",
		"(GMT) Greenwich Mean Time - Dublin / Edinburgh / Lisbon / London":  "Europe/Dublin",
		"(GMT-03.00) Buenos Aires / Georgetown":                             "America/Argentina/Buenos_Aires",
		"(GMT-05.00) Eastern Time (US & Canada)":                            "America/New_York",
		"(GMT-05:00) Port-au-Prince":                                        "America/Port-au-Prince",
		"(GMT+01.00) Prag, Bryssel, Köpenhamn, Madrid":                      "Europe/Madrid",
		"(UTC+01:00) Europe/Berlin":                                         "Europe/Berlin", // its last part is a place
	} {
		z := displayNameZone(name)
		require.NotNil(t, z, name)
		assert.Equal(t, want, z.name, name)
	}
	for name, offset := range map[string]int{
		"(UTC) Coordinated Universal Time":          0,
		"(UTC-11:00) Coordinated Universal Time-11": -11 * 3600,
		"(UTC+13:00) Coordinated Universal Time+13": 13 * 3600,
	} {
		z := displayNameZone(name)
		require.NotNil(t, z, name)
		got, _, _ := z.lookup(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC).Unix())
		assert.Equal(t, offset, got, name)
	}
	for _, name := range []string{
		"(GMT +01:00)",                              // no place
		"(UTC+03:00) Atlantis",                      // no IANA name
		"(UTC+02:00) Istanbul",                      // the offset of before 2016 and no other place
		"(UTC-06:00) Eastern Time (US & Canada)",    // the table's zone, another offset
		"(UTC-11:00) Coordinated Universal Time-10", // the hours disagree
		"(UTC+15:00) Tokyo",
		"(UTC+09:75) Tokyo",
		"UTC+09:00 Tokyo",   // no parentheses: no display name
		"(UTC+01:00) ../..", // no place: only the last parts of IANA names are looked up
		"(UTC+01:00) Europe",
		"(GMT+01.60) Berlin",
		"(GMT+01.00.00) Berlin",
		"(UTC-05:00) East", // Brazil/East is -03:00
	} {
		assert.Nil(t, displayNameZone(name), name)
	}
	// The places alone, without the offset: resolved only when they keep one time.
	for name, want := range map[string]string{
		"Amsterdam, Belgrade, Berlin, Brussels, Budapest, Madrid, Paris, Prague, Stockholm": "Europe/Amsterdam",
		"Brussels, Copenhagen, Madrid, Paris":                                               "Europe/Brussels",
		"Sarajevo/Warsaw/Zagreb":                                                            "Europe/Sarajevo",
		"Berlijn, Berlin, Wenen, Vienna":                                                    "Europe/Berlin",
	} {
		z := placeListZone(name)
		require.NotNil(t, z, name)
		assert.Equal(t, want, z.name, name)
	}
	for _, name := range []string{
		"Chihuahua, La Paz, Mazatlan",           // three times
		"Beijing, Chongqing, Hong Kong, Urumqi", // Urumqi keeps +06:00
		"Amsterdam, New York",
		"Sydney, Brisbane", // Brisbane has no summer time
		"Berlin",           // one place: no second to check it
		"Berlin, Atlantis",
		"Eastern Time (US & Canada)",
	} {
		assert.Nil(t, placeListZone(name), name)
	}
	// Every Windows zone of the table is one of windowsZones, and loads.
	for places, windowsID := range displayNameZones {
		assert.NotNil(t, loadIANA(windowsZones[windowsID]), "%s: %s", places, windowsID)
		assert.Equal(t, strings.ToLower(places), places, "keys are in lower case")
		assert.NotContains(t, places, " and ", "keys have & for and")
	}
}

// TestIANAZoneNames checks that each name of ianazones.go loads from the zone database
// time/tzdata embeds and is one of the database of the Go that builds the package. A newer
// database may add names: they are logged (a display name naming only such a new place stays
// unresolvable until the file is rewritten, with NET2BOOKING_WRITE_ZONES=1).
func TestIANAZoneNames(t *testing.T) {
	ours := strings.Fields(ianaZoneNames)
	for _, name := range ours {
		_, err := time.LoadLocation(name)
		assert.NoError(t, err, name)
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("no go command to find GOROOT/lib/time/zoneinfo.zip: %v", err)
	}
	zr, err := zip.OpenReader(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		t.Skipf("no GOROOT/lib/time/zoneinfo.zip to compare ianazones.go with: %v", err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		if strings.Contains(f.Name, "/") && !strings.HasPrefix(f.Name, "Etc/") && !strings.HasSuffix(f.Name, "/") {
			names = append(names, f.Name)
		}
	}
	slices.Sort(names)
	if os.Getenv("NET2BOOKING_WRITE_ZONES") == "1" {
		require.NoError(t, os.WriteFile("ianazones.go", []byte(ianaZonesSource(names)), 0o644))
		return
	}
	require.True(t, slices.IsSorted(ours), "ianazones.go is sorted")
	for _, name := range ours {
		_, found := slices.BinarySearch(names, name)
		assert.True(t, found, "%s is in ianazones.go but not in this Go's zone database", name)
	}
	for _, name := range names {
		if _, found := slices.BinarySearch(ours, name); !found {
			t.Logf("%s is new in this Go's zone database: rewrite ianazones.go with NET2BOOKING_WRITE_ZONES=1", name)
		}
	}
}

// ianaZonesSource is the text of ianazones.go for the names.
func ianaZonesSource(names []string) string {
	var b strings.Builder
	b.WriteString("// Code generated from the entries of $GOROOT/lib/time/zoneinfo.zip (the zone database that\n" +
		"// time/tzdata embeds) by TestIANAZoneNames with NET2BOOKING_WRITE_ZONES=1; DO NOT EDIT.\n\n" +
		"package ical\n\n" +
		"// ianaZoneNames are the IANA zone names of a region (Europe/Berlin, America/Argentina/Salta,\n" +
		"// backward links such as Asia/Calcutta and US/Eastern included; Etc/ left out), space-separated.\n" +
		"const ianaZoneNames = \"\" +\n")
	line := ""
	for _, name := range names {
		if line != "" && len(line)+len(name)+1 > 88 {
			b.WriteString("\t\"" + line + " \" +\n")
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += name
	}
	b.WriteString("\t\"" + line + "\"\n")
	return b.String()
}
