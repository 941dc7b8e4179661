package ical

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"runtime"
	"slices"
	"strings"

	goical "github.com/emersion/go-ical"

	"github.com/net2booking/net2booking/internal/arena"
)

// How a feed is read. One pass over the feed (the scan, in the caller's goroutine) follows
// only the component structure: the logical lines of VCALENDARs and VTIMEZONEs, and the lines
// that may be BEGIN or END. Of each VEVENT it copies the body as it is (copyBody: whole runs
// of physical lines, line endings and folds included, nested components as empty lines so
// line numbers stay the feed's) into a batch (in chunks once it passes batchBytes, so that a
// huge event is never moved to grow: eventBytes); of each VTIMEZONE its lines (built into a
// zone zoneBatch at a time as they come, on every core, after which the text of a zone in
// compact form goes); of each VCALENDAR its METHOD, PRODID and X-WR-TIMEZONE. Nothing else is
// kept.
//
// A full batch goes at once to a pool of workers (one per core), which split the bodies into
// logical lines (bodyLines), classify them by name (lineUse), decode the properties bookings
// are made of (propDecoder) and read the events, in the calendar's context (METHOD, PRODID,
// X-WR-TIMEZONE, VTIMEZONEs) as known when the batch was handed out, while the scan goes on.
// Feeds put that context before their events (RFC 5545 puts calendar properties first, and
// every producer we know writes its VTIMEZONEs first), but a VTIMEZONE may legally follow the
// events: when the calendar ends, a batch read in an older context than the final one is read
// again (a late change). When the input can be read again (a []byte, a file, an HTTP feed
// that Feed fetches again), a batch's bytes are dropped as soon as it is read and its buffers
// reused, so memory holds a few batches, not the feed, and a late change starts the parse
// again in the keeping mode; a stream given to ParseReader that cannot be read again keeps
// every batch until its calendar ends. Results are joined in feed order, so the answer does
// not depend on the number of cores.
//
// What costs one event, with a warning naming the feed, the line, the UID when known and the
// reason: a content line go-ical rejects or panics on, a line without a colon (a raw line
// break inside a value), an over-long line of a property we read, a mistyped or missing END.
// A mistyped END of the calendar itself on the feed's last line costs nothing: it is read as
// END:VCALENDAR, with a warning (closeOnStrayEnd).
// What fails the whole feed (ErrMalformed, ErrTooLarge): input that is not iCalendar, empty or
// truncated (a component never closed at the end of the input), nested absurdly deep, a
// METHOD line that cannot be read (it decides what every event means), or too large.

// A unit of parallel work is eventBatch VEVENTs, or fewer whose bodies reach batchBytes:
// memory holds a few batches whatever the events carry. A recycled batch whose buffer grew
// past maxReusedBatch (one huge event) is left to the collector.
const (
	eventBatch     = 256
	batchBytes     = 1 << 20
	maxReusedBatch = 4 * batchBytes
)

// zoneBatch is the number of VTIMEZONEs the scan builds at a time, on every core (parts):
// a feed may define 100,000 of them, whose texts would all be held until the first batch
// of events is handed out.
const zoneBatch = 1 << 13

// maxVTimezoneBytes bounds the lines kept of one VTIMEZONE.
const maxVTimezoneBytes = 1 << 20

// propID names the VEVENT properties bookings are made of; every other one (DESCRIPTION,
// SUMMARY, X-...) is propSkip and never decoded, so a malformed line in a property we never
// read cannot cost the event.
type propID uint8

const (
	propSkip propID = iota
	// Decoded by prefix: unique to each event (RDATE and EXDATE lists too: a series may
	// carry thousands of lines of them, and remembering them would only hold them twice).
	propUID
	propDTSTART
	propDTEND
	propRecurrenceID
	propRDate
	propEXDate
	// Remembered whole once decoded: they repeat across events (see propDecoder).
	propDuration
	propRRule
	propEXRule
	propSequence
	propDTStamp
	propStatus
	propAttendee
	propOrganizer
	propResources
	propLocation
	numProps
)

// cached says the property's lines repeat across events.
func (id propID) cached() bool { return id >= propDuration }

// readOnce reports whether a shared line's parameters are read once, into its sharedLine's
// person (newSharedLine), and never again: an ATTENDEE's or ORGANIZER's.
func (id propID) readOnce() bool { return id == propAttendee || id == propOrganizer }

