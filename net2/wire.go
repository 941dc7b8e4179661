package net2

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file holds the lenient JSON pieces shared by the typed calls: numbers that may arrive
// as strings, strings that may arrive as numbers or null, and Net2's date formats.

// flexInt is an int that also accepts a JSON string holding a number, and null (= 0).
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = trimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*f = 0
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*f = 0
			return nil
		}
		b = []byte(s)
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		fl, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil || fl != float64(int64(fl)) {
			return fmt.Errorf("not a whole number: %s", clip(string(b)))
		}
		n = int64(fl)
	}
	*f = flexInt(n)
	return nil
}

// flexString is a string that also accepts a JSON number or bool (kept as written) and null
// (= "").
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = trimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("expected a text value, got %s", clip(string(b)))
	default:
		*f = flexString(b)
	}
	return nil
}

// flexBool is a bool that also accepts "true"/"false" strings and null (= false).
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	b = trimSpace(b)
	s := strings.Trim(string(b), `"`)
	switch strings.ToLower(s) {
	case "", "null", "false", "0":
		*f = false
	case "true", "1":
		*f = true
	default:
		return fmt.Errorf("not a boolean: %s", clip(string(b)))
	}
	return nil
}

// flexTime is a Net2 date as text; it is converted with the site's location by parseDate.
type flexTime struct {
	set  bool // the property was present (even if null)
	null bool
	text string
}

func (f *flexTime) UnmarshalJSON(b []byte) error {
	f.set = true
	b = trimSpace(b)
	if string(b) == "null" {
		f.null = true
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date is not a string: %s", clip(string(b)))
	}
	f.text = strings.TrimSpace(s)
	f.null = f.text == ""
	return nil
}

// WireDateLayout is how dates are sent to Net2: the site's wall-clock time without an offset,
// as Net2's own user editor stores them (see dates.go).
const WireDateLayout = "2006-01-02T15:04:05"

// formatDate renders t for a request body in loc.
func formatDate(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(WireDateLayout)
}

// ParseDate reads a date as Net2 writes it: ISO 8601 with or without an offset ("Z",
// "+01:00", "+0100"), with 0 to 7 fraction digits, a 'T' or a space between date and time, or
// a date alone. A value without an offset is wall-clock time in loc. It reports ok=false for
// "" and for .NET's minimum date 0001-01-01, which Net2 may use for "no date".
func ParseDate(s string, loc *time.Location) (t time.Time, ok bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false, nil
	}
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	var perr error
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700", "2006-01-02T15:04:05.999999999-07"} {
		if t, perr = time.Parse(layout, s); perr == nil {
			return minDate(t)
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, perr = time.ParseInLocation(layout, s, loc); perr == nil {
			return minDate(t)
		}
	}
	return time.Time{}, false, fmt.Errorf("unreadable date %q", clip(s))
}

func minDate(t time.Time) (time.Time, bool, error) {
	if t.Year() <= 1 {
		return time.Time{}, false, nil
	}
	return t, true, nil
}

// toTime converts a flexTime: zero time for absent, null, empty or minimum dates.
func (f flexTime) toTime(loc *time.Location) (time.Time, error) {
	if !f.set || f.null {
		return time.Time{}, nil
	}
	t, _, err := ParseDate(f.text, loc)
	return t, err
}

// toPtr converts a flexTime to a *time.Time: nil for absent, null, empty or minimum dates.
func (f flexTime) toPtr(loc *time.Location) (*time.Time, error) {
	t, err := f.toTime(loc)
	if err != nil || t.IsZero() {
		return nil, err
	}
	return &t, nil
}

func trimSpace(b []byte) []byte { return bytes.TrimSpace(b) }

// isEmptyBody reports whether a reply body carries nothing: empty, whitespace or "null".
func isEmptyBody(b []byte) bool {
	b = trimSpace(b)
	return len(b) == 0 || string(b) == "null"
}
