package ical

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// validText returns s as valid UTF-8. RFC 5545 text is UTF-8, but feeds exported in a legacy
// code page (Latin-1 or Windows-1252: `RESOURCES:Raum M\xfcller`) exist, and a replacement
// character in a resource name would match no configured room. A value with no valid UTF-8
// sequence beyond ASCII is read as Windows-1252 (ü); one that has them is UTF-8 with damaged
// bytes, which become U+FFFD (Latin-1 text is almost never valid UTF-8 by accident: that
// would take pairs such as "Ã¼").
func validText(s string) string {
	if utf8.ValidString(s) { // the common case, checked eight bytes at a time
		return s
	}
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		if size > 1 { // a valid sequence (an invalid byte decodes with size 1)
			return strings.ToValidUTF8(s, "\uFFFD") // UTF-8, damaged
		}
		i += size
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/2)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < utf8.RuneSelf {
			b.WriteByte(c)
		} else {
			b.WriteRune(charmap.Windows1252.DecodeByte(c))
		}
	}
	return b.String()
}

// unescapeText decodes an RFC 5545 TEXT value (§3.3.11) leniently. The escapes \, \; \\ \n
// and \N are decoded; any other backslash sequence (such as \: which some producers write) is
// passed through unchanged, and a trailing lone backslash is kept. go-ical's Prop.Text rejects
// the whole property in those cases, which would lose a resource name over one stray
// character. Unescaped commas are kept: a single-valued property such as LOCATION written by
// Booked (`Room 1, Floor 2`) stays one value. The result is valid UTF-8 (validText), so
// downstream systems (Net2, email) never see broken strings.
func unescapeText(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return validText(s)
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
	return validText(b.String())
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
