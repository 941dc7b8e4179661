package ical

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// timeKind says how a DATE or DATE-TIME value relates to a time zone (RFC 5545 §3.3.4/§3.3.5).
type timeKind uint8

const (
	kindUTC   timeKind = iota + 1 // DATE-TIME ending in Z: an instant; any TZID is ignored
	kindLocal                     // DATE-TIME with TZID, or floating (no TZID, no Z)
	kindDate                      // DATE: a whole local day
)

// tval is a parsed DATE or DATE-TIME property value.
type tval struct {
	// wall is a UTC "stand-in": its fields are the local wall clock (for kindUTC, the UTC
	// clock). Recurrence rules are expanded on stand-ins, so DST never shifts them.
	wall time.Time
	// zone maps wall to an instant for kindLocal and kindDate; nil for kindUTC.
	zone *zone
	kind timeKind
	// floating is set for a kindLocal value written without TZID.
	floating bool
	// dateWithTime is set for a value written with VALUE=DATE and a time of day: it is read
	// as the date-time it is (parseTimeText), and readEvent says so for DTSTART and DTEND.
	dateWithTime bool
}

// instant is the moment the value denotes (for a DATE: the start of that local day).
func (v tval) instant() time.Time {
	if v.kind == kindUTC || v.zone == nil {
		return v.wall
	}
	return v.zone.toInstant(v.wall)
}

// at returns a value of the same kind and zone with another wall clock reading.
func (v tval) at(wall time.Time) tval {
	v.wall = wall
	return v
}

// floatingIn gives a floating value the zone z of the value it goes with: a floating DTEND or
// RECURRENCE-ID is a wall time of its DTSTART's zone (nil, UTC, for a UTC start), as floating
// EXDATEs and RDATEs are (readTime's def). Any other value is returned as it is.
func (v tval) floatingIn(z *zone) tval {
	if v.floating {
		v.zone = z
	}
	return v
}

// dateKey identifies the local calendar day of the value, for matching DATE-valued EXDATE and
// RECURRENCE-ID against occurrences.
func (v tval) dateKey() string { return v.wall.Format("20060102") }

// isMidnight reports whether a wall clock is the first instant of its day.
func isMidnight(w time.Time) bool { return w.Hour() == 0 && w.Minute() == 0 && w.Second() == 0 }

// dayOf is the day that v, an EXDATE or RECURRENCE-ID, names in a series of whole days whose
// days are local to zone. RFC 5545 wants them of DTSTART's type, but producers write an
// all-day occurrence's as a DATE-TIME: Exchange and Outlook as midnight in the organizer's
// zone (RECURRENCE-ID;TZID=W. Europe Standard Time:20260226T000000, or floating), Google as
// midnight UTC (RECURRENCE-ID:20200921T000000Z). Compared as instants with the days of a site
// in another zone, they matched no occurrence: a moved day was kept beside its replacement,
// and an excluded day stayed open. As DAVx5 and node-ical read them, the day is the value's
// own calendar date, its time dropped. A UTC value is a local midnight written in UTC: a
// midnight of z names that day, any other the day of the nearest midnight (23:00Z is the
// next day's midnight east of UTC, 05:00Z the same day's west of it). Every zone's midnight
// of a day falls between 10:00Z the day before (UTC+14) and 12:00Z (UTC-12), so from 10:00Z
// to 12:00Z a value is ambiguous: the nearest midnight takes it as the same day's west of UTC
// (Hawaii, UTC-10) rather than the next day's far east (Kiribati, Samoa, New Zealand's
// summer), unless it is a midnight of z. A DATE is returned as it is.
func dayOf(v tval, z *zone) tval {
	if v.kind == kindDate {
		return v
	}
	wall := v.wall
	if v.kind == kindUTC {
		wall = v.wall.Add(12 * time.Hour) // the day of the nearest midnight, see above
		if z != nil {
			if w := z.wallOf(v.wall); isMidnight(w) {
				wall = w
			}
		}
	}
	y, m, d := wall.Date()
	return tval{wall: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), zone: z, kind: kindDate}
}

// dayNumber is dateKey as a number (yyyymmdd).
func (v tval) dayNumber() int32 {
	y, m, d := v.wall.Date()
	return int32(y*10000 + int(m)*100 + d)
}

