package ical

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	goical "github.com/emersion/go-ical"
)

// propDecoder turns content lines into go-ical properties. go-ical stays the parser of record
// for content-line syntax: every property name and parameter list is decoded by go-ical. Its
// decoder reads a line from left to right and stops at the colon that ends the parameters;
// nothing after that colon influences the name or the parameters, and the rest of the line is
// the value, as it is. So once go-ical has decoded a line's prefix up to and including that
// colon (`DTSTART;TZID=UTC+02:`), every line with the same prefix decodes to the same name and
// parameters and the rest of the line as value: the prefix is decoded once and remembered.
// Whole lines that repeat across events (the same ATTENDEE, RESOURCES, DTSTAMP or STATUS in
// thousands of events) are remembered as sharedLines, shared between events and workers.
// Such a line with parameters is decoded by its template: go-ical decodes its prefix with
// each parameter value replaced by a marker, once for every line of that shape (see template).
//
// A line whose prefix we cannot find, or which go-ical rejects or panics on (index out of
// range on `DTSTART;TZID="X:2020…`, an explicit panic on `CN="a"x:`), is decoded whole by
// go-ical, and its error is the line's error.
type propDecoder struct {
	br     *bufio.Reader
	prefix map[string]*goical.Prop
	// templates are the templates of prefixes with parameters (nil: go-ical rejects it),
	// and spans and key the decoder's room for a line's values and its template's key.
	templates map[string]*template
	spans     []valueSpan
	key       []byte
	// params and values are the parameters of the last line decoded by template for reuse.
	params goical.Params
	values []string
	lines  map[string]*sharedLine
	held   int          // bytes of the lines in lines
	common *commonLines // the workers' common memo, if any
	// scratch holds the properties of the event's unique lines (UID, DTSTART...), reused
	// from event to event: such a property is valid only until nextEvent.
	scratch []goical.Prop
	used    int
	last    [numProps]struct {
		line []byte
		sl   *sharedLine
	}
	// recent are the last prefixes shape found, compared before the memo is hashed: an
	// event's unique lines have a few prefixes (UID:, DTSTART;TZID=...:), the same from
	// event to event.
	recent     [4]recentShape
	nextRecent int
}

// maxCachedLines bounds each memo of decoded lines and prefixes, and maxCachedBytes the
// bytes of the lines a memo of shared lines holds: lines that never repeat (RDATE lists of a
// thousand dates each) must not fill memory with copies of themselves.
const (
	maxCachedLines = 50_000
	maxCachedBytes = 8 << 20
)

// roomFor reports whether a memo holding n lines of held bytes may take one of size bytes.
func roomFor(n, held, size int) bool {
	return n < maxCachedLines && held+size <= maxCachedBytes
}

func newPropDecoder() *propDecoder {
	return &propDecoder{
		br:        bufio.NewReaderSize(nil, 4096),
		prefix:    make(map[string]*goical.Prop),
		templates: make(map[string]*template),
		params:    make(goical.Params),
		lines:     make(map[string]*sharedLine),
	}
}

var (
	calBegin = []byte("BEGIN:VCALENDAR\r\n")
	calEnd   = []byte("\r\nEND:VCALENDAR\r\n")
)

// decodeCalendar runs go-ical on the concatenated parts, turning its panics into errors.
func (d *propDecoder) decodeCalendar(parts ...[]byte) (cal *goical.Calendar, err error) {
	defer func() {
		if r := recover(); r != nil {
			cal, err = nil, fmt.Errorf("the iCal decoder failed: %v", r)
		}
	}()
	d.br.Reset(multiReader(parts))
	return goical.NewDecoder(d.br).Decode()
}

// multiReader is io.MultiReader over byte slices without the per-call allocations.
type sliceReader struct {
	parts [][]byte
}

func multiReader(parts [][]byte) *sliceReader { return &sliceReader{parts: parts} }