// lineUse tells from a content line's name which property it is. This runs for every line
// of every event: a switch, no map.
func lineUse(line []byte) propID {
	var upper [13]byte
	i := 0
	for ; i < len(line) && line[i] != ';' && line[i] != ':'; i++ {
		if i == len(upper) {
			return propSkip
		}
		c := line[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		upper[i] = c
	}
	switch string(upper[:i]) {
	case "UID":
		return propUID
	case "DTSTART":
		return propDTSTART
	case "DTEND":
		return propDTEND
	case "RECURRENCE-ID":
		return propRecurrenceID
	case "DURATION":
		return propDuration
	case "RRULE":
		return propRRule
	case "EXRULE":
		return propEXRule
	case "RDATE":
		return propRDate
	case "EXDATE":
		return propEXDate
	case "SEQUENCE":
		return propSequence
	case "DTSTAMP":
		return propDTStamp
	case "STATUS":
		return propStatus
	case "ATTENDEE":
		return propAttendee
	case "ORGANIZER":
		return propOrganizer
	case "RESOURCES":
		return propResources
	case "LOCATION":
		return propLocation
	}
	return propSkip
}

// calendarProps are the VCALENDAR properties we read.
var calendarProps = map[string]bool{"METHOD": true, "PRODID": true, "X-WR-TIMEZONE": true}

// maxCalendarProps bounds the calendar properties kept of one VCALENDAR: the first of each
// name that decodes is the one read (buildSetup), and 500,000 X-WR-TIMEZONE lines were
// 500,000 copies (a 15 MB feed peaked at 128 MB).
const maxCalendarProps = 64

// rawEvent is one VEVENT as read: its body (the physical lines between BEGIN and END, less
// nested components) in the batch's data, numbered from dataLine, and what the scan found
// broken in it.
type rawEvent struct {
	line       int
	index      int
	dataLine   int
	off, n     int
	broken     string
	brokenLine int
}

type batch struct {
	data   eventBytes
	events []rawEvent
}

type rawProp struct {
	line int
	text []byte
}

type rawVTimezone struct {
	line    int
	data    []byte // nil once built, unless its zone needs it
	broken  string
	built   builtZone // once isBuilt (buildZones)
	isBuilt bool
}

// rawCalendar is one VCALENDAR as read.
type rawCalendar struct {
	line  int
	props []rawProp
	vtzs  []rawVTimezone
	// gen counts the properties and VTIMEZONEs kept: the context they make is that of gen.
	gen int
	// unbuilt is the index of the first of vtzs not built yet: the scan builds them
	// zoneBatch at a time.
	unbuilt int
	// setup is the context as of setup.gen, built when the first batch was handed out.
	setup *calSetup
	// jobs are the batches handed to the workers, in feed order; batches those kept for the
	// end of the calendar, after them (the last one, or every one after a late change).
	jobs    []*job
	batches []*batch
	late    bool     // the context changed after batches were handed out
	notes   []string // calendar-level warnings, in feed order (at most maxWarnings: note)
	dropped int      // the notes past those
	// trimmed is how many of jobs trimWarnings has looked at, jobWarned how many warnings
	// those had.
	trimmed, jobWarned int
}

// note records a calendar-level warning, made by text only while fewer than maxWarnings are
// kept (the parse's warnings stop there anyway): past them only their number is, so that a
// million stray lines are not a million strings (100 MB for a 15 MB feed). It reports
// whether the warning was kept.
func (rc *rawCalendar) note(text func() string) bool {
	if len(rc.notes) >= maxWarnings {
		rc.dropped++
		return false
	}
	rc.notes = append(rc.notes, text())
	return true
}

// scanner follows the component structure of the feed.
type scanner struct {
	p        *parser
	stack    []string
	cal      *rawCalendar
	cur      *batch
	ev       rawEvent // the open event, when inEv
	inEv     bool
	vtz      *rawVTimezone
	vtzText  []byte            // the lines of the open VTIMEZONE
	texts    arena.Arena[byte] // the kept texts of VTIMEZONEs, textChunk to an allocation
	events   int
	cals     int
	trailing int
	// strayEnd is the line of an END that closed nothing, when only the VCALENDAR was open
	// and no line came after it yet; strayNote is the index of its note in cal.notes, and
	// strayName what it named.
	strayEnd, strayNote int
	strayName           string
	// dataHint sizes the next batch.
	dataHint int
}

// calendarComponents are the components RFC 5545 puts in a VCALENDAR and nowhere else: one
// of them met inside another says the other's END is missing.
var calendarComponents = map[string]bool{"VEVENT": true, "VTODO": true, "VJOURNAL": true, "VFREEBUSY": true, "VTIMEZONE": true}

// beginEnd reports whether the line is a BEGIN or END line, with its (upper-case) name and
// its value. Spaces and tabs around the value are no part of it: a template's `END:VEVENT `
// (or a line of spaces after END:VEVENT, which unfolds into it) closes the event.
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
	return name, bytes.Trim(text[j+1:], " \t"), true
}

