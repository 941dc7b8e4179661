package notify

import (
	_ "embed"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The placeholders of SPEC F18, as they appear in a template.
const (
	PlaceholderFirstName   = "#FIRST_NAME#"   // first name of the booker
	PlaceholderSurname     = "#SUR_NAME#"     // surname of the booker
	PlaceholderStartPeriod = "#START_PERIOD#" // start of the validity period in Net2
	PlaceholderEndPeriod   = "#END_PERIOD#"   // end of the validity period in Net2
	PlaceholderAccessCode  = "#ACCESS_CODE#"  // PIN as text; QR as an inline image (HTML) or attachment (text)
	PlaceholderResources   = "#RESOURCES#"    // the booked resources that have not ended yet, with their times
)

// Placeholders lists every placeholder a template may use, in the order of SPEC F18.
var Placeholders = []string{
	PlaceholderFirstName, PlaceholderSurname, PlaceholderStartPeriod,
	PlaceholderEndPeriod, PlaceholderAccessCode, PlaceholderResources,
}

// DefaultDateFormat is the Go layout of the dates in the email ("Monday 2 January 2006 15:04",
// English day and month names, 24-hour clock), shown in the site's time zone.
const DefaultDateFormat = "Monday 2 January 2006 15:04"

// DefaultSubject is the subject of the notification when none is configured.
const DefaultSubject = "Access to the resource you booked"

// DefaultText is the built-in plain-text template, used when no text template is configured.
//
//go:embed defaults/notification.txt
var DefaultText string

// DefaultHTML is the built-in HTML template, used when no HTML template is configured.
//
//go:embed defaults/notification.html
var DefaultHTML string

// File names WriteDefaults writes.
const (
	DefaultTextFile = "notification.txt"
	DefaultHTMLFile = "notification.html"
)

// Image and calendar attachment names, as the text template's #ACCESS_CODE# mentions them.
const (
	QRFileName       = "access-code.png"
	CalendarFileName = "bookings.ics"
)

// maxTemplateSize bounds a template file: a template is a page of text, not a photo album.
const maxTemplateSize = 1 << 20

// placeholderRE finds #NAME# tokens: upper-case letters, digits and underscores, starting
// with a letter (so HTML colours such as #1f2933 or #FFF; are not taken for placeholders).
var placeholderRE = regexp.MustCompile(`#[A-Z][A-Z0-9_]*#`)

// Templates are the parsed text and HTML templates of the notification (SPEC F17–F18). The
// zero value is not usable; use LoadTemplates or ParseTemplates.
type Templates struct {
	text, html template
}

type template struct {
	name   string // file name, or "built-in ... template"
	chunks []chunk
}

// chunk is literal text followed by an optional placeholder.
type chunk struct {
	lit, ph string
}

// LoadTemplates reads the text and HTML templates from their files; an empty path selects the
// built-in default for that part (DefaultText, DefaultHTML). A placeholder the product does
// not know is an error naming the file and line, for example
// "templates/notification.html:12: unknown placeholder #CODE#; known: #FIRST_NAME#, ...".
func LoadTemplates(textPath, htmlPath string) (*Templates, error) {
	read := func(path, builtin, what string) (string, string, error) {
		if path == "" {
			return "built-in " + what + " template", builtin, nil
		}
		f, err := os.Open(path)
		if err != nil {
			return "", "", fmt.Errorf("read the %s template: %w", what, err)
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxTemplateSize+1))
		n := len(b)
		if err != nil {
			return "", "", fmt.Errorf("read the %s template %s: %w", what, path, err)
		}
		if n > maxTemplateSize {
			return "", "", fmt.Errorf("%s template %s is larger than %d bytes: is it the right file?", what, path, maxTemplateSize)
		}
		if !utf8.Valid(b[:n]) {
			return "", "", fmt.Errorf("%s template %s is not UTF-8 text: save it as UTF-8", what, path)
		}
		return path, string(b[:n]), nil
	}
	textName, text, err := read(textPath, DefaultText, "text")
	if err != nil {
		return nil, err
	}
	htmlName, htm, err := read(htmlPath, DefaultHTML, "HTML")
	if err != nil {
		return nil, err
	}
	return ParseTemplates(textName, text, htmlName, htm)
}

// ParseTemplates parses templates given as text; the names are used in error messages.
// LoadTemplates is the usual way in; ParseTemplates serves templates kept elsewhere.
func ParseTemplates(textName, text, htmlName, htmlText string) (*Templates, error) {
	t, errT := parseTemplate(textName, text)
	h, errH := parseTemplate(htmlName, htmlText)
	if err := errors.Join(errT, errH); err != nil {
		return nil, err
	}
	return &Templates{text: t, html: h}, nil
}