func (s *sliceReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && len(s.parts) > 0 {
		c := copy(p[n:], s.parts[0])
		n += c
		if s.parts[0] = s.parts[0][c:]; len(s.parts[0]) == 0 {
			s.parts = s.parts[1:]
		}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// decodeWhole decodes one content line with go-ical alone.
func (d *propDecoder) decodeWhole(line []byte) (*goical.Prop, error) {
	cal, err := d.decodeCalendar(calBegin, line, calEnd)
	if err == nil && len(cal.Props) != 1 {
		err = fmt.Errorf("not one property")
	}
	if err != nil {
		return nil, err
	}
	for _, props := range cal.Props {
		if len(props) == 1 {
			p := props[0]
			return &p, nil
		}
	}
	return nil, fmt.Errorf("not one property")
}

// shared returns the sharedLine of a line that repeats across events: from this worker's
// memo, else from the parse's common memo, else decoded and remembered there. A line whose
// prefix is its property's bare name (`ATTENDEE:`) is decoded by the prefix memo; one with
// parameters by its template (decodeByTemplate), as such prefixes are mostly as unique as
// the lines (a CN per person would fill the prefix memo, and go-ical takes about 12 µs a
// line with a CN). Either way, lines that never repeat (a million distinct attendees) cost
// no go-ical decode each.
func (d *propDecoder) shared(id propID, line []byte) (*sharedLine, error) {
	if sl, ok := d.lines[string(line)]; ok {
		return sl, nil
	}
	var sl *sharedLine
	if d.common != nil {
		sl = d.common.get(line) // another worker may have decoded it, or this one before
	}
	repeats := sl != nil || d.common == nil
	if sl == nil {
		var p goical.Prop
		var err error
		if k := prefixEnd(line); k > 0 && bytes.IndexByte(line[:k], ';') < 0 {
			p, err = d.decodeLine(line) // a bare name: one prefix per property
		} else if tp, ok := d.decodeByTemplate(line, id.readOnce()); ok {
			p = tp
		} else {
			var wp *goical.Prop
			if wp, err = d.decodeWhole(line); err == nil {
				p = *wp
			}
		}
		if err != nil {
			return nil, err
		}
		if (id == propAttendee || id == propOrganizer) && cnMisread(&p) {
			if fixed := repairCN(line); fixed != nil {
				if rp, err := d.decodeWhole(fixed); err == nil {
					p = *rp
				}
			}
		}
		sl = newSharedLine(id, &p)
		if d.common != nil {
			sl = d.common.put(line, sl)
		}
	}
	// A line joins this worker's memo when it is met again: the lines of a feed that never
	// repeat (an attendee per booking) are held once, in the common memo.
	if repeats && roomFor(len(d.lines), d.held, len(line)) {
		d.lines[string(line)] = sl
		d.held += len(line)
	}
	return sl, nil
}

// A template is go-ical's decoding of a line's prefix with every parameter value replaced by
// a marker of its own (`ATTENDEE;CN=Ann Lee;ROLE=CHAIR:` → `ATTENDEE;CN=#0;ROLE=#1:`): the
// property's name, its parameters' names as go-ical spells them, and where each value of the
// line goes. go-ical decides a prefix's structure by its delimiters alone and keeps a value's
// text as it is: an unquoted value runs to the next , ; or : and may hold no ", a quoted one
// runs to the next ". lexPrefix finds the values by those same rules, so a line decodes to
// its template with each marker replaced by the value it stands for, exactly as go-ical
// decodes the line itself; and as the values' text plays no part, every line of a template
// (the ATTENDEE lines of a thousand persons) shares one go-ical decode. The test
// TestTemplatesDecodeAsGoICal compares the two on random and hostile lines.
type template struct {
	name string
	// names are the parameters' names, and each has the values first[i] to first[i+1] of a
	// line's values in go-ical's order; at[j] is where the line's j-th value goes in it.
	names []string
	first []int
	at    []int
}

// maxTemplateValues bounds the values of a prefix decoded by template; a longer list (a
// thousand DELEGATED-TO addresses) is decoded by go-ical whole.
const maxTemplateValues = 64

// decodeByTemplate decodes a content line by its template (see template); ok is false when
// the line has no prefix go-ical decodes alone or go-ical rejects its template: the caller
// then decodes it with go-ical whole. With reuse, the parameters are valid only until the
// next call: they are read at once (readOnce) and not made anew for every distinct person.
func (d *propDecoder) decodeByTemplate(line []byte, reuse bool) (goical.Prop, bool) {
	d.spans = d.spans[:0]
	k := lexPrefix(line, &d.spans)
	spans := d.spans
	if k == 0 || len(spans) > maxTemplateValues {
		return goical.Prop{}, false
	}
	key := d.templateKey(line[:k], spans)
	t, seen := d.templates[string(key)]
	if !seen {
		t = d.makeTemplate(key, len(spans))
		if len(d.templates) < maxCachedLines {
			d.templates[string(key)] = t
		}
	}
	if t == nil {
		return goical.Prop{}, false
	}
	text := string(line) // one allocation for the values and the property's value
	var values []string
	var params goical.Params
	if reuse {
		values, params = slices.Grow(d.values[:0], len(spans))[:len(spans)], d.params
		clear(params)
		d.values = values
	} else {
		values, params = make([]string, len(spans)), make(goical.Params, len(t.names))
	}
	for j, sp := range spans {
		values[t.at[j]] = text[sp.start:sp.end]
	}
	for i, name := range t.names {
		params[name] = values[t.first[i]:t.first[i+1]:t.first[i+1]]
	}
	return goical.Prop{Name: t.name, Params: params, Value: text[k:]}, true
}

// templateKey writes the prefix with its values replaced by markers (#0, #1...), quotes kept.
func (d *propDecoder) templateKey(prefix []byte, spans []valueSpan) []byte {
	key, from := d.key[:0], 0
	for j, sp := range spans {
		key = append(key, prefix[from:sp.start]...)
		key = append(key, '#')
		key = strconv.AppendInt(key, int64(j), 10)
		from = sp.end
	}
	d.key = append(key, prefix[from:]...)
	return d.key
}

// makeTemplate decodes a template key with go-ical; nil when go-ical rejects it, or when its
// values are not the n markers, each once (then the line is decoded whole).
func (d *propDecoder) makeTemplate(key []byte, n int) *template {
	p, err := d.decodeWhole(key)
	if err != nil || p.Value != "" {
		return nil
	}
	t := &template{name: p.Name, at: make([]int, n)}
	for j := range t.at {
		t.at[j] = -1
	}
	names := make([]string, 0, len(p.Params))
	for name := range p.Params {
		names = append(names, name)
	}
	slices.Sort(names) // any fixed order will do; sorted keeps the template deterministic
	found := 0
	for _, name := range names {
		t.names = append(t.names, name)
		t.first = append(t.first, found)
		for _, v := range p.Params[name] {
			// v must be a marker ("#j", as templateKey writes it) of the line, not seen yet.
			j, err := strconv.Atoi(strings.TrimPrefix(v, "#"))
			if err != nil || v != "#"+strconv.Itoa(j) || j < 0 || j >= n || t.at[j] >= 0 {
				return nil
			}
			t.at[j] = found
			found++
		}
	}
	if found != n {
		return nil
	}
	t.first = append(t.first, found)
	return t
}

// commonLines is the memo of shared lines that the workers of one parse have in common,
// behind each worker's own: a distinct line is decoded by go-ical about once per parse, not
// once per worker. It is consulted only when a worker's memo misses.
type commonLines struct {
	mu    sync.Mutex
	lines map[string]*sharedLine
	held  int // bytes of the lines in lines
}

func newCommonLines() *commonLines {
	return &commonLines{lines: make(map[string]*sharedLine)}
}

func (c *commonLines) get(line []byte) *sharedLine {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lines[string(line)]
}

// put remembers sl for the line unless another worker was first, and returns the one kept.
func (c *commonLines) put(line []byte, sl *sharedLine) *sharedLine {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q, ok := c.lines[string(line)]; ok {
		return q
	}
	if roomFor(len(c.lines), c.held, len(line)) {
		c.lines[string(line)] = sl
		c.held += len(line)
	}
	return sl
}

// nextEvent ends the event whose lines were decoded: the properties of its unique lines
// are reused.
func (d *propDecoder) nextEvent() { d.used = 0 }

// decodeAs returns go-ical's decoding of a content line of property id. A line of a property
// that repeats across events (id.cached(): ATTENDEE, RESOURCES, DTSTAMP...) comes with its
// sharedLine, decoded once per parse and never to be modified; its property is &sl.prop, and
// one equal to the last line of its property (the same DTSTAMP in event after event) is found
// without hashing it. The property of a unique line (UID, DTSTART...) comes without one and is
// valid only until nextEvent.
func (d *propDecoder) decodeAs(id propID, line []byte) (*goical.Prop, *sharedLine, error) {
	if !id.cached() {
		p, err := d.decodeUnique(line)
		return p, nil, err
	}
	last := &d.last[id]
	if last.sl != nil && bytes.Equal(last.line, line) {
		return &last.sl.prop, last.sl, nil
	}
	sl, err := d.shared(id, line)
	if err != nil {
		return nil, nil, err
	}
	last.line, last.sl = append(last.line[:0], line...), sl
	return &sl.prop, sl, nil
}

// decodeUnique decodes a line unique to its event (UID, DTSTART, DTEND, RECURRENCE-ID) with
// the prefix memo, into a property reused after nextEvent.
func (d *propDecoder) decodeUnique(line []byte) (*goical.Prop, error) {
	pr, err := d.decodeLine(line)
	if err != nil {
		return nil, err
	}
	if d.used == len(d.scratch) {
		d.scratch = append(d.scratch, goical.Prop{})
		d.scratch = d.scratch[:cap(d.scratch)]
	}
	p := &d.scratch[d.used]
	d.used++
	*p = pr
	return p, nil
}

// decodeTransient decodes a line with the prefix memo into the parameters and the value of
// a property the caller reads at once and drops (an RDATE or EXDATE list): the value is the
// line's own bytes, valid as long as the line.
func (d *propDecoder) decodeTransient(line []byte) (goical.Params, []byte, error) {
	if shape, k := d.shape(line); shape != nil {
		return shape.Params, line[k:], nil
	}
	p, err := d.decodeWhole(line)
	if err != nil {
		return nil, nil, err
	}
	return p.Params, []byte(p.Value), nil
}

// decodeComponent decodes one component as the scan keeps a VTIMEZONE (its unfolded lines,
// BEGIN to END, CRLF-separated) into what go-ical's decoder would make of it: every content
// line is decoded with the prefix memo, as the lines of events are (go-ical decodes every name
// and parameter list), and the nesting is followed here, with go-ical's rules (an END must
// close the component open, whatever its case). It spares a feed of thousands of VTIMEZONEs
// a go-ical decoder, and the maps of parameters of each line, per zone.
func (d *propDecoder) decodeComponent(data []byte) (comp *goical.Component, err error) {
	defer func() {
		if r := recover(); r != nil {
			comp, err = nil, fmt.Errorf("the iCal decoder failed: %v", r)
		}
	}()
	var open []*goical.Component
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			continue
		}
		if comp != nil {
			return nil, fmt.Errorf("ical: malformed component: content after its END")
		}
		if line[0] == ' ' || line[0] == '\t' {
			// A fold after an empty line (go-ical would fold it into the line before).
			return nil, fmt.Errorf("%s is not a content line", preview(line))
		}
		// BEGIN and END lines are read as the scan reads them (a line of its own would not
		// decode inside the VCALENDAR decodeWhole wraps it in).
		var p goical.Prop
		if kw, value, ok := beginEnd(line); ok {
			p = goical.Prop{Name: kw, Value: string(value)}
		} else if p, err = d.decodeLine(line); err != nil {
			return nil, err
		}
		switch p.Name {
		case "BEGIN":
			open = append(open, &goical.Component{Name: strings.ToUpper(p.Value), Props: make(goical.Props)})
		case "END":
			if len(open) == 0 {
				return nil, fmt.Errorf("ical: malformed component: expected BEGIN property, got %q", p.Name)
			}
			c := open[len(open)-1]
			if !strings.EqualFold(p.Value, c.Name) {
				return nil, fmt.Errorf("ical: malformed component: expected END property for %q, got %q", c.Name, p.Value)
			}
			if open = open[:len(open)-1]; len(open) == 0 {
				comp = c
			} else {
				parent := open[len(open)-1]
				parent.Children = append(parent.Children, c)
			}
		default:
			if len(open) == 0 {
				return nil, fmt.Errorf("ical: malformed component: expected BEGIN property, got %q", p.Name)
			}
			props := open[len(open)-1].Props
			props[p.Name] = append(props[p.Name], p)
		}
	}
	if comp == nil {
		return nil, io.ErrUnexpectedEOF
	}
	return comp, nil
}