func (s *scanner) line(ll logical) error {
	text := ll.text
	s.strayEnd = 0
	kw, value, isBE := beginEnd(text)
	if ll.tooLong {
		isBE = false
	}
	depth := len(s.stack)
	if depth == 0 {
		if s.cals == 0 && !isBE && !ll.tooLong {
			// Indentation before the first BEGIN:VCALENDAR, which no fold can have made: a
			// template literal's (node-ical's fixture dst-transition-rules.ics).
			kw, value, isBE = beginEnd(bytes.TrimLeft(text, " \t"))
		}
		if isBE && kw == "BEGIN" && bytes.EqualFold(value, []byte("VCALENDAR")) {
			s.stack = append(s.stack, "VCALENDAR")
			s.cals++
			s.cal = &rawCalendar{line: ll.line}
			return nil
		}
		if s.cals == 0 {
			if len(bytes.Trim(text, " \t")) == 0 {
				return nil // spaces before the calendar (a script's output before its template's)
			}
			return fmt.Errorf("line %d: expected BEGIN:VCALENDAR, got %s: %w", ll.line, preview(text), ErrMalformed)
		}
		s.trailing++
		return nil
	}
	if s.vtz != nil && s.vtz.broken == "" {
		if len(s.vtzText)+len(text) > maxVTimezoneBytes || ll.tooLong {
			s.vtz.broken = fmt.Sprintf("larger than %d bytes", maxVTimezoneBytes)
			s.vtzText = s.vtzText[:0]
		} else {
			s.vtzText = append(append(s.vtzText, text...), '\r', '\n')
		}
	}
	switch {
	case isBE && kw == "BEGIN":
		if depth >= maxDepth {
			return fmt.Errorf("line %d: components nested more than %d deep: %w", ll.line, maxDepth, ErrMalformed)
		}
		name := "VEVENT" // nearly every BEGIN: without a string of its own
		if string(value) != name {
			name = strings.ToUpper(string(value))
		}
		if depth >= 2 && calendarComponents[name] && calendarComponents[s.stack[1]] {
			// A component only a VCALENDAR holds, inside one that cannot hold it: those open
			// lack their END (END:VEVENT forgotten). They are broken, and the BEGIN opens a
			// component of the calendar, so that the missing line costs one event, not every
			// event after it.
			s.breakComponent(ll.line, fmt.Sprintf("BEGIN:%s is never closed (BEGIN:%s at line %d)", s.stack[1], name, ll.line))
			for len(s.stack) > 1 {
				s.pop()
			}
			depth = 1
		}
		s.stack = append(s.stack, name)
		if depth == 1 {
			switch name {
			case "VEVENT":
				s.beginEvent(ll)
			case "VTIMEZONE":
				s.vtz = &rawVTimezone{line: ll.line}
				s.vtzText = append(append(s.vtzText[:0], text...), '\r', '\n')
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
			s.cal.note(func() string {
				return fmt.Sprintf("line %d ignored: %s is not a content line (no colon)", ll.line, preview(text))
			})
			return nil
		}
		if calendarProps[strings.ToUpper(string(text[:i]))] {
			if ll.tooLong {
				s.cal.note(func() string {
					return fmt.Sprintf("line %d (property %s) ignored: longer than %d bytes", ll.line, propName(text), maxLine)
				})
				return nil
			}
			if len(s.cal.props) == maxCalendarProps {
				s.cal.note(func() string {
					return fmt.Sprintf("line %d (property %s) ignored: %d METHOD, PRODID and X-WR-TIMEZONE lines are kept already (the first of each that reads is used)", ll.line, propName(text), maxCalendarProps)
				})
				return nil
			}
			s.cal.props = append(s.cal.props, rawProp{line: ll.line, text: bytes.Clone(text)})
			s.cal.gen++
		}
	case depth == 2 && s.inEv:
		// A line of the body that starts like BEGIN or END but is neither (EXDATE...): it goes
		// to the body unfolded (step ends it, and keeps the line numbers).
		if !ll.tooLong {
			s.cur.data.write(text...)
			s.cur.data.write('\r') // with step's \n, a CRLF: a CR of the text stays
		} else if lineUse(text) != propSkip {
			s.breakEvent(ll.line, fmt.Sprintf("line %d (property %s): longer than %d bytes", ll.line, propName(text), maxLine))
		}
	}
	return nil
}

// step reads the next logical line of the feed (with the body of a VEVENT before it, when it
// is in one) and follows it; ok is false at the end of the input.
func (s *scanner) step(lr *lineReader) (ok bool, err error) {
	body := s.inBody()
	if body {
		// The lines of a component inside the event are not kept.
		if err := lr.copyBody(&s.cur.data, len(s.stack) == 2); err != nil {
			return false, err
		}
	}
	ll, ok, err := lr.next()
	if err != nil || !ok {
		return false, err
	}
	started := s.events
	if len(ll.text) > 0 {
		err = s.line(ll)
	}
	if body && s.inEv && s.events == started {
		// A line of the body the scan took, still in the same event (an EXDATE copied above,
		// a nested component's BEGIN or END): it ends with a line feed for each of its
		// physical lines, so that the body's line numbers stay those of the feed.
		for range max(ll.after-ll.line, 1) {
			s.cur.data.write('\n')
		}
	}
	return err == nil, err
}

// inBody reports that the next lines are the body of a VEVENT (or of a component inside one),
// which copyBody reads.
func (s *scanner) inBody() bool {
	return s.inEv && s.vtz == nil && len(s.stack) >= 2
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
	case s.inEv && len(s.stack) == 2:
		return lineUse(head) == propSkip
	case s.inEv:
		return true
	case len(s.stack) == 1:
		return !calendarProps[strings.ToUpper(propNameString(head))]
	}
	return true
}

// textChunk is the size of the chunks the texts of VTIMEZONEs are kept in.
const textChunk = 64 << 10

// keepText copies the text of a VTIMEZONE into the kept texts, where it is never changed: a
// feed of thousands of zones holds them at their size in few allocations (grown line by
// line, each took a third more, and left its growth behind).
func (s *scanner) keepText(text []byte) []byte {
	s.texts.Chunk = textChunk
	return s.texts.Copy(text)
}

