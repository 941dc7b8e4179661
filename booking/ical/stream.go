package ical

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	goical "github.com/emersion/go-ical"
)

// How a feed is read: one pass over its logical lines (lineReader) follows the component
// structure and keeps, of each VEVENT, only the lines of the properties bookings are made of
// (eventProps), in batches; of each VTIMEZONE its lines; of each VCALENDAR its METHOD, PRODID
// and X-WR-TIMEZONE. Nothing else is kept, so memory follows the bookings, not the bytes.
// When a VCALENDAR ends (its VTIMEZONEs and properties may follow its events), its batches
// are decoded and read on every core, and the results joined in feed order.
//
// What costs one event, with a warning naming the feed, the line, the UID when known and the
// reason: a content line go-ical rejects or panics on, a line without a colon (a raw line
// break inside a value), an over-long line of a property we read, a mistyped or missing END.
// What fails the whole feed (ErrMalformed, ErrTooLarge): input that is not iCalendar, empty or
// truncated (a component never closed at the end of the input), nested absurdly deep, a
// METHOD line that cannot be read (it decides what every event means), or too large.

// eventBatch is how many VEVENTs make one unit of parallel work.
const eventBatch = 256

// maxVTimezoneBytes bounds the lines kept of one VTIMEZONE.
const maxVTimezoneBytes = 1 << 20

// eventProps are the VEVENT properties bookings are made of. Only these lines are decoded
// (DESCRIPTION, SUMMARY, VALARMs... are skipped): a malformed line in a property we never read
// cannot cost the event. Properties marked propCached repeat across events and are remembered
// whole once decoded (see propDecoder).
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

// lineUse classifies a content line of a VEVENT by its property name (eventProps, without
// a map lookup: this runs for every line of every event).
func lineUse(line []byte) propUse {
	i := bytes.IndexAny(line, ";:")
	if i < 3 || i > 13 {
		return propSkip
	}
	var upper [13]byte
	for j := 0; j < i; j++ {
		c := line[j]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		upper[j] = c
	}
	name := upper[:i]
	switch name[0] {
	case 'U', 'D', 'R', 'E', 'S', 'A', 'O', 'L':
		return eventProps[string(name)]
	}
	return propSkip
}

// calendarProps are the VCALENDAR properties we read.
var calendarProps = map[string]bool{"METHOD": true, "PRODID": true, "X-WR-TIMEZONE": true}

type rawLine struct {
	off, n int32
	line   int32
	use    propUse
}

// rawEvent is one VEVENT as read: its kept lines in the batch, or why it is broken.
type rawEvent struct {
	line       int
	index      int
	first, n   int
	broken     string
	brokenLine int
}

type batch struct {
	data   []byte
	lines  []rawLine
	events []rawEvent
}

type rawProp struct {
	line int
	text []byte
}

type rawVTimezone struct {
	line   int
	data   []byte
	broken string
}

// rawCalendar is one VCALENDAR as read.
type rawCalendar struct {
	line    int
	props   []rawProp
	vtzs    []rawVTimezone
	batches []*batch
	notes   []string // calendar-level warnings, in feed order
}

// scanner follows the component structure of the feed.
type scanner struct {
	p        *parser
	stack    []string
	cal      *rawCalendar
	cur      *batch
	ev       *rawEvent
	vtz      *rawVTimezone
	events   int
	cals     int
	trailing int
	// dataHint and linesHint size the next batch.
	dataHint, linesHint int
}

// beginEnd reports whether the line is a BEGIN or END line, with its (upper-case) name and
// its value.
func beginEnd(text []byte) (name string, value []byte, ok bool) {
	if len(text) < 4 {
		return "", nil, false
	}
	c := text[0] | 0x20
	if c != 'b' && c != 'e' {
		return "", nil, false
	}
	i := bytes.IndexAny(text, ";:")
	if i < 0 {
		return "", nil, false
	}
	switch {
	case i == 5 && bytes.EqualFold(text[:5], []byte("BEGIN")):
		name = "BEGIN"
	case i == 3 && bytes.EqualFold(text[:3], []byte("END")):
		name = "END"
	default:
		return "", nil, false
	}
	j := bytes.IndexByte(text, ':')
	if j < 0 {
		return "", nil, false
	}
	return name, text[j+1:], true
}