// decodeLine decodes one content line with the prefix memo, else with go-ical whole.
func (d *propDecoder) decodeLine(line []byte) (goical.Prop, error) {
	if shape, k := d.shape(line); shape != nil {
		return goical.Prop{Name: shape.Name, Params: shape.Params, Value: string(line[k:])}, nil
	}
	p, err := d.decodeWhole(line)
	if err != nil {
		return goical.Prop{}, err
	}
	return *p, nil
}

// shape returns go-ical's decoding of the line's name and parameters, remembered per prefix,
// and the length of that prefix; nil when the line has no prefix go-ical decodes alone.
func (d *propDecoder) shape(line []byte) (*goical.Prop, int) {
	k := prefixEnd(line)
	if k == 0 {
		return nil, 0
	}
	for i := range d.recent {
		if r := &d.recent[i]; r.shape != nil && bytes.Equal(r.prefix, line[:k]) {
			return r.shape, k
		}
	}
	shape, ok := d.prefix[string(line[:k])]
	if !ok {
		if s, err := d.decodeWhole(line[:k]); err == nil && s.Value == "" {
			shape = s
			if len(d.prefix) < maxCachedLines {
				d.prefix[string(line[:k])] = s
			}
		}
	}
	if shape == nil {
		return nil, 0
	}
	r := &d.recent[d.nextRecent]
	d.nextRecent = (d.nextRecent + 1) % len(d.recent)
	r.prefix, r.shape = append(r.prefix[:0], line[:k]...), shape
	return shape, k
}

