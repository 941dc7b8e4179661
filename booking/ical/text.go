package ical

import (
	"strings"
	"unicode/utf8"
)

// unescapeText decodes an RFC 5545 TEXT value (§3.3.11) leniently. The escapes \, \; \\ \n
// and \N are decoded; any other backslash sequence (such as \: which some producers write) is
// passed through unchanged, and a trailing lone backslash is kept. go-ical's Prop.Text rejects
// the whole property in those cases, which would lose a resource name over one stray
// character. Unescaped commas are kept: a single-valued property such as LOCATION written by
// Booked (`Room 1, Floor 2`) stays one value. Invalid UTF-8 becomes U+FFFD so downstream
// systems (Net2, email) never see broken strings.
func unescapeText(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		if utf8.ValidString(s) { // the common case, checked eight bytes at a time
			return s
		}
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch n := s[i]; n {
		case ',', ';', '\\':
			b.WriteByte(n)
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte('\\')
			b.WriteByte(n)
		}
	}
	return strings.ToValidUTF8(b.String(), "\uFFFD")
}

// splitTextList splits a multi-valued TEXT property (RESOURCES, CATEGORIES) on commas that
// are not escaped. The parts are still escaped; pass each through unescapeText.
func splitTextList(s string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // the escaped character, whatever it is, is not a separator
		case ',':
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// decodeCaret decodes RFC 6868 parameter-value escapes: ^n is a newline, ^^ a caret and ^' a
// double quote. Any other caret is kept as written.
func decodeCaret(s string) string {
	if strings.IndexByte(s, '^') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '^' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case 'n', 'N':
			b.WriteByte('\n')
		case '^':
			b.WriteByte('^')
		case '\'':
			b.WriteByte('"')
		default:
			b.WriteByte('^')
			continue
		}
		i++
	}
	return b.String()
}