func (s *scanner) line(ll logical) error {
	text := ll.text
	kw, value, isBE := beginEnd(text)
	if ll.tooLong {
		isBE = false
	}
	depth := len(s.stack)
	if depth == 0 {
		if isBE && kw == "BEGIN" && bytes.EqualFold(value, []byte("VCALENDAR")) {
			s.stack = append(s.stack, "VCALENDAR")
			s.cals++
			s.cal = &rawCalendar{line: ll.line}
			return nil
		}
		if s.cals == 0 {
			return fmt.Errorf("line %d: expected BEGIN:VCALENDAR, got %s: %w", ll.line, preview(text), ErrMalformed)
		}
		s.trailing++
		return nil
	}
	if s.vtz != nil && s.vtz.broken == "" {
		if len(s.vtz.data)+len(text) > maxVTimezoneBytes || ll.tooLong {
			s.vtz.broken = fmt.Sprintf("larger than %d bytes", maxVTimezoneBytes)
			s.vtz.data = nil
		} else {
			s.vtz.data = append(append(s.vtz.data, text...), '\r', '\n')
		}
	}
	switch {
	case isBE && kw == "BEGIN":
		if depth >= maxDepth {
			return fmt.Errorf("line %d: components nested more than %d deep: %w", ll.line, maxDepth, ErrMalformed)
		}
		name := strings.ToUpper(string(value))
		s.stack = append(s.stack, name)
		if depth == 1 {
			switch name {
			case "VEVENT":
				s.beginEvent(ll.line)
			case "VTIMEZONE":
				s.vtz = &rawVTimezone{line: ll.line, data: append([]byte(nil), text...)}
				s.vtz.data = append(s.vtz.data, '\r', '\n')
			}
		}
		return nil
	case isBE && kw == "END":
		return s.end(ll, value)
	}
	switch {
	case depth == 1:
		i := bytes.IndexAny(text, ";:")
		if bytes.IndexByte(text, ':') < 0 || i <= 0 {
			s.cal.notes = append(s.cal.notes, fmt.Sprintf("line %d ignored: %s is not a content line (no colon)", ll.line, preview(text)))
			return nil
		}
		if calendarProps[strings.ToUpper(string(text[:i]))] {
			if ll.tooLong {
				s.cal.notes = append(s.cal.notes, fmt.Sprintf("line %d (property %s) ignored: longer than %d bytes", ll.line, propName(text), maxLine))
				return nil
			}
			s.cal.props = append(s.cal.props, rawProp{line: ll.line, text: bytes.Clone(text)})
		}
	case depth == 2 && s.ev != nil:
		if bytes.IndexByte(text, ':') < 0 {
			s.breakEvent(ll.line, fmt.Sprintf("line %d: %s is not a content line (no colon; a line break inside a value?)", ll.line, preview(text)))
			return nil
		}
		use := lineUse(text)
		if use == propSkip {
			return nil
		}
		if ll.tooLong {
			s.breakEvent(ll.line, fmt.Sprintf("line %d (property %s): longer than %d bytes", ll.line, propName(text), maxLine))
			return nil
		}
		b := s.cur
		b.lines = append(b.lines, rawLine{off: int32(len(b.data)), n: int32(len(text)), line: int32(ll.line), use: use})
		b.data = append(b.data, text...)
	}
	return nil
}

// skipLine reports, from the start of a line that holds its name and a colon, that the
// line is not read: a property nobody uses, inside a VEVENT, a VCALENDAR or another component.
func (s *scanner) skipLine(head []byte) bool {
	if s.vtz != nil || len(s.stack) == 0 {
		return false
	}
	if _, _, isBE := beginEnd(head); isBE {
		return false
	}
	switch {
	case s.ev != nil && len(s.stack) == 2:
		return lineUse(head) == propSkip
	case s.ev != nil:
		return true
	case len(s.stack) == 1:
		return !calendarProps[strings.ToUpper(propNameString(head))]
	}
	return true
}

func (s *scanner) beginEvent(line int) {
	if s.cur == nil {
		// Sized like the previous batch, so filling it does not copy.
		s.cur = &batch{data: make([]byte, 0, s.dataHint), lines: make([]rawLine, 0, s.linesHint), events: make([]rawEvent, 0, eventBatch)}
	}
	s.ev = &rawEvent{line: line, index: s.events, first: len(s.cur.lines)}
	s.events++
}

func (s *scanner) breakEvent(line int, reason string) {
	if s.ev != nil && s.ev.broken == "" {
		s.ev.broken, s.ev.brokenLine = reason, line
	}
}