func parseTemplate(name, text string) (template, error) {
	text = strings.TrimPrefix(text, "\uFEFF") // a byte-order mark from Windows editors
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(text)
	t := template{name: name}
	var errs []error
	last := 0
	for _, m := range placeholderRE.FindAllStringIndex(text, -1) {
		ph := text[m[0]:m[1]]
		if !slices.Contains(Placeholders, ph) {
			line := 1 + strings.Count(text[:m[0]], "\n")
			errs = append(errs, fmt.Errorf("%s:%d: unknown placeholder %s; known: %s",
				name, line, ph, strings.Join(Placeholders, ", ")))
			continue
		}
		t.chunks = append(t.chunks, chunk{lit: text[last:m[0]], ph: ph})
		last = m[1]
	}
	t.chunks = append(t.chunks, chunk{lit: text[last:]})
	return t, errors.Join(errs...)
}

// WriteDefaults writes the built-in templates into dir as notification.txt and
// notification.html, for an admin to edit (`net2booking templates --out DIR`). It creates dir
// if needed and refuses to overwrite either file: when one exists, neither is written.
func WriteDefaults(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create the template folder: %w", err)
	}
	files := []struct{ name, text string }{{DefaultTextFile, DefaultText}, {DefaultHTMLFile, DefaultHTML}}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s already exists; not overwriting it (move it away or choose another folder)", p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("check %s: %w", p, err)
		}
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		fh, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("write the default template: %w", err)
		}
		_, err = fh.WriteString(f.text)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write the default template %s: %w", p, err)
		}
	}
	return nil
}

// RenderOptions say how Render shows values.
type RenderOptions struct {
	// Location is the site's time zone for dates; nil means UTC.
	Location *time.Location
	// DateFormat is the Go layout of dates; "" means DefaultDateFormat.
	DateFormat string
	// ImageCID is the Content-ID (without angle brackets) of the inline QR image the HTML
	// part refers to; "" means the one the SMTP notifier uses.
	ImageCID string
}

// qrCID is the Content-ID of the inline QR image.
const qrCID = "access-code@net2booking"

