package net2sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Request-body binding as ASP.NET Web API does it: property names case-insensitive, numbers
// that may arrive as strings, dates with or without an offset. The emulator deliberately
// shares no code with the client, so a bug in one is not mirrored in the other.

// object is a JSON object with lower-cased property names.
type object map[string]json.RawMessage

func decodeObject(body []byte) (object, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, errors.New("the request body is empty")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("the request body is not a JSON object: %v", err)
	}
	o := make(object, len(m))
	for k, v := range m {
		o[strings.ToLower(k)] = v
	}
	return o, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// str reads a text property; numbers and bools are accepted as written, null is "".
func (o object) str(key string) (string, bool, error) {
	raw, ok := o[strings.ToLower(key)]
	if !ok || isNull(raw) {
		return "", ok, nil
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, true, err
	}
	if len(raw) > 0 && (raw[0] == '{' || raw[0] == '[') {
		return "", true, fmt.Errorf("%s must be text", key)
	}
	return string(raw), true, nil
}

// integer reads a whole-number property, also from a string ("0").
func (o object) integer(key string) (int, bool, error) {
	raw, ok := o[strings.ToLower(key)]
	if !ok || isNull(raw) {
		return 0, ok, nil
	}
	return parseInt(raw, key)
}

func parseInt(raw json.RawMessage, what string) (int, bool, error) {
	s := strings.Trim(string(bytes.TrimSpace(raw)), `"`)
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, true, fmt.Errorf("%s must be a whole number", what)
	}
	return n, true, nil
}

// boolean reads a bool property, also from "true"/"false".
func (o object) boolean(key string) (bool, bool, error) {
	raw, ok := o[strings.ToLower(key)]
	if !ok || isNull(raw) {
		return false, ok, nil
	}
	switch strings.ToLower(strings.Trim(string(bytes.TrimSpace(raw)), `"`)) {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, true, fmt.Errorf("%s must be true or false", key)
}

// date reads a date property; nil for null or "".
func (o object) date(key string, loc *time.Location) (*time.Time, bool, error) {
	s, ok, err := o.str(key)
	if err != nil || !ok || strings.TrimSpace(s) == "" {
		return nil, ok, err
	}
	t, err := parseDate(s, loc)
	if err != nil {
		return nil, true, fmt.Errorf("%s: %v", key, err)
	}
	if t.Year() <= 1 { // .NET's minimum date means "none"
		return nil, true, nil
	}
	return &t, true, nil
}

// parseDate reads an ISO 8601 date leniently, as .NET does: with or without an offset, any
// number of fraction digits, or a date alone. Offset-less values are wall-clock time in loc.
func parseDate(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	for _, l := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date", s)
}

// outDateLayout is how Net2 writes dates: local time with the server's offset.
const outDateLayout = "2006-01-02T15:04:05-07:00"

func formatDate(t time.Time, loc *time.Location) string { return t.In(loc).Format(outDateLayout) }

func formatDatePtr(t *time.Time, loc *time.Location) *string {
	if t == nil {
		return nil
	}
	s := formatDate(*t, loc)
	return &s
}