func (s *scanner) beginEvent(ll logical) {
	if s.cur == nil {
		select {
		case s.cur = <-s.p.free: // a batch the workers are done with
		default:
			// Sized like the previous batch, so filling it does not copy.
			s.cur = &batch{data: eventBytes{buf: make([]byte, 0, s.dataHint)}, events: make([]rawEvent, 0, eventBatch)}
		}
	}
	s.ev, s.inEv = rawEvent{line: ll.line, index: s.events, dataLine: ll.after, off: s.cur.data.size()}, true
	s.events++
}

func (s *scanner) breakEvent(line int, reason string) {
	if s.inEv && s.ev.broken == "" {
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
		s.strayEnd, s.strayNote, s.strayName = ll.line, len(s.cal.notes), preview(value)
		if !s.cal.note(func() string {
			return fmt.Sprintf("line %d ignored: END:%s closes no open component", ll.line, s.strayName)
		}) {
			s.strayNote = -1 // counted only
		}
		return nil
	}
	s.breakComponent(ll.line, fmt.Sprintf("line %d: END:%s does not close BEGIN:%s", ll.line, preview(value), s.stack[top]))
	s.pop()
	return nil
}

// closeOnStrayEnd closes the calendar when the input ends with only the VCALENDAR open and its
// last line is an END that closed nothing: the calendar's own END, mistyped
// (END:VCALENDARD). Its content is all there (a feed cut short ends inside an event, or
// in the middle of END:VCALENDAR, which is the same), so it costs no event, and the feed is
// read with a warning instead of failing as truncated.
func (s *scanner) closeOnStrayEnd() bool {
	if len(s.stack) != 1 || s.strayEnd == 0 {
		return false
	}
	if s.strayNote >= 0 {
		s.cal.notes[s.strayNote] = fmt.Sprintf("line %d: END:%s read as END:VCALENDAR (the feed's last line, with only the calendar open)", s.strayEnd, s.strayName)
	}
	s.pop()
	return true
}

