package ical

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/net2booking/net2booking/booking"
)

// Defaults for ParseOptions and Options.
const (
	// DefaultMaxBytes caps the size of one feed (SPEC B3: a larger body is a failed fetch).
	DefaultMaxBytes int64 = 128 << 20
	// DefaultMaxOccurrences caps how many occurrences one recurrence rule may generate from
	// its DTSTART up to the end of the requested window.
	DefaultMaxOccurrences = 50_000
	// DefaultMaxDuration caps the length of one booking; longer events are skipped with a
	// warning (an absurd DURATION must not open a door for years).
	DefaultMaxDuration = 366 * 24 * time.Hour

	// maxWarnings bounds the warnings kept per calendar, so a feed of a million broken
	// events cannot exhaust memory; the rest are counted in one summary warning.
	maxWarnings = 1000
	// maxDepth bounds component nesting (VCALENDAR > VEVENT > VALARM is 3).
	maxDepth = 16
)

// Errors a Parse (and so a Fetch) can wrap. Both mean the fetch failed as a whole: the caller
// keeps the feed's last good bookings in force (SPEC B3) rather than reading "no bookings".
// Both also match booking.ErrUnusable: the data is bad, not the link.
var (
	// ErrTooLarge is returned for a feed larger than the size limit.
	ErrTooLarge = fmt.Errorf("feed exceeds the size limit (%w)", booking.ErrUnusable)
	// ErrMalformed is returned for input that is not one complete, well-formed iCalendar
	// stream: empty, not iCalendar, truncated (no END:VCALENDAR), a content line go-ical
	// rejects, or one that makes go-ical panic.
	ErrMalformed = fmt.Errorf("feed is not a complete, well-formed iCalendar file (%w)", booking.ErrUnusable)
)

// Dialect says how persons and resources are read from the events of a feed.
type Dialect string

// The dialects (SPEC F1–F3).
const (
	// DialectAuto picks Skedda or Booked per feed, from PRODID or, failing that, from the
	// properties the events carry; FetchResult.Notes says which it chose and why.
	DialectAuto Dialect = "auto"
	// DialectSkedda reads persons from ATTENDEE and resources from every RESOURCES property.
	DialectSkedda Dialect = "skedda"
	// DialectBooked reads the person from ORGANIZER and the resource from LOCATION.
	DialectBooked Dialect = "booked"
)

// ParseOptions configures Parse: the pure, I/O-free part of a feed, used by Feed and
// directly by tests, fuzzing and benchmarks.
type ParseOptions struct {
	// Name identifies the feed in warnings and errors. It must not contain secrets: use
	// RedactURL for a URL.
	Name string
	// Dialect selects how persons and resources are read; "" means DialectAuto.
	Dialect Dialect
	// SiteLocation is the zone of floating times and all-day (DATE) bookings, unless the
	// feed names a resolvable X-WR-TIMEZONE, which then wins. nil means time.Local.
	SiteLocation *time.Location
	// MaxBytes caps the input size; 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxOccurrences caps the occurrences generated per recurrence rule; 0 means
	// DefaultMaxOccurrences. Hitting it produces a warning.
	MaxOccurrences int
	// MaxDuration caps the length of one event; 0 means DefaultMaxDuration.
	MaxDuration time.Duration
}