// recentShape is a prefix shape found lately, with its prefix.
type recentShape struct {
	prefix []byte
	shape  *goical.Prop
}

// prefixEnd returns the length of the line's name and parameters including the colon that
// ends them, scanning as go-ical does (quoted parameter values may hold ; , and :), or 0 when
// the line has no such colon.
func prefixEnd(line []byte) int {
	return lexPrefix(line, nil)
}

// valueSpan is where a parameter value's text lies in its line: [start, end), without the
// quotes of a quoted value.
type valueSpan struct{ start, end int }

// lexPrefix is prefixEnd, and with spans (non-nil) it also appends where each parameter
// value lies to *spans, in line order. It follows go-ical's decoder: the name runs to the
// first ; or :; a parameter's name to the next =; a quoted value to the next ", after which
// must come , ; or :; an unquoted value to the next , ; or :, and holds no ". Anything else
// (which go-ical rejects or panics on) gives 0.
func lexPrefix(line []byte, spans *[]valueSpan) int {
	i := 0
	for i < len(line) && line[i] != ';' && line[i] != ':' {
		i++
	}
	if i == 0 || i == len(line) {
		return 0
	}
	for i < len(line) {
		switch line[i] {
		case ':':
			return i + 1
		case ';', ',':
			i++
			// A parameter name up to '=', then values.
			if line[i-1] == ';' {
				j := bytes.IndexByte(line[i:], '=')
				if j <= 0 {
					return 0
				}
				i += j + 1
			}
			if i < len(line) && line[i] == '"' {
				j := bytes.IndexByte(line[i+1:], '"')
				if j < 0 {
					return 0
				}
				if spans != nil {
					*spans = append(*spans, valueSpan{i + 1, i + 1 + j})
				}
				i += j + 2
				continue
			}
			start := i
			for i < len(line) && line[i] != ';' && line[i] != ',' && line[i] != ':' {
				if line[i] == '"' {
					return 0
				}
				i++
			}
			if spans != nil {
				*spans = append(*spans, valueSpan{start, i})
			}
		default:
			return 0
		}
	}
	return 0
}