// end handles an END line. A mismatched END costs the component it breaks, not the feed:
// END:X closes the innermost open X (the components left open inside it are broken), and an
// END naming no open component (a typo such as END:VEVNT) closes the innermost component,
// which is broken.
func (s *scanner) end(ll logical, value []byte) error {
	top := len(s.stack) - 1
	if bytes.EqualFold(value, []byte(s.stack[top])) {
		s.pop()
		return nil
	}
	for k := top - 1; k >= 0; k-- {
		if bytes.EqualFold(value, []byte(s.stack[k])) {
			for len(s.stack) > k+1 {
				if len(s.stack) == 2 {
					s.breakComponent(ll.line, fmt.Sprintf("BEGIN:%s is never closed (END:%s at line %d)", s.stack[1], s.stack[k], ll.line))
				}
				s.pop()
			}
			s.pop()
			return nil
		}
	}
	if top == 0 {
		s.cal.notes = append(s.cal.notes, fmt.Sprintf("line %d ignored: END:%s closes no open component", ll.line, preview(value)))
		return nil
	}
	s.breakComponent(ll.line, fmt.Sprintf("line %d: END:%s does not close BEGIN:%s", ll.line, preview(value), s.stack[top]))
	s.pop()
	return nil
}

// breakComponent marks the open top-level component (an event or a VTIMEZONE) broken.
func (s *scanner) breakComponent(line int, reason string) {
	if s.ev != nil {
		s.breakEvent(line, reason)
	}
	if s.vtz != nil && s.vtz.broken == "" {
		s.vtz.broken = reason
	}
}

func (s *scanner) pop() {
	s.stack = s.stack[:len(s.stack)-1]
	switch len(s.stack) {
	case 1:
		if s.ev != nil {
			s.ev.n = len(s.cur.lines) - s.ev.first
			s.cur.events = append(s.cur.events, *s.ev)
			s.ev = nil
			if len(s.cur.events) == eventBatch {
				s.dataHint, s.linesHint = len(s.cur.data)+len(s.cur.data)/8, len(s.cur.lines)+len(s.cur.lines)/8
				s.cal.batches = append(s.cal.batches, s.cur)
				s.cur = nil
			}
		}
		if s.vtz != nil {
			s.cal.vtzs = append(s.cal.vtzs, *s.vtz)
			s.vtz = nil
		}
	case 0:
		if s.cur != nil && len(s.cur.events) > 0 {
			s.cal.batches = append(s.cal.batches, s.cur)
		}
		s.cur = nil
		s.p.pending = append(s.p.pending, s.cal)
		s.cal = nil
	}
}

// readCalendar reads one VCALENDAR: its properties, its VTIMEZONEs, then its VEVENTs on
// every core.
func (p *parser) readCalendar(rc *rawCalendar) error {
	for _, n := range rc.notes {
		p.warn.add("", n)
	}
	cx := &calContext{floating: p.site, res: newResolver()}
	var prodid, xwr *goical.Prop
	for _, rp := range rc.props {
		pr, err := p.dec.decodeWhole(rp.text)
		if err != nil {
			if strings.EqualFold(propNameString(rp.text), "METHOD") {
				// METHOD decides what every event of the calendar means (CANCEL): guessing is
				// not an option.
				return fmt.Errorf("line %d (property METHOD): %v: %w", rp.line, err, ErrMalformed)
			}
			p.warn.add("", fmt.Sprintf("line %d (property %s) ignored: %v", rp.line, propName(rp.text), err))
			continue
		}
		switch {
		case pr.Name == "METHOD" && cx.method == "":
			cx.method = strings.ToUpper(strings.TrimSpace(pr.Value))
		case pr.Name == "PRODID" && prodid == nil:
			prodid = pr
		case pr.Name == "X-WR-TIMEZONE" && xwr == nil:
			xwr = pr
		}
	}
	if prodid != nil {
		p.prodids = append(p.prodids, prodid.Value)
		if p.dialect == "" && len(p.events) == 0 {
			p.dialect, p.dialectNote = dialectFromProdID(prodid.Value)
		}
	}
	for _, v := range rc.vtzs {
		if v.broken != "" {
			p.warn.add("", fmt.Sprintf("VTIMEZONE at line %d ignored: %s", v.line, v.broken))
			continue
		}
		cal, err := p.dec.decodeCalendar(calBegin, v.data, calEnd)
		if err == nil && len(cal.Children) != 1 {
			err = fmt.Errorf("unexpected component structure")
		}
		if err != nil {
			p.warn.add("", fmt.Sprintf("VTIMEZONE at line %d ignored: %v", v.line, err))
			continue
		}
		tzid, z, err := buildVTimezone(cal.Children[0])
		if err != nil {
			p.warn.add("", fmt.Sprintf("VTIMEZONE at line %d ignored: %v", v.line, err))
			continue
		}
		cx.res.inFile[tzid] = z
	}
	if xwr != nil {
		name := strings.TrimSpace(unescapeText(xwr.Value))
		if z, err := cx.res.resolve(name); err != nil {
			p.warn.add("", fmt.Sprintf("X-WR-TIMEZONE %q ignored (%v); floating times use the site time zone %s", name, err, p.site.name))
		} else {
			cx.floating = z
			p.notes = append(p.notes, fmt.Sprintf("floating times and all-day dates read in the feed's X-WR-TIMEZONE %q", name))
		}
	}
	p.readBatches(rc.batches, cx)
	rc.batches = nil
	return nil
}

