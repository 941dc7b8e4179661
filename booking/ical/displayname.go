package ical

import (
	"fmt"
	"iter"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Windows display names as TZIDs.
//
// Outlook on the web and Office's older exports write a zone as the text Windows shows in its
// zone list, `TZID="(UTC-05:00) Eastern Time (US & Canada)"` or `TZID="(GMT+10:00) Canberra,
// Melbourne, Sydney"`, and may define no VTIMEZONE for it (node-ical's fixtures
// Office-2012-owa.ics and windows-quoted-tz-rrule.ics). Such a name is the zone's standard
// offset, "(UTC±hh:mm)" or "(GMT±hh:mm)", then the places that keep its time, in the language
// of the Windows that wrote it.
//
// It resolves to the IANA zone of the first place named that is the last part of an IANA name
// (Amsterdam: Europe/Amsterdam; Hawaii: US/Hawaii) whose standard offset is the one stated,
// and names of no place ("Eastern Time (US & Canada)") through displayNameZones. The offset is
// the check: a place that has changed its time since the name was written (Istanbul in 2016,
// in "(UTC+02:00) Athens, Bucharest, Istanbul") is passed over for the next, a word that is
// also an IANA name of another offset (La Paz, in "(UTC-07:00) Chihuahua, La Paz, Mazatlan",
// is Bolivia's) too, and a name none of whose places fit stays unresolvable: its events are
// skipped with a warning, never read at a guessed fixed offset ("(GMT +01:00)" alone may be
// Berlin's time, which is +02:00 half the year).

// displayName matches a Windows display name: its sign, hours and minutes (none for "(UTC)")
// and the places. Exchange's CDO and Zimbra write the hours and minutes with a dot and the
// places with slashes: `(GMT+01.00) Sarajevo/Warsaw/Zagreb`, `(GMT) Greenwich Mean Time -
// Dublin / Edinburgh / Lisbon / London`.
var displayName = regexp.MustCompile(`(?i)^\((?:UTC|GMT)\s*(?:([+-])\s*(\d{1,2})[:.]?(\d{2}))?\)\s*(.*\S)$`)

// displayNameZones are the Windows zones of the display names (English, as Windows 10 and 11
// list them with their ids: Get-TimeZone -ListAvailable) that name no place an IANA name ends
// with, or one of another zone (keys: the places in lower case, "&" for "and"); windowsZones
// takes each to its IANA zone. A name of places an IANA name has needs no entry.
var displayNameZones = map[string]string{
	"pacific time (us & canada)":   "Pacific Standard Time",
	"mountain time (us & canada)":  "Mountain Standard Time",
	"central time (us & canada)":   "Central Standard Time",
	"eastern time (us & canada)":   "Eastern Standard Time",
	"atlantic time (canada)":       "Atlantic Standard Time",
	"indiana (east)":               "US Eastern Standard Time",
	"baja california":              "Pacific Standard Time (Mexico)",
	"central america":              "Central America Standard Time",
	"easter island":                "Easter Island Standard Time",
	"chetumal":                     "Eastern Standard Time (Mexico)",
	"international date line west": "Dateline Standard Time",
	"aleutian islands":             "Aleutian Standard Time",
	"marquesas islands":            "Marquesas Standard Time",
	"haiti":                        "Haiti Standard Time",
	"turks & caicos":               "Turks And Caicos Standard Time",
	"brasilia":                     "E. South America Standard Time",
	"city of buenos aires":         "Argentina Standard Time",
	"greenland":                    "Greenland Standard Time",
	"saint pierre & miquelon":      "Saint Pierre Standard Time",
	"salvador":                     "Bahia Standard Time",
	"cabo verde is.":               "Cape Verde Standard Time",
	"west central africa":          "W. Central Africa Standard Time",
	"port louis":                   "Mauritius Standard Time",
	"ekaterinburg":                 "Ekaterinburg Standard Time",
	"sri jayawardenepura":          "Sri Lanka Standard Time",
	"astana":                       "Central Asia Standard Time",
	"lord howe island":             "Lord Howe Standard Time",
	"bougainville island":          "Bougainville Standard Time",
	"chokurdakh":                   "Russia Time Zone 10",
	"norfolk island":               "Norfolk Standard Time",
	"solomon is., new caledonia":   "Central Pacific Standard Time",
	"chatham islands":              "Chatham Islands Standard Time",
	"nuku'alofa":                   "Tonga Standard Time",
	"samoa":                        "Samoa Standard Time", // not US/Samoa, which is -11:00
	"kiritimati island":            "Line Islands Standard Time",
}

// utcDisplayName matches the display names of Windows' zones of a fixed offset, "(UTC)
// Coordinated Universal Time" and "(UTC-11:00) Coordinated Universal Time-11": their hours.
var utcDisplayName = regexp.MustCompile(`^coordinated universal time(?:([+-]\d{2}))?$`)

// displayProbeYear is the year whose January and July offsets give an IANA zone's standard
// offset (the lesser of the two: summer time is ahead, and Dublin's "negative" winter time
// is GMT), to compare with a display name's. The names Windows shows now are those of the
// zone database's current rules.
const displayProbeYear = 2025

// ianaByPlace maps the last part of every IANA name, in lower case, to the names that end so
// (istanbul: Asia/Istanbul and Europe/Istanbul), in the database's order.
var ianaByPlace = sync.OnceValue(func() map[string][]string {
	m := make(map[string][]string, 600)
	for _, name := range strings.Fields(ianaZoneNames) {
		place := strings.ToLower(name[strings.LastIndexByte(name, '/')+1:])
		m[place] = append(m[place], name)
	}
	return m
})

// displayNameZone resolves a Windows display name, or returns nil.
func displayNameZone(name string) *zone {
	m := displayName.FindStringSubmatch(name)
	if m == nil {
		return nil
	}
	offset := 0 // "(UTC)"
	if m[1] != "" {
		var ok bool
		if offset, ok = offsetSeconds(m[1], m[2], m[3]); !ok {
			return nil
		}
	}
	places := normalPlaces(m[4])
	if u := utcDisplayName.FindStringSubmatch(places); u != nil {
		hours := 0
		if u[1] != "" {
			hours, _ = strconv.Atoi(u[1])
		}
		if hours*3600 != offset {
			return nil
		}
		return fixedZone(name, offset)
	}
	if windowsID, ok := displayNameZones[places]; ok {
		if z := loadIANA(windowsZones[windowsID]); z != nil && standardOffset(z) == offset {
			return z
		}
		return nil
	}
	for key := range placeKeys(places) {
		for _, ianaName := range ianaByPlace()[key] {
			if z := loadIANA(ianaName); z != nil && standardOffset(z) == offset {
				return z
			}
		}
	}
	return nil
}

// normalPlaces is the places of a display name as displayNameZones and placeKeys take them:
// in lower case, "&" for "and" (older Windows wrote "Eastern Time (US and Canada)").
func normalPlaces(places string) string {
	return strings.ReplaceAll(strings.ToLower(places), " and ", " & ")
}

// placeKeys are the places of a display name (normalPlaces), as keys of ianaByPlace: split
// at commas, slashes and the like, spaces made underscores.
func placeKeys(places string) iter.Seq[string] {
	places = strings.ReplaceAll(places, " - ", ",") // a hyphen without spaces is in names: Port-au-Prince
	return func(yield func(string) bool) {
		for place := range strings.FieldsFuncSeq(places, func(c rune) bool { return strings.ContainsRune(",:;&()/", c) }) {
			if !yield(strings.ReplaceAll(strings.TrimSpace(place), " ", "_")) {
				return
			}
		}
	}
}

// placeListZone resolves a display name without its offset, the places alone
// (`TZID="Amsterdam, Belgrade, Berlin, Brussels, Budapest, Madrid, Paris, Prague, Stockholm"`,
// node-ical's fixture test_with_tz_list.ics). With no stated offset to check a place
// against, the places check one another: at least two must be IANA zones, and all of those
// must keep the same time every day of displayProbeYear. Then the first is the zone. A list
// of places that keep different times ("Chihuahua, La Paz, Mazatlan") stays unresolvable.
func placeListZone(name string) *zone {
	if !strings.ContainsAny(name, ",/") {
		return nil
	}
	var zones []*zone
	for key := range placeKeys(normalPlaces(name)) {
		for _, ianaName := range ianaByPlace()[key] {
			if z := loadIANA(ianaName); z != nil {
				zones = append(zones, z)
			}
		}
	}
	if len(zones) < 2 {
		return nil
	}
	for _, z := range zones[1:] {
		if yearTime(z) != yearTime(zones[0]) {
			return nil
		}
	}
	return zones[0]
}

// yearTimes memoizes yearTime for the zones of the database (a few hundred at most): a feed
// may name a list of places in each of its events, each list a TZID of its own.
var yearTimes sync.Map // *zone -> string

// yearTime is the time a zone keeps through displayProbeYear, read at noon UTC of every day:
// the days on which its offset changes and the offsets it changes to. Zones that keep the
// same time all year have the same yearTime.
func yearTime(z *zone) string {
	if v, ok := yearTimes.Load(z); ok {
		return v.(string)
	}
	var b strings.Builder
	prev := 0
	day := time.Date(displayProbeYear, time.January, 1, 12, 0, 0, 0, time.UTC)
	for n := 0; day.Year() == displayProbeYear; n, day = n+1, day.AddDate(0, 0, 1) {
		if off, _, _ := z.lookup(day.Unix()); n == 0 || off != prev {
			fmt.Fprintf(&b, "%d:%d ", n, off)
			prev = off
		}
	}
	yearTimes.Store(z, b.String())
	return b.String()
}

// standardOffset is a zone's offset from UTC without summer time, in seconds, in
// displayProbeYear.
func standardOffset(z *zone) int {
	winter, _, _ := z.lookup(time.Date(displayProbeYear, time.January, 1, 0, 0, 0, 0, time.UTC).Unix())
	summer, _, _ := z.lookup(time.Date(displayProbeYear, time.July, 1, 0, 0, 0, 0, time.UTC).Unix())
	return min(winter, summer)
}