// parseTimeText parses one DATE or DATE-TIME value. valueType is the VALUE parameter in upper
// case ("" when absent). A bare 8-digit value without VALUE=DATE is accepted as a DATE: real
// feeds write it (go-ical rejects it). A date-time with VALUE=DATE is read as the date-time it
// is: producers write it (the GKCC feed in ical.net's tests, `DTSTART;VALUE=DATE:
// 20090117T200000` for a show at 20:00; allenporter/ical issue 576), and the time is the
// booking's. Dropping it, as Google and ical.js do, would open the door all day for a booking
// of two hours; a midnight start and end give the same whole day either way.
func parseTimeText[T text](s T, valueType string) (time.Time, timeKind, error) {
	s = trimSpace(s)
	switch valueType {
	case "", "DATE", "DATE-TIME":
	default:
		return time.Time{}, 0, fmt.Errorf("unsupported value type %q", valueType)
	}
	// A date with a UTC designator, which no date has, is that date: Google Calendar's
	// birthday feeds wrote RDATE:20131210Z beside DTSTART;VALUE=DATE (ical.js's sample
	// google_birthday.ics).
	if len(s) == 8 || len(s) == 9 && (s[8] == 'Z' || s[8] == 'z') {
		if valueType == "DATE-TIME" {
			return time.Time{}, 0, fmt.Errorf("%q is a date but VALUE=DATE-TIME", s)
		}
		y, ok1 := digits(s[0:4])
		m, ok2 := digits(s[4:6])
		d, ok3 := digits(s[6:8])
		if !ok1 || !ok2 || !ok3 || !validDate(y, m, d) {
			return time.Time{}, 0, fmt.Errorf("%q is not a valid date", s)
		}
		return utcTime(y, m, d, 0), kindDate, nil
	}
	utc := len(s) == 16 && (s[15] == 'Z' || s[15] == 'z')
	if (len(s) != 15 && !utc) || (s[8] != 'T' && s[8] != 't') {
		if valueType == "DATE" {
			return time.Time{}, 0, fmt.Errorf("VALUE=DATE but %q is not a date", s)
		}
		return time.Time{}, 0, fmt.Errorf("%q is not a date-time (YYYYMMDDTHHMMSS[Z])", s)
	}
	// The fourteen digits around the T, read in one pass: every event has two such values.
	var n [14]int
	for i, j := 0, 0; i < 15; i++ {
		if i == 8 {
			continue
		}
		c := s[i] - '0'
		if c > 9 {
			return time.Time{}, 0, fmt.Errorf("%q is not a valid date-time", s)
		}
		n[j] = int(c)
		j++
	}
	y, m, d := n[0]*1000+n[1]*100+n[2]*10+n[3], n[4]*10+n[5], n[6]*10+n[7]
	hh, mm, ss := n[8]*10+n[9], n[10]*10+n[11], n[12]*10+n[13]
	if !validDate(y, m, d) || hh > 23 || mm > 59 || ss > 60 {
		return time.Time{}, 0, fmt.Errorf("%q is not a valid date-time", s)
	}
	if ss == 60 {
		ss = 59 // a leap second: Go has none; the second before it is the closest instant
	}
	t := utcTime(y, m, d, hh*3600+mm*60+ss)
	if utc {
		return t, kindUTC, nil
	}
	return t, kindLocal, nil
}

// text is what values are read from: a property's value, or the bytes of its line (RDATE and
// EXDATE lists are read from their lines, without a string of their values).
type text interface{ string | []byte }

// trimSpace is strings.TrimSpace for either text.
func trimSpace[T text](s T) T {
	for len(s) > 0 && asciiSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && asciiSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && (s[0] >= utf8.RuneSelf || s[len(s)-1] >= utf8.RuneSelf) {
		return T(strings.TrimSpace(string(s))) // Unicode spaces: rare
	}
	return s
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// eachItem calls f with each comma-separated item of a list value, up to the first error.
// An empty item is none: a trailing comma (`EXDATE;TZID=Europe/Berlin:20231227T100000,`, as a
// calendar export in tutanota issue 5973 has it), a doubled one or an empty value names no
// date, and costing the series its event for it would drop every one of its bookings.
func eachItem[T text](list T, f func(item T) error) error {
	for {
		i := 0
		for i < len(list) && list[i] != ',' {
			i++
		}
		if item := list[:i]; len(trimSpace(item)) > 0 {
			if err := f(item); err != nil {
				return err
			}
		}
		if i == len(list) {
			return nil
		}
		list = list[i+1:]
	}
}

func digits[T text](s T) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(s) > 0
}