// breakComponent marks the open top-level component (an event or a VTIMEZONE) broken.
func (s *scanner) breakComponent(line int, reason string) {
	if s.inEv {
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
		if s.inEv {
			size := s.cur.data.size()
			s.ev.n = size - s.ev.off
			s.cur.events = append(s.cur.events, s.ev)
			s.inEv = false
			if len(s.cur.events) == eventBatch || size >= batchBytes {
				s.dataHint = min(size+size/8, batchBytes+batchBytes/8)
				s.p.handOut(s.cal, s.cur)
				s.cur = nil
			}
		}
		if s.vtz != nil {
			if s.vtz.broken == "" {
				s.vtz.data = s.keepText(s.vtzText)
			}
			s.cal.vtzs = append(s.cal.vtzs, *s.vtz)
			s.cal.gen++
			s.vtz = nil
			if rc := s.cal; len(rc.vtzs)-rc.unbuilt >= zoneBatch {
				// Built as they come, so that their texts go (buildZones).
				s.p.buildZones(rc.vtzs[rc.unbuilt:])
				rc.unbuilt = len(rc.vtzs)
			}
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

// calSetup is the context the events of one VCALENDAR are read in, built from the
// calendar's properties and VTIMEZONEs as of gen, with what reading them had to say.
type calSetup struct {
	gen         int
	cx          *calContext
	dialect     Dialect
	fromProdID  bool // dialect and dialectNote come from this calendar's PRODID
	dialectNote string
	prodid      *goical.Prop
	warnings    []string
	notes       []string
	err         error // METHOD unreadable: the feed fails
}

// buildSetup builds the context of the calendar from what is kept of it so far. It changes
// nothing in the parser: the setup is applied (its warnings, notes and dialect) only when the
// calendar ends, by readCalendar.
func (p *parser) buildSetup(rc *rawCalendar) *calSetup {
	su := &calSetup{gen: rc.gen, dialect: p.dialect}
	cx := &calContext{floating: p.site, res: newResolver(&p.ianaMisses)}
	su.cx = cx
	var xwr *goical.Prop
	for _, rp := range rc.props {
		pr, err := p.dec.decodeWhole(rp.text)
		if err != nil {
			if strings.EqualFold(propNameString(rp.text), "METHOD") {
				// METHOD decides what every event of the calendar means (CANCEL): guessing is
				// not an option.
				su.err = fmt.Errorf("line %d (property METHOD): %v: %w", rp.line, err, ErrMalformed)
				return su
			}
			su.warnings = append(su.warnings, fmt.Sprintf("line %d (property %s) ignored: %v", rp.line, propName(rp.text), err))
			continue
		}
		switch {
		case pr.Name == "METHOD" && cx.method == "":
			cx.method = strings.ToUpper(strings.TrimSpace(pr.Value))
		case pr.Name == "PRODID" && su.prodid == nil:
			su.prodid = pr
		case pr.Name == "X-WR-TIMEZONE" && xwr == nil:
			xwr = pr
		}
	}
	if su.prodid != nil && p.dialect == "" && len(p.events) == 0 {
		su.dialect, su.dialectNote = dialectFromProdID(su.prodid.Value)
		su.fromProdID = true
	}
	p.buildZones(rc.vtzs)
	for _, v := range rc.vtzs {
		if v.broken != "" {
			su.warnings = append(su.warnings, fmt.Sprintf("VTIMEZONE at line %d ignored: %s", v.line, v.broken))
			continue
		}
		bz := &v.built
		if bz.broken != "" {
			su.warnings = append(su.warnings, fmt.Sprintf("VTIMEZONE at line %d ignored: %s", v.line, bz.broken))
			continue
		}
		cx.res.addInFile(bz.tzid, bz.z)
	}
	if xwr != nil {
		name := strings.TrimSpace(unescapeText(xwr.Value))
		if z, err := cx.res.resolve(name); err != nil {
			su.warnings = append(su.warnings, fmt.Sprintf("X-WR-TIMEZONE %q ignored (%v); floating times use the site time zone %s", name, err, p.site.name))
		} else {
			cx.floating = z
			su.notes = append(su.notes, fmt.Sprintf("floating times and all-day dates read in the feed's X-WR-TIMEZONE %q", name))
		}
	}
	return su
}

// maxCachedZones bounds the VTIMEZONE texts remembered: a feed repeats a few, and thousands
// of distinct ones are built one by one without holding their texts twice.
const maxCachedZones = 1024

// buildZones builds the zones of a calendar's VTIMEZONEs that are not built yet (none for a
// broken one), in parts on every core when there are many (a feed may define 100,000 zones
// and use a few, and each costs a go-ical decode and a check of its rules). A VTIMEZONE text
// is built once per parse; the text is dropped once built, unless its zone holds it.
func (p *parser) buildZones(vtzs []rawVTimezone) {
	if p.zones == nil {
		p.zones = map[string]builtZone{}
	}
	build := func(v *rawVTimezone, dec *propDecoder, memo map[string]builtZone) {
		if v.broken != "" || v.isBuilt {
			return
		}
		bz, ok := p.zones[string(v.data)] // read-only while parts build
		if !ok {
			bz = buildZone(dec, memo, v.data)
		}
		v.built, v.isBuilt = bz, true
		if bz.z == nil || bz.z.lazy == nil || bz.z.lazy.text == nil {
			v.data = nil
		}
	}
	n := parts(len(vtzs))
	if n == 1 {
		for i := range vtzs {
			build(&vtzs[i], p.dec, p.zones)
		}
		return
	}
	// Each part fills a memo of its own, added to the parse's after.
	memos := make([]map[string]builtZone, n)
	onParts(n, func(part int) {
		dec, memo := newPropDecoder(), map[string]builtZone{}
		for i := part * len(vtzs) / n; i < (part+1)*len(vtzs)/n; i++ {
			build(&vtzs[i], dec, memo)
		}
		memos[part] = memo
	})
	for _, memo := range memos {
		for text, bz := range memo {
			if len(p.zones) < maxCachedZones {
				p.zones[text] = bz
			}
		}
	}
}

// lazyZone is a rule-based zone built when first used, with what it is built from.
type lazyZone struct {
	zone
	lazy lazyRules
	obs  [2]compactObservance
}

// buildZone decodes a VTIMEZONE (its lines, BEGIN to END) with dec and builds its zone, once
// per distinct text in memo.
func buildZone(dec *propDecoder, memo map[string]builtZone, data []byte) builtZone {
	if bz, ok := memo[string(data)]; ok {
		return bz
	}
	var bz builtZone
	comp, err := dec.decodeComponent(data)
	if err == nil {
		bz.tzid, bz.z, err = buildVTimezone(comp)
	}
	if err != nil {
		bz = builtZone{broken: err.Error()}
	}
	if bz.z != nil && bz.z.kind == zoneRules {
		// Checked; its rules are built again when an event uses the zone, so that a feed
		// of thousands of zones holds their compact forms or texts, not their rules.
		// data is the calendar's own copy of the lines, never changed: kept, not copied.
		// One allocation holds the zone, its lazy rules and (most zones have two observances)
		// their compact form: a feed may define 100,000 zones.
		v := bz.z.vtz
		lz := &lazyZone{zone: zone{name: bz.z.name, kind: zoneRules}, lazy: lazyRules{initial: v.initial, earliest: v.earliest}}
		lz.zone.lazy = &lz.lazy
		if lz.lazy.compact = compactZone(lz.obs[:0], v); lz.lazy.compact == nil {
			lz.lazy.text = data
		}
		bz.z = &lz.zone
	}
	if len(memo) < maxCachedZones {
		memo[string(data)] = bz
	}
	return bz
}

// handOut gives a full batch to the workers, to be read in the calendar's context as known
// now. After a late change (a property or VTIMEZONE after batches were handed out), batches
// wait for the end of the calendar instead; a parse that can start again does so at once.
func (p *parser) handOut(rc *rawCalendar, b *batch) {
	if !rc.late {
		if rc.setup == nil {
			rc.setup = p.buildSetup(rc)
		}
		if rc.setup.gen == rc.gen {
			rc.jobs = append(rc.jobs, p.submit(b, rc.setup))
			p.trimWarnings(rc)
			return
		}
		rc.late = true
		p.restart = p.restartable
	}
	rc.batches = append(rc.batches, b)
}

// trimWarnings drops the texts of the warnings of read batches that can never be shown: once
// the batches before one have maxWarnings warnings, its own come after the last one kept (the
// calendar's notes, which go first, only push them further), so they are only counted. A
// million broken events so hold a thousand warnings, not a million (1.15 million in 56 MB
// peaked at 289 MB, now 127 MB).
// Only a parse that starts again on a late change does it: another reads old batches again,
// and their warnings may differ then.
func (p *parser) trimWarnings(rc *rawCalendar) {
	if !p.restartable {
		return
	}
	for ; rc.trimmed < len(rc.jobs); rc.trimmed++ {
		j := rc.jobs[rc.trimmed]
		select {
		case <-j.done:
		default:
			return
		}
		if rc.jobWarned >= maxWarnings {
			j.warn.dropped += len(j.warn.list)
			j.warn.list = nil
		}
		rc.jobWarned += len(j.warn.list) + j.warn.dropped
	}
}

// errRestart ends a parse that dropped lines it now needs: the context of a calendar changed
// after its events were read (a VTIMEZONE after the events). Parse and ParseReader then read
// the input again, keeping every batch until its calendar ends.
var errRestart = errors.New("the calendar's context changed after its events were read")

// readCalendar ends one VCALENDAR: its final context is applied, every batch read in an
// older one is read again, the batches kept for the end are read, and the results joined in
// feed order.
func (p *parser) readCalendar(rc *rawCalendar) error {
	for _, n := range rc.notes {
		p.warn.add("", n)
	}
	p.warn.dropped += rc.dropped
	su := rc.setup
	if su == nil || su.gen != rc.gen {
		su = p.buildSetup(rc)
	}
	if su.err != nil {
		return su.err
	}
	for _, w := range su.warnings {
		p.warn.add("", w)
	}
	p.notes = append(p.notes, su.notes...)
	if su.prodid != nil {
		p.prodids = append(p.prodids, su.prodid.Value)
	}
	if su.fromProdID {
		p.dialect, p.dialectNote = su.dialect, su.dialectNote
	}
	jobs := rc.jobs
	for i, j := range jobs {
		if j.setup.gen == su.gen {
			continue
		}
		// Read in an older context: read again, from the kept lines.
		<-j.done
		if j.b == nil {
			return errRestart
		}
		jobs[i] = p.submit(j.b, su)
	}
	for _, b := range rc.batches {
		jobs = append(jobs, p.submit(b, su))
	}
	rc.jobs, rc.batches = nil, nil
	n := 0
	for _, j := range jobs {
		<-j.done
		n += len(j.events)
	}
	p.events = slices.Grow(p.events, n) // once, not doubling over 100,000 events
	for _, j := range jobs {
		p.events = append(p.events, j.events...)
		for _, w := range j.warn.list {
			p.warn.add(w.UID, w.Reason)
		}
		p.warn.dropped += j.warn.dropped
	}
	return nil
}

// job is one batch read by a worker in one context.
type job struct {
	b      *batch // nil once read, when the lines are not kept
	setup  *calSetup
	events []*event
	warn   warnings
	done   chan struct{}
}

// submit queues the batch for the workers, starting them on first use. The queue is short,
// so a scan that runs ahead of the workers waits for them and memory holds a few batches.
func (p *parser) submit(b *batch, su *calSetup) *job {
	if p.jobs == nil {
		p.seed = maphash.MakeSeed()
		n := runtime.GOMAXPROCS(0)
		p.jobs = make(chan *job, 2*n)
		p.free = make(chan *batch, 2*n+2)
		for range n {
			er := p.newWorker()
			go er.work(p.jobs, p.free, p.restartable, p.warn.source)
		}
	}
	j := &job{b: b, setup: su, done: make(chan struct{})}
	p.jobs <- j
	return j
}

// work reads the queued batches until the queue is closed. When recycle is set, a batch's
// lines are not needed once read: its buffers go back to the scanner.
func (er *eventReader) work(jobs <-chan *job, free chan<- *batch, recycle bool, source string) {
	var cur *calSetup
	for j := range jobs {
		if j.setup != cur {
			cur = j.setup
			er.cx = &calContext{method: cur.cx.method, floating: cur.cx.floating, res: cur.cx.res.clone()}
			er.dialect = cur.dialect
		}
		er.events, er.warn = nil, warnings{source: source}
		er.readBatch(j.b)
		j.events, j.warn = er.events, er.warn
		if recycle {
			b := j.b
			j.b = nil
			reuse := cap(b.data.buf) <= maxReusedBatch && len(b.data.chunks) == 0
			b.data.reset(maxReusedBatch)
			b.events = b.events[:0]
			if reuse {
				select {
				case free <- b:
				default:
				}
			}
		}
		close(j.done)
	}
}

func (p *parser) newWorker() *eventReader {
	if p.common == nil {
		p.common = newCommonLines()
	}
	dec := newPropDecoder()
	dec.common = p.common
	return &eventReader{
		opts: p.opts,
		dec:  dec,
		seed: p.seed,
	}
}

// clone returns a resolver sharing the calendar's VTIMEZONEs with a cache of its own.
func (r *resolver) clone() *resolver {
	return &resolver{inFile: r.inFile, folded: r.folded, misses: r.misses, cache: make(map[string]resolved)}
}

// readBatch splits, decodes and reads the events of one batch. What the scan found broken
// in an event and a line of its body that is no content line or too long are reasons of the
// same kind (the first by line is given); a line go-ical rejects is given only without one.
func (er *eventReader) readBatch(b *batch) {
	lr := &er.body
	for i := range b.events {
		re := &b.events[i]
		er.ev.reset()
		er.dec.nextEvent()
		er.lists.reset()
		uid, reason, reasonLine := "", re.broken, re.brokenLine
		scanReason := func(line int, why string) {
			if reason == "" || line < reasonLine {
				reason, reasonLine = why, line
			}
		}
		decodeErr := ""
		er.pieces = b.data.pieces(er.pieces[:0], re.off, re.n)
		lr.reset(er.pieces, re.dataLine)
		if re.n >= batchBytes {
			er.lists.presize(er.pieces)
		}
		afterUnread := false // the line before was of a property nobody reads
		for {
			ll, ok := lr.next()
			if !ok {
				break
			}
			text := ll.text
			if len(text) == 0 {
				continue
			}
			use := lineUse(text)
			if bytes.IndexByte(text, ':') < 0 {
				// A raw line break inside a value. After a property nobody reads (a DESCRIPTION,
				// as Halaxy writes them), the line is the rest of that value, and costs nothing;
				// elsewhere (a CN, a RESOURCES list) it may have cut what the event is read for.
				if !afterUnread || use != propSkip {
					scanReason(ll.line, fmt.Sprintf("line %d: %s is not a content line (no colon; a line break inside a value?)", ll.line, preview(text)))
				}
				continue
			}
			if afterUnread = use == propSkip; afterUnread {
				continue
			}
			if ll.tooLong {
				scanReason(ll.line, fmt.Sprintf("line %d (property %s): longer than %d bytes", ll.line, propName(text), maxLine))
				continue
			}
			if propDTSTART <= use && use <= propEXDate {
				if fixed := quoteTZID(text); fixed != nil {
					text = fixed
				}
			}
			if use == propRDate || use == propEXDate {
				if read, err := er.readList(use, text); read {
					if err != nil && decodeErr == "" {
						decodeErr = fmt.Sprintf("line %d (property %s): %v", ll.line, propName(text), err)
					}
					continue
				}
			}
			if (use == propDTSTART || use == propDTEND) && !er.ev.has(use) && er.readTimeLine(use, text) {
				continue
			}
			pr, sl, err := er.dec.decodeAs(use, text)
			if err != nil && (use == propAttendee || use == propOrganizer) {
				// Booked writes CN unquoted, `;` and `:` included: read it leniently.
				if fixed := repairCN(text); fixed != nil {
					if pr2, err2 := er.dec.decodeWhole(fixed); err2 == nil {
						sl, err = newSharedLine(use, pr2), nil
						pr = &sl.prop
					}
				}
			}
			if err != nil {
				if decodeErr == "" {
					decodeErr = fmt.Sprintf("line %d (property %s): %v", ll.line, propName(text), err)
				}
				continue
			}
			if uid == "" && use == propUID {
				uid = strings.TrimSpace(unescapeText(pr.Value))
			}
			er.ev.add(use, pr, sl)
		}
		if reason == "" {
			reason = decodeErr
		}
		if reason != "" {
			er.warn.add(uid, fmt.Sprintf("%s (VEVENT at line %d); event skipped", reason, re.line))
			continue
		}
		er.readEvent(&er.ev, re.line, re.index, er.cx)
	}
}

// bodyLines splits an event body as copyBody copied it into logical lines, as lineReader
// does (a fold is a line ending followed by a space or TAB; a CR before the LF is no text; a
// line longer than maxLine keeps only its head), but on whole slices (the body's pieces, see
// eventBytes), without the buffer management, and without unfolding a folded line whose
// property nobody reads.
type bodyLines struct {
	data    []byte   // the piece being split
	rest    [][]byte // the pieces after it
	pos     int
	line    int
	scratch []byte // an unfolded line
	joined  []byte // a physical line that spans pieces
	spanned bool   // the last physical line is in joined
}

func (bl *bodyLines) reset(pieces [][]byte, first int) {
	bl.data, bl.rest, bl.pos, bl.line = nil, pieces, 0, first
	bl.advance()
}

// advance moves to the next piece when the current one is done.
func (bl *bodyLines) advance() {
	for bl.pos >= len(bl.data) && len(bl.rest) > 0 {
		bl.data, bl.rest, bl.pos = bl.rest[0], bl.rest[1:], 0
	}
}

// physical returns the physical line at bl.pos without its line ending, and moves past it.
func (bl *bodyLines) physical() []byte {
	rest := bl.data[bl.pos:]
	i := bytes.IndexByte(rest, '\n')
	bl.spanned = i < 0 && len(bl.rest) > 0
	if bl.spanned {
		return bl.spanning()
	}
	end, next := len(rest), len(rest)
	if i >= 0 {
		end, next = i, i+1
	}
	if end > 0 && rest[end-1] == '\r' {
		end--
	}
	bl.pos += next
	bl.line++
	bl.advance()
	return rest[:end]
}

// spanning is physical for a line that goes on in the next pieces.
func (bl *bodyLines) spanning() []byte {
	bl.joined = append(bl.joined[:0], bl.data[bl.pos:]...)
	bl.pos = len(bl.data)
	for bl.pos >= len(bl.data) && len(bl.rest) > 0 {
		bl.data, bl.rest, bl.pos = bl.rest[0], bl.rest[1:], 0
		if i := bytes.IndexByte(bl.data, '\n'); i >= 0 {
			bl.joined, bl.pos = append(bl.joined, bl.data[:i]...), i+1
			break
		}
		bl.joined, bl.pos = append(bl.joined, bl.data...), len(bl.data)
	}
	bl.line++
	bl.advance()
	if n := len(bl.joined); n > 0 && bl.joined[n-1] == '\r' {
		return bl.joined[:n-1]
	}
	return bl.joined
}

// folded reports that the next physical line continues the current one.
func (bl *bodyLines) folded() bool {
	return bl.pos < len(bl.data) && (bl.data[bl.pos] == ' ' || bl.data[bl.pos] == '\t')
}

func (bl *bodyLines) next() (ll logical, ok bool) {
	if bl.pos >= len(bl.data) {
		return ll, false
	}
	ll.line = bl.line
	head := bl.physical()
	if !bl.folded() {
		ll.text, ll.after = head, bl.line
		if len(head) > maxLine {
			ll.text, ll.tooLong = head[:lineHead], true
		}
		return ll, true
	}
	if bytes.IndexByte(head, ':') >= 0 && lineUse(head) == propSkip {
		// Nobody reads it: the head names it, the rest is not unfolded.
		if bl.spanned { // head is in joined, which the lines after it may take
			bl.scratch = append(bl.scratch[:0], head...)
			head = bl.scratch
		}
		for bl.folded() {
			bl.physical()
		}
		ll.text, ll.after = head, bl.line
		return ll, true
	}
	bl.scratch = append(bl.scratch[:0], head...)
	for bl.folded() {
		bl.pos++ // the fold's space
		bl.scratch = append(bl.scratch, bl.physical()...)
	}
	ll.text, ll.after = bl.scratch, bl.line
	if len(bl.scratch) > maxLine {
		ll.text, ll.tooLong = bl.scratch[:lineHead], true
	}
	return ll, true
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

// vevent is a decoded VEVENT: the properties bookings are made of, in feed order, with
// which property each is (known from the scan: no name is compared again) and, for those
// whose lines repeat, their sharedLine.
type vevent struct {
	props  []*goical.Prop
	shared []*sharedLine
	ids    []propID
	first  [numProps]int // index in props + 1; 0: none
	// times are the first DTSTART and DTEND when they were read as their lines were
	// decoded (readTimeLine), instead of being kept as properties.
	times [2]timeRead
}

// timeRead is a DTSTART or DTEND read from its line: its value, or the error reading it.
type timeRead struct {
	ok  bool
	v   tval
	err error
}

// timeSlot is the index in vevent.times of DTSTART (0) and DTEND (1).
func timeSlot(id propID) int { return int(id - propDTSTART) }

func (v *vevent) reset() {
	v.props, v.shared, v.ids, v.first = v.props[:0], v.shared[:0], v.ids[:0], [numProps]int{}
	v.times = [2]timeRead{}
}

// has reports whether the event has a property of the kind, read or kept.
func (v *vevent) has(id propID) bool {
	return v.first[id] > 0 || ((id == propDTSTART || id == propDTEND) && v.times[timeSlot(id)].ok)
}

// time returns the first DTSTART or DTEND of the event read, as readTimeProp reads it; ok
// says there is one.
func (v *vevent) time(id propID, cx *calContext) (t tval, ok bool, err error) {
	if r := v.times[timeSlot(id)]; r.ok {
		return r.v, true, r.err
	}
	pr := v.get(id)
	if pr == nil {
		return tval{}, false, nil
	}
	t, err = readTimeProp(pr, cx, cx.floating)
	return t, true, err
}

func (v *vevent) add(id propID, p *goical.Prop, sl *sharedLine) {
	v.props, v.shared, v.ids = append(v.props, p), append(v.shared, sl), append(v.ids, id)
	if v.first[id] == 0 {
		v.first[id] = len(v.props)
	}
}

// get returns the first property of the kind.
func (v *vevent) get(id propID) *goical.Prop {
	if i := v.first[id]; i > 0 {
		return v.props[i-1]
	}
	return nil
}

// getShared returns the sharedLine of the first property of the kind.
func (v *vevent) getShared(id propID) *sharedLine {
	if i := v.first[id]; i > 0 {
		return v.shared[i-1]
	}
	return nil
}

// count returns how many properties of the kind the event has, read or kept.
func (v *vevent) count(id propID) int {
	n := 0
	if (id == propDTSTART || id == propDTEND) && v.times[timeSlot(id)].ok {
		n++
	}
	if v.first[id] == 0 {
		return n
	}
	for _, got := range v.ids[v.first[id]-1:] {
		if got == id {
			n++
		}
	}
	return n
}

// all returns every property of the kind, in feed order.
func (v *vevent) all(id propID) []*goical.Prop {
	if v.first[id] == 0 {
		return nil
	}
	var out []*goical.Prop
	for i, p := range v.props {
		if v.ids[i] == id {
			out = append(out, p)
		}
	}
	return out
}

// appendShared appends the sharedLine of every property of the kind to dst, in feed order.
func (v *vevent) appendShared(dst []*sharedLine, id propID) []*sharedLine {
	if v.first[id] == 0 {
		return dst
	}
	for i, sl := range v.shared {
		if v.ids[i] == id {
			dst = append(dst, sl)
		}
	}
	return dst
}
