package accessplan

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Memo is the durable record net2booking keeps in a managed user's Net2 memo field (SPEC
// F11): who the user is and which bookings were granted and notified. Net2 is the system of
// record, so a restart rebuilds everything from it. The text is meant to be read by an
// operator in Net2 and parsed by us; see FormatMemo for the layout.
type Memo struct {
	// Version of the layout the memo was read in (1 today; 0 when the header line is missing).
	Version int
	// Email is the person's identity (lower case).
	Email string
	// Name is the person's display name as last seen.
	Name string
	// CodeNotified is true once the person was emailed their current code.
	CodeNotified bool
	// MailRefused records that the mail server refused this person's address for good (an
	// SMTP 5xx): when and why. While it is set no email is owed (it would be refused again);
	// an operator clears the line once the address is fixed.
	MailRefused string
	// Records are the bookings granted, sorted by start.
	Records []MemoRecord
}

// MemoRecord is one booking occurrence granted to the user.
type MemoRecord struct {
	Source    string
	Key       string // booking.Booking.Key()
	Resources []string
	Start     time.Time
	End       time.Time
	Notified  bool
}

// MemoVersion is the layout version FormatMemo writes.
const MemoVersion = 1

const memoHeader = "net2booking memo v"

// FormatMemo writes the memo as operator-readable text, one item per line (CRLF, as Net2's
// Windows editor expects):
//
//	net2booking memo v1 (bookings granted to this user; maintained by net2booking, do not edit)
//	email: jane.doe@example.com
//	name: Jane Doe
//	code notified: yes
//	booking: 2026-12-01T11:00:00+01:00 to 2026-12-01T13:00:00+01:00; resources: Room #1, Room #2; source: skedda; uid: 24600000_6375; notified: yes
//
// Times are written in loc (the site's zone) with their offset, so an operator reads local
// time and the parser reads the exact instant. Backslash escapes `\;`, `\,` and `\\` protect
// separators inside values; line breaks in values become spaces.
func FormatMemo(m Memo, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s%d (bookings granted to this user; maintained by net2booking, do not edit)\r\n", memoHeader, MemoVersion)
	fmt.Fprintf(&b, "email: %s\r\n", oneLine(m.Email))
	if m.Name != "" {
		fmt.Fprintf(&b, "name: %s\r\n", oneLine(m.Name))
	}
	fmt.Fprintf(&b, "code notified: %s\r\n", yesNo(m.CodeNotified))
	if m.MailRefused != "" {
		fmt.Fprintf(&b, "mail refused: %s\r\n", oneLine(m.MailRefused))
	}
	recs := slices.Clone(m.Records)
	sortRecords(recs)
	for _, r := range recs {
		res := make([]string, len(r.Resources))
		for i, x := range r.Resources {
			res[i] = escapeMemo(x)
		}
		fmt.Fprintf(&b, "booking: %s to %s; resources: %s; source: %s; uid: %s; notified: %s\r\n",
			r.Start.In(loc).Format(time.RFC3339), r.End.In(loc).Format(time.RFC3339),
			strings.Join(res, ", "), escapeMemo(r.Source), escapeMemo(r.Key), yesNo(r.Notified))
	}
	return b.String()
}

// ParseMemo reads a memo written by FormatMemo. It keeps everything that parses and returns
// one problem per line that does not (an operator's stray edit must neither crash the
// service nor wipe the user's records). An empty memo gives an empty Memo.
func ParseMemo(text string) (Memo, []string) {
	var m Memo
	var problems []string
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(text)
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if v, ok := strings.CutPrefix(line, memoHeader); ok {
			var ver int
			if _, err := fmt.Sscanf(v, "%d", &ver); err != nil || ver < 1 {
				problems = append(problems, fmt.Sprintf("memo line %d: unreadable version in %q", n+1, line))
				continue
			}
			m.Version = ver
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			problems = append(problems, fmt.Sprintf("memo line %d: not a \"key: value\" line: %q", n+1, line))
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "email":
			m.Email = strings.ToLower(value)
		case "name":
			m.Name = value
		case "code notified":
			m.CodeNotified = strings.EqualFold(value, "yes")
		case "mail refused":
			m.MailRefused = value
		case "booking":
			r, err := parseMemoRecord(value)
			if err != nil {
				problems = append(problems, fmt.Sprintf("memo line %d: %v", n+1, err))
				continue
			}
			m.Records = append(m.Records, r)
		default:
			problems = append(problems, fmt.Sprintf("memo line %d: unknown item %q", n+1, key))
		}
	}
	sortRecords(m.Records)
	return m, problems
}

func parseMemoRecord(value string) (MemoRecord, error) {
	fields := splitEscaped(value, ';')
	if len(fields) == 0 {
		return MemoRecord{}, fmt.Errorf("empty booking")
	}
	var r MemoRecord
	startS, endS, ok := strings.Cut(strings.TrimSpace(fields[0]), " to ")
	if !ok {
		return r, fmt.Errorf("booking %q: want \"<start> to <end>\"", fields[0])
	}
	var err error
	if r.Start, err = time.Parse(time.RFC3339, strings.TrimSpace(startS)); err != nil {
		return r, fmt.Errorf("booking start %q: %v", startS, err)
	}
	if r.End, err = time.Parse(time.RFC3339, strings.TrimSpace(endS)); err != nil {
		return r, fmt.Errorf("booking end %q: %v", endS, err)
	}
	if r.End.Before(r.Start) {
		return r, fmt.Errorf("booking ends (%s) before it starts (%s)", endS, startS)
	}
	r.Start, r.End = r.Start.UTC(), r.End.UTC()
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(f, ":")
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "resources":
			for _, x := range splitEscaped(v, ',') {
				if x = unescapeMemo(strings.TrimSpace(x)); x != "" {
					r.Resources = append(r.Resources, x)
				}
			}
		case "source":
			r.Source = unescapeMemo(v)
		case "uid":
			r.Key = unescapeMemo(v)
		case "notified":
			r.Notified = strings.EqualFold(v, "yes")
		}
	}
	if r.Source == "" || r.Key == "" {
		return r, fmt.Errorf("booking without source or uid")
	}
	return r, nil
}

func sortRecords(rs []MemoRecord) {
	slices.SortFunc(rs, func(a, b MemoRecord) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if c := strings.Compare(a.Source, b.Source); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
}

// splitEscaped splits s on sep where sep is not preceded by a backslash escape; the escapes
// stay in the parts (unescapeMemo removes them).
func splitEscaped(s string, sep byte) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func escapeMemo(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `;`, `\;`, `,`, `\,`)
	return r.Replace(oneLine(s))
}

func unescapeMemo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// oneLine keeps a value on its line: line breaks become spaces; nothing else changes, so a
// resource name with two spaces still matches the configuration exactly.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