// utcTime is time.Date(y, m, d, 0, 0, sec, 0, time.UTC) for a valid date (validDate) and
// seconds of a day, counted directly (days from the civil date, as in H. Hinnant's
// days_from_civil), without time.Date's normalisation of every field.
func utcTime(y, m, d, sec int) time.Time {
	if m <= 2 {
		y--
	}
	era := y / 400 // y >= 0: a valid date's year is at least 1
	yoe := y - era*400
	doy := (153*((m+9)%12)+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := int64(era)*146097 + int64(doe) - 719468
	return time.Unix(days*86400+int64(sec), 0).UTC()
}

func validDate(y, m, d int) bool {
	if y < 1 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= daysIn(y, m)
}

// daysIn is the number of days of month m of year y (proleptic Gregorian, as time.Date).
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// span is the length of an event or occurrence: first days nominal days, added on the wall
// clock of the event's zone (RFC 5545 §3.3.6: a day is a calendar day, 23 or 25 hours across
// DST), then exact, a fixed amount of time.
type span struct {
	days  int
	exact time.Duration
}

// approx is the span with every day counted as 24 hours, for limits and search margins.
func (sp span) approx() time.Duration {
	return time.Duration(sp.days)*24*time.Hour + sp.exact
}

// endAt returns the end instant of an occurrence that starts at wall clock start (whose
// instant is startI) and lasts sp.
func endAt(start tval, startI time.Time, sp span) time.Time {
	if sp.days == 0 {
		return startI.Add(sp.exact)
	}
	if start.kind == kindUTC || start.zone == nil {
		return startI.Add(time.Duration(sp.days)*24*time.Hour + sp.exact)
	}
	return start.zone.toInstant(start.wall.AddDate(0, 0, sp.days)).Add(sp.exact)
}

// Limits on a single DURATION value. Larger numbers are rejected before any arithmetic, so a
// value like P999999999999999999W can neither overflow nor make date arithmetic loop.
const (
	maxDurationDays = 1_000_000
	maxDurationSecs = 1_000_000_000
)

// parseDuration parses an RFC 5545 DURATION (§3.3.6): [+-]P[nW][nD][T[nH][nM][nS]]. Weeks and
// days become nominal days; hours, minutes and seconds exact time. A negative duration is
// returned as an error: no booking ends before it starts.
func parseDuration(s string) (span, error) {
	orig := s
	s = strings.ToUpper(strings.TrimSpace(s))
	if strings.HasPrefix(s, "-") {
		return span{}, fmt.Errorf("negative duration %q", orig)
	}
	s = strings.TrimPrefix(s, "+")
	if !strings.HasPrefix(s, "P") || len(s) < 2 {
		return span{}, fmt.Errorf("%q is not a duration", orig)
	}
	s = s[1:]
	var days, secs int64
	inTime, any := false, false
	for len(s) > 0 {
		if s[0] == 'T' {
			if inTime {
				return span{}, fmt.Errorf("%q is not a duration", orig)
			}
			inTime = true
			s = s[1:]
			continue
		}
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i == len(s) {
			return span{}, fmt.Errorf("%q is not a duration", orig)
		}
		if i > 9 {
			return span{}, fmt.Errorf("duration %q is absurdly long", orig)
		}
		n, _ := digits(s[:i])
		unit := s[i]
		s = s[i+1:]
		any = true
		switch {
		case !inTime && unit == 'W':
			days += 7 * int64(n)
		case !inTime && unit == 'D':
			days += int64(n)
		case inTime && unit == 'H':
			secs += 3600 * int64(n)
		case inTime && unit == 'M':
			secs += 60 * int64(n)
		case inTime && unit == 'S':
			secs += int64(n)
		default:
			return span{}, fmt.Errorf("%q is not a duration", orig)
		}
	}
	// A T with no time after it is read leniently after a date part ("P1DT": some clients
	// send it, Apple's pycalendar notes where it reads one); "PT" alone names nothing.
	if !any {
		return span{}, fmt.Errorf("%q is not a duration", orig)
	}
	if days > maxDurationDays || secs > maxDurationSecs {
		return span{}, fmt.Errorf("duration %q is absurdly long", orig)
	}
	return span{days: int(days), exact: time.Duration(secs) * time.Second}, nil
}

// parseUTCOffset parses a UTC-OFFSET value (±hhmm[ss], also ±hh:mm) into seconds.
func parseUTCOffset(s string) (int, error) {
	orig := s
	s = strings.ReplaceAll(strings.TrimSpace(s), ":", "")
	if len(s) != 5 && len(s) != 7 || (s[0] != '+' && s[0] != '-') {
		return 0, fmt.Errorf("%q is not a UTC offset", orig)
	}
	h, ok1 := digits(s[1:3])
	m, ok2 := digits(s[3:5])
	sec, ok3 := 0, true
	if len(s) == 7 {
		sec, ok3 = digits(s[5:7])
	}
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 59 {
		return 0, fmt.Errorf("%q is not a UTC offset", orig)
	}
	off := h*3600 + m*60 + sec
	if s[0] == '-' {
		off = -off
	}
	return off, nil
}