// readBatches reads the events of the batches on every core and joins them in feed order.
func (p *parser) readBatches(batches []*batch, cx *calContext) {
	if len(batches) == 0 {
		return
	}
	results := make([]*eventReader, len(batches))
	workers := min(runtime.GOMAXPROCS(0), len(batches))
	for len(p.workers) < workers {
		p.workers = append(p.workers, p.newWorker())
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		er := p.workers[w]
		er.cx = &calContext{method: cx.method, floating: cx.floating, res: cx.res.clone()}
		er.dialect = p.dialect
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(batches) {
					return
				}
				out := &eventReader{}
				er.events, er.warn = nil, warnings{source: p.warn.source}
				er.readBatch(batches[i])
				out.events, out.warn = er.events, er.warn
				results[i] = out
				batches[i] = nil
			}
		})
	}
	wg.Wait()
	for _, r := range results {
		p.events = append(p.events, r.events...)
		for _, w := range r.warn.list {
			p.warn.add(w.UID, w.Reason)
		}
		p.warn.dropped += r.warn.dropped
	}
}

func (p *parser) newWorker() *eventReader {
	return &eventReader{
		opts:    p.opts,
		dec:     newPropDecoder(),
		intern:  make(map[string]string),
		persons: make(map[personKey]*personEntry),
		resOf:   make(map[*goical.Prop][]string),
	}
}

// clone returns a resolver sharing the calendar's VTIMEZONEs with a cache of its own.
func (r *resolver) clone() *resolver {
	return &resolver{inFile: r.inFile, cache: make(map[string]resolved)}
}

// readBatch decodes and reads the events of one batch.
func (er *eventReader) readBatch(b *batch) {
	for i := range b.events {
		re := &b.events[i]
		er.props = er.props[:0]
		uid, reason := "", re.broken
		for _, rl := range b.lines[re.first : re.first+re.n] {
			text := b.data[rl.off : rl.off+rl.n]
			pr, err := er.dec.decode(text, rl.use == propCached)
			if err != nil {
				if name := propNameString(text); strings.EqualFold(name, "ATTENDEE") || strings.EqualFold(name, "ORGANIZER") {
					// Booked writes CN unquoted, `;` and `:` included: read it leniently.
					if fixed := repairCN(text); fixed != nil {
						if pr2, err2 := er.dec.decodeWhole(fixed); err2 == nil {
							pr, err = pr2, nil
						}
					}
				}
			}
			if err != nil {
				if reason == "" {
					reason = fmt.Sprintf("line %d (property %s): %v", rl.line, propName(text), err)
				}
				continue
			}
			if uid == "" && pr.Name == "UID" {
				uid = strings.TrimSpace(unescapeText(pr.Value))
			}
			er.props = append(er.props, pr)
		}
		if reason != "" {
			er.warn.add(uid, fmt.Sprintf("%s (VEVENT at line %d); event skipped", reason, re.line))
			continue
		}
		er.readEvent(vevent{props: er.props}, re.line, re.index, er.cx)
	}
}

func propNameString(b []byte) string {
	if i := bytes.IndexAny(b, ";:"); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func propName(b []byte) string {
	if i := bytes.IndexAny(b, ";:"); i >= 0 {
		b = b[:i]
	}
	return preview(b)
}

// vevent is a decoded VEVENT: the properties bookings are made of, in feed order.
type vevent struct {
	props []*goical.Prop
}

// get returns the first property with the (upper-case) name.
func (v vevent) get(name string) *goical.Prop {
	for _, p := range v.props {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// all returns every property with the (upper-case) name, in feed order.
func (v vevent) all(name string) []*goical.Prop {
	var out []*goical.Prop
	for _, p := range v.props {
		if p.Name == name {
			out = append(out, p)
		}
	}
	return out
}