// Render fills both templates for n: the plain-text body and the HTML body. Every value from
// a booking feed (names, resources) has its control characters (CR, LF, tabs, RFC 6868 `^n`
// decoded to a newline) replaced by spaces, and is HTML-escaped in the HTML part.
// #ACCESS_CODE# is the PIN as text; for a QR code the number followed by a note that the image
// is attached (text) or an <img src="cid:..."> and the number (HTML); for a manual site a
// sentence saying the card or fob comes from the site administrator. #RESOURCES# is one line
// (text) or list item (HTML) per upcoming booking: its resources, its times and, where the
// grace period widens it, when the doors open; new and changed ones are marked.
func (t *Templates) Render(n Notification, o RenderOptions) (text, htmlBody string, err error) {
	if err := validCode(n); err != nil {
		return "", "", err
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.DateFormat == "" {
		o.DateFormat = DefaultDateFormat
	}
	if o.ImageCID == "" {
		o.ImageCID = qrCID
	}
	values := func(isHTML bool) map[string]string {
		esc := func(s string) string { return s }
		if isHTML {
			esc = html.EscapeString
		}
		first, last := CleanText(n.FirstName), CleanText(n.LastName)
		if first == "" && last == "" {
			first = CleanText(n.DisplayName)
			if first == "" {
				first, _, _ = strings.Cut(CleanText(n.Email), "@")
			}
		}
		from, until := period(n)
		return map[string]string{
			PlaceholderFirstName:   esc(first),
			PlaceholderSurname:     esc(last),
			PlaceholderStartPeriod: esc(formatTime(from, o)),
			PlaceholderEndPeriod:   esc(formatTime(until, o)),
			PlaceholderAccessCode:  accessCode(n, o, isHTML),
			PlaceholderResources:   resources(n, o, isHTML),
		}
	}
	return t.text.fill(values(false)), t.html.fill(values(true)), nil
}

func (t template) fill(v map[string]string) string {
	var b strings.Builder
	for _, c := range t.chunks {
		b.WriteString(c.lit)
		b.WriteString(v[c.ph])
	}
	return b.String()
}

// validCode checks that the code kind is known and a code is there when one is sent.
func validCode(n Notification) error {
	switch n.CodeKind {
	case KindPIN, KindQR:
		if n.Code == "" {
			return fmt.Errorf("notification for %s: no %s code to send: %w", CleanText(n.Email), n.CodeKind, ErrPermanent)
		}
		if len(n.Code) > 64 || strings.ContainsFunc(n.Code, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return fmt.Errorf("notification for %s: the %s code holds spaces or control characters, or is too long: %w", CleanText(n.Email), n.CodeKind, ErrPermanent)
		}
	case KindManual:
	default:
		return fmt.Errorf("notification for %s: unknown code kind %q (want pin, qr or manual): %w", CleanText(n.Email), n.CodeKind, ErrPermanent)
	}
	return nil
}

func formatTime(t time.Time, o RenderOptions) string {
	if t.IsZero() {
		return ""
	}
	return t.In(o.Location).Format(o.DateFormat)
}

// formatRange shows from–to; with the default layout an end on the same day shows its time only.
func formatRange(from, to time.Time, o RenderOptions) string {
	f, e := from.In(o.Location), to.In(o.Location)
	end := e.Format(o.DateFormat)
	if o.DateFormat == DefaultDateFormat && f.Year() == e.Year() && f.YearDay() == e.YearDay() {
		end = e.Format("15:04")
	}
	return f.Format(o.DateFormat) + " to " + end
}

func accessCode(n Notification, o RenderOptions, isHTML bool) string {
	code := n.Code
	if isHTML {
		code = html.EscapeString(code)
	}
	switch n.CodeKind {
	case KindPIN:
		return code
	case KindQR:
		if !isHTML {
			return code + " (the QR code is attached as " + QRFileName + ")"
		}
		return `<img src="cid:` + html.EscapeString(o.ImageCID) + `" width="250" height="250" alt="QR code ` + code +
			`" style="display:block; margin:0 auto; width:250px; height:250px; border:0;"><br>` + code
	default:
		s := "issued by the site administrator (your own card or fob); no code is sent by email"
		return s
	}
}

func resources(n Notification, o RenderOptions, isHTML bool) string {
	owed := map[string]bool{}
	for _, b := range n.Bookings {
		owed[b.Source+"\x00"+b.UID] = true
	}
	list := slices.Clone(upcoming(n))
	slices.SortStableFunc(list, func(a, b Booking) int { return a.Start.Compare(b.Start) })
	var lines []string
	for _, b := range list {
		names := make([]string, 0, len(b.Resources))
		for _, r := range b.Resources {
			if r = CleanText(r); r != "" {
				names = append(names, r)
			}
		}
		what := strings.Join(names, ", ")
		if what == "" {
			what = "Booking"
		}
		when := formatRange(b.Start, b.End, o)
		if !b.AccessFrom.IsZero() && !b.AccessUntil.IsZero() && (!b.AccessFrom.Equal(b.Start) || !b.AccessUntil.Equal(b.End)) {
			when += " (doors open " + formatRange(b.AccessFrom, b.AccessUntil, o) + ")"
		}
		tag := ""
		switch {
		case b.Changed:
			tag = "changed"
		case owed[b.Source+"\x00"+b.UID]:
			tag = "new"
		}
		if isHTML {
			line := "<li><strong>" + html.EscapeString(what) + "</strong>: " + html.EscapeString(when)
			if tag != "" {
				line += " <em>(" + tag + ")</em>"
			}
			lines = append(lines, line+"</li>")
			continue
		}
		line := "- " + what + ": " + when
		if tag != "" {
			line += " (" + tag + ")"
		}
		lines = append(lines, line)
	}
	if isHTML {
		if len(lines) == 0 {
			return "<p>No upcoming bookings.</p>"
		}
		return "<ul style=\"margin:0; padding-left:20px;\">\n" + strings.Join(lines, "\n") + "\n</ul>"
	}
	if len(lines) == 0 {
		return "(no upcoming bookings)"
	}
	return strings.Join(lines, "\n")
}

// CleanText makes a value from a booking feed safe to show on one line: control characters
// (CR, LF, tab, NUL; also an RFC 6868 `^n` a decoder turned into a newline), Unicode line and
// paragraph separators and bidirectional overrides become spaces, runs of spaces shrink to
// one, and the result is trimmed and at most 200 characters long.
func CleanText(s string) string { return cleanText(s, 200) }

func cleanText(s string, limit int) string {
	var b strings.Builder
	space := false
	count := 0
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' ||
			(r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			count++
			space = false
		}
		if count >= limit {
			break
		}
		b.WriteRune(r)
		count++
	}
	return b.String()
}