// cnMisread reports whether a person line that decoded still shows an unquoted CN holding a
// ';' or ':' that go-ical, which is lax, read as something else: a parameter whose name is no
// RFC 5545 token (`CN=Smith; John;ROLE=…` gives CN "Smith" and a parameter " JOHN;ROLE"), or
// a value that is not the calendar address but text before it (`CN=Smith: John:mailto:…` gives
// the value "John:mailto:…", and the booker would be lost).
func cnMisread(pr *goical.Prop) bool {
	if pr == nil || pr.Params.Get(goical.ParamCommonName) == "" {
		return false
	}
	for name := range pr.Params {
		if !isToken(name) {
			return true
		}
	}
	v := pr.Value
	return len(v) > 7 && !strings.EqualFold(v[:7], "mailto:") && indexFold(v, ":mailto:") > 0
}

// isToken reports whether s is a parameter name as repairCN reads one: an RFC 5545
// iana-token or x-name (letters, digits and '-'), or such a name with '_', which some
// producers write in their X- names.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return false
		}
	}
	return s != ""
}

func isTokenByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// indexFold is the index of the first ASCII-case-insensitive match of sub (ASCII) in s, or -1.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// quoteTZID rewrites a date-time line (DTSTART, DTEND, RECURRENCE-ID, RDATE, EXDATE) whose
// unquoted TZID holds a ':' with that TZID quoted. Google Calendar has written
// `DTSTART;TZID=GMT+05:30:20120904T020000` (libical's parser says so, and reads it so); read
// by the RFC, the TZID is GMT+05 and the value 30:20120904T020000, and the booking would be
// skipped. As libical does, an unquoted TZID runs to the next ';' or to the line's last
// colon: no date-time, date, period or list of them holds a colon. It returns nil when there
// is nothing to repair (one colon, a quoted TZID, no TZID before the first colon, nothing
// after the last colon).
func quoteTZID(line []byte) []byte {
	first, last := bytes.IndexByte(line, ':'), bytes.LastIndexByte(line, ':')
	if first == last || last == len(line)-1 {
		return nil
	}
	i := indexFold(string(line[:first]), ";TZID=")
	if i < 0 {
		return nil
	}
	start := i + len(";TZID=")
	if start < len(line) && line[start] == '"' {
		return nil
	}
	end := last
	if j := bytes.IndexByte(line[start:last], ';'); j >= 0 {
		end = start + j
	}
	if end <= first {
		return nil // the first colon is not the TZID's
	}
	out := make([]byte, 0, len(line)+2)
	out = append(out, line[:start]...)
	out = append(out, '"')
	out = append(out, line[start:end]...)
	out = append(out, '"')
	return append(out, line[end:]...)
}