func (o ParseOptions) withDefaults() (ParseOptions, error) {
	if o.Dialect == "" {
		o.Dialect = DialectAuto
	}
	switch o.Dialect {
	case DialectAuto, DialectSkedda, DialectBooked:
	default:
		return o, fmt.Errorf("unknown iCal dialect %q (want skedda, booked or auto)", o.Dialect)
	}
	if o.SiteLocation == nil {
		o.SiteLocation = time.Local
	}
	if o.MaxBytes < 0 || o.MaxOccurrences < 0 || o.MaxDuration < 0 {
		return o, fmt.Errorf("iCal limits must not be negative")
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxOccurrences == 0 {
		o.MaxOccurrences = DefaultMaxOccurrences
	}
	if o.MaxDuration == 0 {
		o.MaxDuration = DefaultMaxDuration
	}
	if o.Name == "" {
		o.Name = "ical"
	}
	return o, nil
}

// Calendar is a parsed feed: every event of every VCALENDAR in it, with time zones resolved,
// persons and resources read in the chosen dialect, and recurrences ready to expand. It is
// immutable, so a Feed keeps it across fetches and re-expands it for each new window when the
// server answers 304 Not Modified. It is safe for concurrent use.
type Calendar struct {
	name     string
	singles  []*event
	series   []*series
	notes    []string
	warnings warnings
	events   int
	maxOcc   int
}

// event is one VEVENT as we keep it: only what bookings need. A feed holds up to a few
// hundred thousand of them, so what only some events have lives behind pointers.
type event struct {
	uid    string
	line   int32
	order  int32
	seq    int32
	status booking.Status
	stamp  time.Time

	start   tval
	hasSpan bool // DTEND or DURATION given; an override without either inherits the master's
	startI  time.Time
	span    span
	endI    time.Time

	rec *recurrence // RRULE/RDATE/EXDATE of a series master
	ov  *override   // RECURRENCE-ID of an override

	// persons and resources may be shared between events (read-only; Bookings copies them).
	persons   []booking.Person
	resources []string
	raw       *rawParties
}

// recurrence is what makes an event a series.
type recurrence struct {
	rules   []ruleSpec
	rdates  []rdate
	exdates []tval
}

// override is the RECURRENCE-ID of an event that replaces one occurrence of a series.
type override struct {
	rid    tval
	ridI   time.Time
	future bool // RANGE=THISANDFUTURE
	// recID is set on an override emitted on its own (no recurring master in the feed).
	recID time.Time
}

// rdate is one RDATE value; a PERIOD carries its own end or duration.
type rdate struct {
	v      tval
	period bool
	end    tval
	hasEnd bool
	dur    span
}

func (ev *event) recur() *recurrence {
	if ev.rec == nil {
		ev.rec = &recurrence{}
	}
	return ev.rec
}

func (ev *event) recurring() bool {
	return ev.rec != nil && (len(ev.rec.rules) > 0 || len(ev.rec.rdates) > 0)
}

// Parse reads a whole feed. It fails (with ErrTooLarge or ErrMalformed) when the input as a
// whole cannot be trusted: too large, empty, not iCalendar, truncated, or a content line that
// go-ical rejects or panics on. Problems confined to one event (an unresolvable time zone, a
// bad date, an absurd duration, a broken RRULE) skip that event and are reported as warnings
// by Calendar.Bookings. A valid VCALENDAR without events is a valid, empty calendar.
func Parse(data []byte, opts ParseOptions) (*Calendar, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > opts.MaxBytes {
		return nil, fmt.Errorf("iCal feed %s: %d bytes exceed the limit of %d bytes: %w", opts.Name, len(data), opts.MaxBytes, ErrTooLarge)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if bytes.IndexByte(data, '\n') < 0 && bytes.IndexByte(data, '\r') >= 0 {
		// Classic Mac line endings: CR only. go-ical would read the file as one line.
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}
	raws, trailing, err := splitCalendars(data)
	if err != nil {
		return nil, fmt.Errorf("iCal feed %s: %w", opts.Name, err)
	}
	p := &parser{
		opts:    opts,
		site:    locationZone(opts.SiteLocation),
		intern:  make(map[string]string),
		persons: make(map[personKey]*personEntry),
		resOf:   make(map[*goical.Prop][]string),
		dec:     blockDecoder{br: bufio.NewReaderSize(nil, 4096)},
	}
	p.warn.source = opts.Name
	if opts.Dialect != DialectAuto {
		p.dialect, p.dialectNote = opts.Dialect, fmt.Sprintf("dialect %s (configured)", opts.Dialect)
	}
	if trailing > 0 {
		p.warn.add("", fmt.Sprintf("%d line(s) after END:VCALENDAR ignored", trailing))
	}
	for _, rc := range raws {
		if err := p.readCalendar(data, rc); err != nil {
			return nil, fmt.Errorf("iCal feed %s: %w", opts.Name, err)
		}
	}
	return p.finish(), nil
}

// parser holds the state of one Parse call.
type parser struct {
	opts    ParseOptions
	site    *zone
	dec     blockDecoder
	warn    warnings
	events  []*event
	prodids []string
	notes   []string
	intern  map[string]string
	persons map[personKey]*personEntry
	resOf   map[*goical.Prop][]string
	// dialect is decided as soon as possible (configured, or a PRODID naming the system);
	// "" while auto detection must wait for the properties of all events.
	dialect     Dialect
	dialectNote string
}

// calContext is what the events of one VCALENDAR share.
type calContext struct {
	method   string
	floating *zone
	res      *resolver
}

// rawCal is one VCALENDAR found by splitCalendars: its own property lines and the byte spans
// of its child components.
type rawCal struct {
	line     int
	props    []byte
	children []block
}

type block struct {
	name       string
	start, end int
	line       int
}

// splitCalendars checks the component structure of the whole input and cuts it into
// calendars and their top-level components, so each VEVENT can be decoded by go-ical on its
// own (a 100,000-event feed is never held as one go-ical tree). It reports a truncated or
// mis-nested stream as ErrMalformed, with the line number.
func splitCalendars(data []byte) (cals []rawCal, trailing int, err error) {
	sc := lineScanner{data: data, line: 1}
	var (
		cur   *rawCal
		stack []string
		blk   block
	)
	for {
		ll, ok := sc.next()
		if !ok {
			break
		}
		if ll.start == ll.end {
			continue // blank line (go-ical skips them too)
		}
		name, value, isBE := ll.beginEnd(data)
		if len(stack) == 0 {
			if isBE && name == "BEGIN" && strings.EqualFold(value, "VCALENDAR") {
				cals = append(cals, rawCal{line: ll.line})
				cur = &cals[len(cals)-1]
				stack = append(stack, "VCALENDAR")
				continue
			}
			if len(cals) == 0 {
				return nil, 0, fmt.Errorf("line %d: expected BEGIN:VCALENDAR, got %s: %w", ll.line, preview(data[ll.start:ll.end]), ErrMalformed)
			}
			trailing++
			continue
		}
		switch {
		case isBE && name == "BEGIN":
			if len(stack) >= maxDepth {
				return nil, 0, fmt.Errorf("line %d: components nested more than %d deep: %w", ll.line, maxDepth, ErrMalformed)
			}
			if len(stack) == 1 {
				blk = block{name: strings.ToUpper(value), start: ll.start, line: ll.line}
			}
			stack = append(stack, strings.ToUpper(value))
		case isBE && name == "END":
			top := stack[len(stack)-1]
			if !strings.EqualFold(value, top) {
				return nil, 0, fmt.Errorf("line %d: END:%s does not close BEGIN:%s: %w", ll.line, value, top, ErrMalformed)
			}
			stack = stack[:len(stack)-1]
			switch len(stack) {
			case 1:
				blk.end = ll.end
				cur.children = append(cur.children, blk)
			case 0:
				cur = nil
			}
		default:
			if len(stack) == 1 {
				cur.props = append(cur.props, data[ll.start:ll.end]...)
				cur.props = append(cur.props, '\n')
			}
		}
	}
	if len(stack) > 0 {
		return nil, 0, fmt.Errorf("feed is truncated: BEGIN:%s is never closed (END:VCALENDAR missing at line %d): %w", stack[len(stack)-1], sc.line, ErrMalformed)
	}
	if len(cals) == 0 {
		return nil, 0, fmt.Errorf("feed is empty: %w", ErrMalformed)
	}
	return cals, trailing, nil
}

// preview quotes the start of a line for an error message (an HTML page instead of a feed is
// recognisable from it), short enough not to leak content.
func preview(b []byte) string {
	if len(b) > 24 {
		b = b[:24]
	}
	return strconv.Quote(strings.ToValidUTF8(string(b), "?"))
}

// lineScanner yields logical (unfolded) content lines with the number of their first
// physical line. It accepts LF and CRLF endings (CR-only input is converted beforehand) and
// folds continued by a space or a TAB, even inside a UTF-8 sequence.
type lineScanner struct {
	data []byte
	pos  int
	line int
}

// logicalLine is the span [start, end) of a content line in the input, folds included.
type logicalLine struct {
	start, end int
	line       int
	folded     bool
}

func (s *lineScanner) next() (logicalLine, bool) {
	if s.pos >= len(s.data) {
		return logicalLine{}, false
	}
	ll := logicalLine{start: s.pos, line: s.line}
	for {
		lineStart := s.pos
		i := bytes.IndexByte(s.data[s.pos:], '\n')
		lineEnd, next := len(s.data), len(s.data)
		if i >= 0 {
			lineEnd, next = s.pos+i, s.pos+i+1
		}
		end := lineEnd
		if end > lineStart && s.data[end-1] == '\r' {
			end--
		}
		ll.end = end
		s.pos = next
		s.line++
		if s.pos < len(s.data) && (s.data[s.pos] == ' ' || s.data[s.pos] == '\t') {
			ll.folded = true
			continue
		}
		return ll, true
	}
}

// text returns the unfolded line.
func (ll logicalLine) text(data []byte) string {
	b := data[ll.start:ll.end]
	if !ll.folded {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			continue
		}
		if b[i] == '\n' {
			i++ // skip the newline and the fold's space or TAB
			continue
		}
		out = append(out, b[i])
	}
	return string(out)
}

// beginEnd reports whether the line is a BEGIN or END line, with its (upper-case) name and
// its value, without allocating for ordinary property lines.
func (ll logicalLine) beginEnd(data []byte) (name, value string, ok bool) {
	c := data[ll.start]
	if c != 'B' && c != 'b' && c != 'E' && c != 'e' {
		return "", "", false
	}
	var s string
	if ll.folded {
		s = ll.text(data)
	} else {
		s = string(data[ll.start:ll.end])
	}
	i := strings.IndexAny(s, ";:")
	if i < 0 {
		return "", "", false
	}
	n := strings.ToUpper(s[:i])
	if n != "BEGIN" && n != "END" {
		return "", "", false
	}
	j := strings.IndexByte(s, ':')
	if j < 0 {
		return "", "", false
	}
	return n, s[j+1:], true
}

// blockDecoder runs go-ical on one component at a time, wrapped in a VCALENDAR, reusing one
// buffered reader. go-ical stays the parser of record for content-line syntax; its panics
// (on `DTSTART;TZID=X` without a colon, or `CN="a"x:`) are turned into errors.
type blockDecoder struct {
	br      *bufio.Reader
	scratch []byte
	cache   map[string]*goical.Prop
	extra   []*goical.Prop
}

func (d *blockDecoder) decodeCalendar(parts ...[]byte) (cal *goical.Calendar, err error) {
	defer func() {
		if r := recover(); r != nil {
			cal, err = nil, fmt.Errorf("the iCal decoder failed: %v", r)
		}
	}()
	readers := make([]io.Reader, 0, len(parts))
	for _, p := range parts {
		readers = append(readers, bytes.NewReader(p))
	}
	d.br.Reset(io.MultiReader(readers...))
	return goical.NewDecoder(d.br).Decode()
}

var (
	calBegin = []byte("BEGIN:VCALENDAR\r\n")
	calEnd   = []byte("\r\nEND:VCALENDAR\r\n")
)

// decodeBlock decodes one top-level component. On a syntax error it finds the offending line
// so the admin can fix the producer (or report it).
func (d *blockDecoder) decodeBlock(data []byte, b block) (*goical.Component, error) {
	cal, err := d.decodeCalendar(calBegin, data[b.start:b.end], calEnd)
	return d.component(cal, err, data, b)
}

func (d *blockDecoder) component(cal *goical.Calendar, err error, data []byte, b block) (*goical.Component, error) {
	if err == nil && len(cal.Children) == 1 {
		return cal.Children[0], nil
	}
	if err == nil {
		err = fmt.Errorf("unexpected component structure")
	}
	return nil, d.locate(data, b.start, b.end, b.line, err)
}

// eventProps are the VEVENT properties bookings are made of. Only these lines are handed to
// go-ical (DESCRIPTION, SUMMARY, VALARMs... are skipped): a large feed costs half as much, and
// a malformed line in a property we never read cannot fail the fetch. A line that is not even
// NAME...:VALUE shaped (no colon) is still passed on, so it fails as before.
//
// Properties marked propCached repeat across events (the same ATTENDEE, RESOURCES, DTSTAMP or
// STATUS line in thousands of events): go-ical decodes each distinct line once and the result
// is reused, which is pure memoisation since go-ical reads a content line without context.
var eventProps = map[string]propUse{
	"UID": propDecode, "DTSTART": propDecode, "DTEND": propDecode, "RECURRENCE-ID": propDecode,
	"DURATION": propCached, "RRULE": propCached, "RDATE": propCached, "EXDATE": propCached,
	"SEQUENCE": propCached, "DTSTAMP": propCached, "STATUS": propCached, "ATTENDEE": propCached,
	"ORGANIZER": propCached, "RESOURCES": propCached, "LOCATION": propCached,
}

type propUse uint8

const (
	propSkip propUse = iota
	propDecode
	propCached
)

// maxCachedLines bounds the memo of decoded lines.
const maxCachedLines = 50_000

// eventBatch is how many VEVENTs go through one go-ical Decode call.
const eventBatch = 256

// lineUse classifies a content line of a VEVENT by its property name.
func lineUse(line []byte) propUse {
	if bytes.IndexByte(line, ':') < 0 {
		return propDecode // malformed: let go-ical reject it
	}
	i := bytes.IndexAny(line, ";:")
	var upper [16]byte
	if i <= 0 || i > len(upper) {
		return propDecode
	}
	for j := 0; j < i; j++ {
		c := line[j]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		upper[j] = c
	}
	return eventProps[string(upper[:i])]
}

// appendEventLines appends the lines of VEVENT b that go-ical must decode to buf, and calls
// cached for each line of a propCached property, in feed order.
func appendEventLines(buf, data []byte, b block, cached func(logicalLine) error) ([]byte, error) {
	sc := lineScanner{data: data[:b.end], pos: b.start, line: b.line}
	sc.next() // BEGIN:VEVENT
	depth := 0
	for {
		ll, ok := sc.next()
		if !ok {
			return buf, nil
		}
		if ll.start == ll.end {
			continue
		}
		if name, _, isBE := ll.beginEnd(data); isBE {
			if name == "BEGIN" {
				depth++
			} else {
				depth--
			}
			continue
		}
		line := data[ll.start:ll.end]
		use := lineUse(line)
		if depth > 0 && bytes.IndexByte(line, ':') >= 0 {
			use = propSkip // inside a VALARM
		}
		switch {
		case use == propCached && cached != nil:
			if err := cached(ll); err != nil {
				return buf, err
			}
		case use != propSkip:
			buf = append(buf, line...)
			buf = append(buf, '\r', '\n')
		}
	}
}

// decodeEvent decodes one VEVENT from the lines bookings need (no memo): the slow path that
// names the line of a syntax error.
func (d *blockDecoder) decodeEvent(data []byte, b block) (*goical.Component, error) {
	buf := append(d.scratch[:0], "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"...)
	buf, _ = appendEventLines(buf, data, b, nil)
	buf = append(buf, "END:VEVENT\r\nEND:VCALENDAR\r\n"...)
	d.scratch = buf
	cal, err := d.decodeCalendar(buf)
	return d.component(cal, err, data, b)
}

// vevent is a decoded VEVENT: go-ical's component plus the memoised properties, kept apart
// so the component's property map stays small.
type vevent struct {
	c     *goical.Component
	extra []*goical.Prop
}

// get returns the first property with the (upper-case) name.
func (v vevent) get(name string) *goical.Prop {
	if l := v.c.Props[name]; len(l) > 0 {
		return &l[0]
	}
	for _, p := range v.extra {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// all returns every property with the (upper-case) name, in feed order.
func (v vevent) all(name string) []*goical.Prop {
	var out []*goical.Prop
	for i := range v.c.Props[name] {
		out = append(out, &v.c.Props[name][i])
	}
	for _, p := range v.extra {
		if p.Name == name {
			out = append(out, p)
		}
	}
	return out
}

// decodeEvents decodes a batch of VEVENTs with one go-ical call, adding the memoised lines.
func (d *blockDecoder) decodeEvents(data []byte, blocks []block) ([]vevent, error) {
	buf := append(d.scratch[:0], calBegin...)
	d.extra = d.extra[:0]
	starts := make([]int, len(blocks)+1)
	for i, b := range blocks {
		starts[i] = len(d.extra)
		buf = append(buf, "BEGIN:VEVENT\r\n"...)
		var err error
		buf, err = appendEventLines(buf, data, b, func(ll logicalLine) error {
			p, err := d.cachedProp(data, ll)
			d.extra = append(d.extra, p)
			return err
		})
		if err != nil {
			return nil, err
		}
		buf = append(buf, "END:VEVENT\r\n"...)
	}
	starts[len(blocks)] = len(d.extra)
	buf = append(buf, "END:VCALENDAR\r\n"...)
	d.scratch = buf
	cal, err := d.decodeCalendar(buf)
	if err != nil || len(cal.Children) != len(blocks) {
		for _, b := range blocks {
			if _, err := d.decodeEvent(data, b); err != nil {
				return nil, err
			}
		}
		return nil, fmt.Errorf("VEVENTs from line %d: %v: %w", blocks[0].line, err, ErrMalformed)
	}
	out := make([]vevent, len(blocks))
	for i, c := range cal.Children {
		out[i] = vevent{c: c, extra: d.extra[starts[i]:starts[i+1]:starts[i+1]]}
	}
	return out, nil
}

// cachedProp returns go-ical's decoding of one content line, from the memo when the same line
// was seen before.
func (d *blockDecoder) cachedProp(data []byte, ll logicalLine) (*goical.Prop, error) {
	line := data[ll.start:ll.end]
	if p, ok := d.cache[string(line)]; ok {
		return p, nil
	}
	cal, err := d.decodeCalendar(calBegin, line, calEnd)
	if err == nil && len(cal.Props) != 1 {
		err = fmt.Errorf("unexpected property structure")
	}
	if err != nil {
		return nil, fmt.Errorf("line %d (property %s): %v: %w", ll.line, propName(line), err, ErrMalformed)
	}
	var p *goical.Prop
	for _, props := range cal.Props {
		p = &props[0]
	}
	if d.cache == nil {
		d.cache = make(map[string]*goical.Prop)
	}
	if len(d.cache) < maxCachedLines {
		d.cache[string(line)] = p
	}
	return p, nil
}

// locate re-decodes the lines of a failed span one by one to name the first bad line.
func (d *blockDecoder) locate(data []byte, start, end, line int, blockErr error) error {
	sc := lineScanner{data: data[:end], pos: start, line: line}
	for {
		ll, ok := sc.next()
		if !ok {
			break
		}
		if ll.start == ll.end {
			continue
		}
		if _, _, isBE := ll.beginEnd(data); isBE {
			continue
		}
		if _, err := d.decodeCalendar(calBegin, data[ll.start:ll.end], calEnd); err != nil {
			return fmt.Errorf("line %d (property %s): %v: %w", ll.line, propName(data[ll.start:ll.end]), err, ErrMalformed)
		}
	}
	return fmt.Errorf("component %s at line %d: %v: %w", preview(data[start:min(end, start+40)]), line, blockErr, ErrMalformed)
}

func propName(b []byte) string {
	if i := bytes.IndexAny(b, ";:"); i >= 0 {
		b = b[:i]
	}
	return preview(b)
}

// readCalendar reads one VCALENDAR: its properties, its VTIMEZONEs (all of them first, since
// a VEVENT may precede the VTIMEZONE it uses), then its VEVENTs.
func (p *parser) readCalendar(data []byte, rc rawCal) error {
	cal, err := p.dec.decodeCalendar(calBegin, rc.props, calEnd)
	if err != nil {
		return p.dec.locate(rc.props, 0, len(rc.props), rc.line+1, err)
	}
	cx := &calContext{floating: p.site, res: newResolver()}
	if m := cal.Props.Get("METHOD"); m != nil {
		cx.method = strings.ToUpper(strings.TrimSpace(m.Value))
	}
	if pr := cal.Props.Get("PRODID"); pr != nil {
		p.prodids = append(p.prodids, pr.Value)
		if p.dialect == "" && len(p.events) == 0 {
			p.dialect, p.dialectNote = dialectFromProdID(pr.Value)
		}
	}
	for _, b := range rc.children {
		if b.name != "VTIMEZONE" {
			continue
		}
		comp, err := p.dec.decodeBlock(data, b)
		if err != nil {
			return err
		}
		tzid, z, err := buildVTimezone(comp)
		if err != nil {
			p.warn.add("", fmt.Sprintf("VTIMEZONE at line %d ignored: %v", b.line, err))
			continue
		}
		cx.res.inFile[tzid] = z
	}
	if x := cal.Props.Get("X-WR-TIMEZONE"); x != nil {
		name := strings.TrimSpace(unescapeText(x.Value))
		if z, err := cx.res.resolve(name); err != nil {
			p.warn.add("", fmt.Sprintf("X-WR-TIMEZONE %q ignored (%v); floating times use the site time zone %s", name, err, p.site.name))
		} else {
			cx.floating = z
			p.notes = append(p.notes, fmt.Sprintf("floating times and all-day dates read in the feed's X-WR-TIMEZONE %q", name))
		}
	}
	var events []block
	for _, b := range rc.children {
		if b.name == "VEVENT" {
			events = append(events, b)
		}
	}
	for len(events) > 0 {
		n := min(len(events), eventBatch)
		comps, err := p.dec.decodeEvents(data, events[:n])
		if err != nil {
			return err
		}
		for i, v := range comps {
			p.readEvent(v, events[i].line, cx)
		}
		events = events[n:]
	}
	return nil
}

// param returns a parameter's value; go-ical splits unquoted values on commas, which are
// joined again (an unquoted `CN=Doe, Jane` or TZID with commas stays whole).
func param(pr *goical.Prop, name string) string {
	return strings.Join(pr.Params[name], ",")
}

// readTime parses a DATE or DATE-TIME property value. def is the zone of a floating value.
func readTime(text, valueType, tzid string, cx *calContext, def *zone) (tval, error) {
	wall, kind, err := parseTimeText(text, valueType)
	if err != nil {
		return tval{}, err
	}
	switch kind {
	case kindUTC:
		return tval{wall: wall, kind: kindUTC}, nil
	case kindDate:
		return tval{wall: wall, kind: kindDate, zone: cx.floating}, nil
	}
	if strings.TrimSpace(tzid) == "" {
		return tval{wall: wall, kind: kindLocal, zone: def, floating: true}, nil
	}
	z, err := cx.res.resolve(tzid)
	if err != nil {
		return tval{}, err
	}
	return tval{wall: wall, kind: kindLocal, zone: z}, nil
}

func readTimeProp(pr *goical.Prop, cx *calContext, def *zone) (tval, error) {
	return readTime(pr.Value, strings.ToUpper(param(pr, "VALUE")), param(pr, "TZID"), cx, def)
}

// readEvent turns one decoded VEVENT into an event, or skips it with a warning.
func (p *parser) readEvent(c vevent, line int, cx *calContext) {
	uid := ""
	if u := c.get("UID"); u != nil {
		uid = strings.TrimSpace(unescapeText(u.Value))
	}
	skip := func(reason string) {
		p.warn.add(uid, fmt.Sprintf("%s (VEVENT at line %d); event skipped", reason, line))
	}
	if uid == "" {
		skip("event has no UID")
		return
	}
	ev := &event{uid: uid, line: int32(line), order: int32(len(p.events)), status: booking.StatusConfirmed}
	if s := c.get("SEQUENCE"); s != nil {
		seq, _ := strconv.Atoi(strings.TrimSpace(s.Value))
		ev.seq = int32(seq)
	}
	if s := c.get("DTSTAMP"); s != nil {
		if w, k, err := parseTimeText(s.Value, ""); err == nil && k == kindUTC {
			ev.stamp = w
		}
	}
	if s := c.get("STATUS"); s != nil {
		switch st := strings.ToUpper(strings.TrimSpace(s.Value)); st {
		case "", "CONFIRMED":
		case "TENTATIVE":
			ev.status = booking.StatusTentative
		case "CANCELLED", "CANCELED":
			ev.status = booking.StatusCancelled
		default:
			// Not confirmed, not cancelled: let the access policy for tentative bookings decide.
			ev.status = booking.StatusTentative
			p.warn.add(uid, fmt.Sprintf("unknown STATUS %q treated as TENTATIVE (VEVENT at line %d)", st, line))
		}
	}
	if cx.method == "CANCEL" {
		ev.status = booking.StatusCancelled
	}

	ds := c.get("DTSTART")
	if ds == nil {
		skip("event has no DTSTART")
		return
	}
	start, err := readTimeProp(ds, cx, cx.floating)
	if err != nil {
		skip(fmt.Sprintf("DTSTART: %v", err))
		return
	}
	ev.start, ev.startI = start, start.instant()

	switch de, du := c.get("DTEND"), c.get("DURATION"); {
	case de != nil: // RFC 5545 forbids DTEND with DURATION; DTEND wins if both appear
		end, err := readTimeProp(de, cx, cx.floating)
		if err != nil {
			skip(fmt.Sprintf("DTEND: %v", err))
			return
		}
		endI := end.instant()
		if endI.Before(ev.startI) {
			skip(fmt.Sprintf("DTEND %s is before DTSTART %s", endI.Format(time.RFC3339), ev.startI.Format(time.RFC3339)))
			return
		}
		if start.kind == kindDate && end.kind == kindDate {
			ev.span = span{days: int(end.wall.Sub(start.wall) / (24 * time.Hour))}
		} else {
			ev.span = span{exact: endI.Sub(ev.startI)}
		}
		ev.hasSpan = true
	case du != nil:
		sp, err := parseDuration(du.Value)
		if err != nil {
			skip(fmt.Sprintf("DURATION: %v", err))
			return
		}
		ev.span, ev.hasSpan = sp, true
	case start.kind == kindDate:
		ev.span = span{days: 1} // RFC 5545 §3.6.1: a DATE start without end lasts one day
	}
	if ev.span.approx() > p.opts.MaxDuration {
		skip(fmt.Sprintf("event lasts %s, longer than the limit of %s", ev.span.approx(), p.opts.MaxDuration))
		return
	}
	ev.endI = endAt(ev.start, ev.startI, ev.span)

	// Recurrence. Floating EXDATE/RDATE values belong to the series' zone.
	def := start.zone
	for _, rp := range c.all("RRULE") {
		rs, err := parseRRule(rp.Value)
		if err == nil {
			err = rs.prepare(start)
		}
		if err != nil {
			skip(fmt.Sprintf("RRULE: %v", err))
			return
		}
		ev.recur().rules = append(ev.recur().rules, rs)
	}
	for _, rp := range c.all("RDATE") {
		vt := strings.ToUpper(param(rp, "VALUE"))
		for _, item := range strings.Split(rp.Value, ",") {
			rd, err := readRDate(item, vt, param(rp, "TZID"), cx, def)
			if err != nil {
				skip(fmt.Sprintf("RDATE: %v", err))
				return
			}
			ev.recur().rdates = append(ev.recur().rdates, rd)
		}
	}
	for _, rp := range c.all("EXDATE") {
		vt := strings.ToUpper(param(rp, "VALUE"))
		for _, item := range strings.Split(rp.Value, ",") {
			v, err := readTime(item, vt, param(rp, "TZID"), cx, def)
			if err != nil {
				skip(fmt.Sprintf("EXDATE: %v", err))
				return
			}
			ev.recur().exdates = append(ev.recur().exdates, v)
		}
	}
	if rp := c.get("RECURRENCE-ID"); rp != nil {
		v, err := readTimeProp(rp, cx, cx.floating)
		if err != nil {
			skip(fmt.Sprintf("RECURRENCE-ID: %v", err))
			return
		}
		ev.ov = &override{rid: v, future: strings.EqualFold(param(rp, "RANGE"), "THISANDFUTURE")}
	}

	raw := rawParties{
		attendees: c.all("ATTENDEE"),
		organizer: c.get("ORGANIZER"),
		resources: c.all("RESOURCES"),
		location:  c.get("LOCATION"),
	}
	if p.dialect != "" {
		p.applyDialect(p.dialect, ev, &raw)
	} else {
		ev.raw = &raw
	}
	p.events = append(p.events, ev)
}

func readRDate(item, vt, tzid string, cx *calContext, def *zone) (rdate, error) {
	startText, endText, isPeriod := strings.Cut(item, "/")
	if vt == "PERIOD" && !isPeriod {
		return rdate{}, fmt.Errorf("%q is not a period", item)
	}
	if isPeriod {
		vt = ""
	}
	v, err := readTime(startText, vt, tzid, cx, def)
	if err != nil {
		return rdate{}, err
	}
	rd := rdate{v: v}
	if !isPeriod {
		return rd, nil
	}
	rd.period = true
	if e := strings.TrimSpace(endText); strings.HasPrefix(e, "P") || strings.HasPrefix(e, "+P") || strings.HasPrefix(e, "-P") {
		rd.dur, err = parseDuration(e)
	} else {
		rd.end, err = readTime(e, "", tzid, cx, def)
		rd.hasEnd = true
		if err == nil && rd.end.instant().Before(v.instant()) {
			err = fmt.Errorf("period %q ends before it starts", item)
		}
	}
	return rd, err
}

// finish applies the dialect, resolves duplicate UIDs and groups overrides with their
// series.
func (p *parser) finish() *Calendar {
	cal := &Calendar{name: p.opts.Name, events: len(p.events), maxOcc: p.opts.MaxOccurrences}
	if p.dialect == "" {
		p.dialect, p.dialectNote = detectDialect(p.prodids, p.events)
		for _, ev := range p.events {
			p.applyDialect(p.dialect, ev, ev.raw)
			ev.raw = nil
		}
	}
	cal.notes = append([]string{p.dialectNote}, p.notes...)
	p.group(cal)
	slices.SortFunc(cal.singles, func(a, b *event) int {
		if c := a.startI.Compare(b.startI); c != 0 {
			return c
		}
		if c := strings.Compare(a.uid, b.uid); c != 0 {
			return c
		}
		return a.recID().Compare(b.recID())
	})
	cal.warnings = p.warn
	return cal
}

// newer reports whether a supersedes b: higher SEQUENCE, then later DTSTAMP, then later in
// the feed (RFC 5545 §3.8.7.4; the last tie-break is ours).
func newer(a, b *event) bool {
	if a.seq != b.seq {
		return a.seq > b.seq
	}
	if !a.stamp.Equal(b.stamp) {
		return a.stamp.After(b.stamp)
	}
	return a.order > b.order
}

type uidGroup struct {
	first *event
	more  []*event
}

func (p *parser) group(cal *Calendar) {
	index := make(map[string]int, len(p.events))
	groups := make([]uidGroup, 0, len(p.events))
	for _, ev := range p.events {
		if i, ok := index[ev.uid]; ok {
			groups[i].more = append(groups[i].more, ev)
			continue
		}
		index[ev.uid] = len(groups)
		groups = append(groups, uidGroup{first: ev})
	}
	p.events = nil
	for _, gr := range groups {
		if gr.more == nil && gr.first.ov == nil {
			// The common case: a UID seen once, without RECURRENCE-ID.
			if gr.first.recurring() {
				cal.series = append(cal.series, newSeries(gr.first, nil))
			} else {
				cal.singles = append(cal.singles, gr.first)
			}
			continue
		}
		var g struct{ masters, overrides []*event }
		for _, ev := range append([]*event{gr.first}, gr.more...) {
			if ev.ov != nil {
				g.overrides = append(g.overrides, ev)
			} else {
				g.masters = append(g.masters, ev)
			}
		}
		master := p.pickLatest(g.masters)
		// A floating RECURRENCE-ID names a wall time of the series' zone.
		for _, ov := range g.overrides {
			if ov.ov.rid.floating && master != nil {
				ov.ov.rid.zone = master.start.zone
			}
			ov.ov.ridI = ov.ov.rid.instant()
			if !ov.hasSpan && master != nil {
				ov.span = master.span
				ov.endI = endAt(ov.start, ov.startI, ov.span)
			}
		}
		overrides := p.dedupeOverrides(g.overrides)
		if master != nil && master.recurring() {
			cal.series = append(cal.series, newSeries(master, overrides))
			continue
		}
		if master != nil {
			replaced := false
			for _, ov := range overrides {
				if ov.ov.ridI.Equal(master.startI) {
					replaced = true
				}
			}
			if !replaced {
				cal.singles = append(cal.singles, master)
			}
		}
		for _, ov := range overrides {
			ov.ov.recID = ov.ov.ridI
			cal.singles = append(cal.singles, ov)
		}
	}
}

func (p *parser) pickLatest(evs []*event) *event {
	var best *event
	for _, ev := range evs {
		if best == nil || newer(ev, best) {
			best = ev
		}
	}
	for _, ev := range evs {
		// A copy with a lower SEQUENCE or older DTSTAMP is a superseded version (an update or
		// METHOD:CANCEL after the original): normal. Only an undecidable tie is reported.
		if ev != best && ev.seq == best.seq && ev.stamp.Equal(best.stamp) {
			p.warn.add(ev.uid, fmt.Sprintf("VEVENT at line %d ignored: same UID, SEQUENCE and DTSTAMP as the one at line %d, which comes later and is used", ev.line, best.line))
		}
	}
	return best
}

func ridKey(ev *event) string {
	if ev.ov.rid.kind == kindDate {
		return "D" + ev.ov.rid.dateKey()
	}
	return "T" + strconv.FormatInt(ev.ov.ridI.Unix(), 10)
}

func (p *parser) dedupeOverrides(ovs []*event) []*event {
	if len(ovs) < 2 {
		return ovs
	}
	byKey := make(map[string][]*event)
	var keys []string
	for _, ov := range ovs {
		k := ridKey(ov)
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], ov)
	}
	out := make([]*event, 0, len(keys))
	for _, k := range keys {
		out = append(out, p.pickLatest(byKey[k]))
	}
	return out
}

// warnings collects booking.Warnings up to maxWarnings, counting the rest.
type warnings struct {
	source  string
	list    []booking.Warning
	dropped int
}

func (w *warnings) add(uid, reason string) {
	if len(w.list) >= maxWarnings {
		w.dropped++
		return
	}
	w.list = append(w.list, booking.Warning{Source: w.source, UID: uid, Reason: reason})
}

func (w warnings) result() []booking.Warning {
	out := append([]booking.Warning(nil), w.list...)
	if w.dropped > 0 {
		out = append(out, booking.Warning{Source: w.source, Reason: fmt.Sprintf("%d more warnings not shown", w.dropped)})
	}
	return out
}