// repairCN rewrites an ATTENDEE or ORGANIZER line whose unquoted CN holds a ';' or ':' (Booked
// writes `ORGANIZER;CN=Doe; Jane:MAILTO:…`) with that CN quoted, so go-ical can decode it.
// The CN runs to the next `;NAME=` parameter or to the colon before the calendar address
// (`mailto:`, else the last colon). It returns nil when there is nothing to repair.
func repairCN(line []byte) []byte {
	text := string(line)
	i := indexFold(text, ";CN=")
	if i < 0 {
		return nil
	}
	start := i + len(";CN=")
	if start < len(line) && line[start] == '"' {
		return nil
	}
	valueColon := indexFold(text[start:], ":MAILTO:")
	if valueColon < 0 {
		valueColon = bytes.LastIndexByte(line[start:], ':')
	}
	if valueColon < 0 {
		return nil
	}
	end := start + valueColon
	for j := start; j < end; j++ {
		if line[j] != ';' {
			continue
		}
		k := j + 1
		for k < end && isTokenByte(line[k]) {
			k++
		}
		if k > j+1 && k < end && line[k] == '=' {
			end = j
			break
		}
	}
	cn := strings.ReplaceAll(string(line[start:end]), `"`, "'")
	out := make([]byte, 0, len(line)+2)
	out = append(out, line[:start]...)
	out = append(out, '"')
	out = append(out, cn...)
	out = append(out, '"')
	return append(out, line[end:]...)
}
