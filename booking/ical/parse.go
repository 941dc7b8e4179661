package ical

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"

	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/internal/arena"
)

// Defaults for ParseOptions and Options.
const (
	// DefaultMaxBytes caps the size of one feed (SPEC B3: a larger body is a failed fetch).
	DefaultMaxBytes int64 = 128 << 20
	// DefaultMaxOccurrences caps how many occurrences one recurrence rule may generate up to
	// the end of the requested window: from its DTSTART when it has COUNT, else from a
	// period or more before the window (ruleSpec.nearWindow).
	DefaultMaxOccurrences = 50_000
	// DefaultMaxFeedOccurrences caps the occurrences all the recurrence rules of one feed
	// generate together for one answer (a window), counted as DefaultMaxOccurrences is: the
	// per-rule cap alone let 200 FREQ=MINUTELY series, a 37 KB feed, make 10 million
	// bookings (79 s, 6.5 GB). It is 5,000 daily series over the default 97-day window, ten
	// times the recurring meetings of a large organisation's room calendars; past it, each
	// series that loses occurrences says so in a warning.
	DefaultMaxFeedOccurrences = 500_000
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
	// MaxFeedOccurrences caps the occurrences the rules of all series generate together for
	// one answer; 0 means DefaultMaxFeedOccurrences. Series are expanded in their order (that
	// of Bookings' answer); those past the cap lose their rules' later occurrences, each
	// with a warning.
	MaxFeedOccurrences int
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
	if o.MaxBytes < 0 || o.MaxOccurrences < 0 || o.MaxFeedOccurrences < 0 || o.MaxDuration < 0 {
		return o, fmt.Errorf("iCal limits must not be negative")
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxOccurrences == 0 {
		o.MaxOccurrences = DefaultMaxOccurrences
	}
	if o.MaxFeedOccurrences == 0 {
		o.MaxFeedOccurrences = DefaultMaxFeedOccurrences
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
	maxFeed  int           // MaxFeedOccurrences
	maxSpan  time.Duration // the longest single: Bookings searches singles from the window's start less it
}

// event is one VEVENT as we keep it: only what bookings need. A feed under the size limit
// may hold two million of them, so what only some events have lives behind pointers and
// instants are held as Unix seconds (iCalendar times have no fractions): 192 bytes an event.
type event struct {
	uid     string
	uidHash uint64 // for group, hashed while the workers read the events
	line    int32
	order   int32
	seq     int32
	// hasSpan: DTEND or DURATION given; an override without either inherits the master's.
	hasSpan bool
	// otherPerson and otherResource: the person or resource property of the dialect not
	// chosen is present (ORGANIZER or LOCATION for skedda, ATTENDEE or RESOURCES for booked).
	otherPerson, otherResource bool
	status                     eventStatus
	stamp                      int64 // DTSTAMP, Unix seconds (that of the zero time when there is none)

	start tval
	// startAt and endAt are the instants the event starts and ends, Unix seconds.
	startAt, endAt int64
	span           span

	rec *recurrence // RRULE/RDATE/EXDATE of a series master
	ov  *override   // RECURRENCE-ID of an override

	// persons and resources may be shared between events (read-only; Bookings copies them).
	persons   []booking.Person
	resources []string
	raw       *rawParties
}

// noStamp is the stamp of an event without a UTC DTSTAMP: the zero time's, as before the
// stamp was a number, so that such events tie with one another and precede every real one.
var noStamp = time.Time{}.Unix()

// eventStatus is an event's booking.Status in a byte.
type eventStatus uint8

const (
	statusConfirmed eventStatus = iota
	statusTentative
	statusCancelled
)

func (s eventStatus) booking() booking.Status {
	switch s {
	case statusTentative:
		return booking.StatusTentative
	case statusCancelled:
		return booking.StatusCancelled
	}
	return booking.StatusConfirmed
}

// startI and endI are the instants the event starts and ends.
func (ev *event) startI() time.Time { return time.Unix(ev.startAt, 0).UTC() }
func (ev *event) endI() time.Time   { return time.Unix(ev.endAt, 0).UTC() }

// recurrence is what makes an event a series. RDATEs and EXDATEs are held as numbers, not
// values: a feed under the size limit may list millions of them.
type recurrence struct {
	rules []ruleSpec
	// exRules are the EXRULEs' rules: their occurrences are excluded, as EXDATEs are.
	exRules []ruleSpec
	// rdates are the instants the RDATEs start (Unix seconds), in feed order; rdateMore says
	// more of the few that are a DATE or a PERIOD, in the same order, so that a DATE-TIME
	// RDATE (nearly all of them) takes 8 bytes.
	rdates    []int64
	rdateMore []rdateMore
	// exInstants are the DATE-TIME EXDATEs as instants (Unix seconds), exDays the DATE ones
	// as local days (dayNumber); newSeries sorts both. A DATE-TIME excludes the occurrence
	// that starts at that instant, a DATE every occurrence on that day. In a series of whole
	// days a DATE-TIME names its day (dayOf), and is one of exDays.
	exInstants []int64
	exDays     []int32
}

// override is the RECURRENCE-ID of an event that replaces one occurrence of a series.
type override struct {
	rid    tval
	ridI   time.Time
	future bool // RANGE=THISANDFUTURE
	// recID is set on an override emitted on its own (no recurring master in the feed).
	recID time.Time
}

// rdateMore is what a DATE or PERIOD RDATE says besides its instant: for a DATE, the day as
// a wall-clock stand-in; for a PERIOD, the instant it ends (its own end, or its start plus
// its duration). at is the RDATE's index in recurrence.rdates.
type rdateMore struct {
	at           int32
	date, period bool
	wall, end    int64
}

// rdate is one RDATE as read: its instant, and what more it says when hasMore.
type rdate struct {
	inst    int64
	more    rdateMore
	hasMore bool
}

// addRDate appends one RDATE.
func (rec *recurrence) addRDate(rd rdate) {
	if rd.hasMore {
		rd.more.at = int32(len(rec.rdates))
		rec.rdateMore = append(rec.rdateMore, rd.more)
	}
	rec.rdates = append(rec.rdates, rd.inst)
}

// addRDates appends the values of an RDATE property (its VALUE and TZID parameters, and its
// value). def is the zone of a floating value.
func addRDates[T text](rec *recurrence, vt, tzid string, value T, cx *calContext, def *zone) error {
	rec.rdates = slices.Grow(rec.rdates, count(value, ',')+1)
	return eachItem(value, func(item T) error {
		var rd rdate
		if vt == "PERIOD" || count(item, '/') > 0 {
			var err error
			if rd, err = readRDate(string(item), vt, tzid, cx, def); err != nil {
				return fmt.Errorf("RDATE: %v", err)
			}
		} else {
			v, err := readTime(item, vt, tzid, cx, def)
			if err != nil {
				return fmt.Errorf("RDATE: %v", err)
			}
			rd = compactRDate(v, false, false, tval{}, span{})
		}
		rec.addRDate(rd)
		return nil
	})
}

// addEXDates appends the values of an EXDATE property (its VALUE and TZID parameters, and its
// value). def is the zone of a floating value.
func addEXDates[T text](rec *recurrence, vt, tzid string, value T, cx *calContext, start tval) error {
	def, days := start.zone, start.kind == kindDate
	if vt == "DATE" || days {
		rec.exDays = slices.Grow(rec.exDays, count(value, ',')+1)
	} else {
		rec.exInstants = slices.Grow(rec.exInstants, count(value, ',')+1)
	}
	return eachItem(value, func(item T) error {
		v, err := readTime(item, vt, tzid, cx, def)
		if err != nil {
			return fmt.Errorf("EXDATE: %v", err)
		}
		if v.kind == kindDate || days {
			// In a series of whole days, a DATE-TIME names its day (dayOf).
			rec.exDays = append(rec.exDays, dayOf(v, def).dayNumber())
		} else {
			rec.exInstants = append(rec.exInstants, v.instant().Unix())
		}
		return nil
	})
}

// count is the number of bytes c in s.
func count[T text](s T, c byte) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
		}
	}
	return n
}

// compactRDate is the rdate of a value and its PERIOD end or duration.
func compactRDate(v tval, period, hasEnd bool, end tval, dur span) rdate {
	inst := v.instant()
	rd := rdate{inst: inst.Unix(), hasMore: period || v.kind == kindDate}
	rd.more.date, rd.more.period = v.kind == kindDate, period
	if rd.more.date {
		rd.more.wall = v.wall.Unix()
	}
	if period {
		e := endAt(v, inst, dur)
		if hasEnd {
			e = end.instant()
		}
		rd.more.end = e.Unix()
	}
	return rd
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

// Parse reads a whole feed held in memory; see ParseReader.
func Parse(data []byte, opts ParseOptions) (*Calendar, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > opts.MaxBytes {
		return nil, fmt.Errorf("iCal feed %s: %d bytes exceed the limit of %d bytes: %w", opts.Name, len(data), opts.MaxBytes, ErrTooLarge)
	}
	cal, err := parse(newBytesReader(data, opts.MaxBytes), opts, true)
	if errors.Is(err, errRestart) {
		cal, err = parse(newBytesReader(data, opts.MaxBytes), opts, false)
	}
	return cal, err
}

// ParseReader reads a whole feed from r, streaming: events are read a batch at a time on
// every core while r is read, and what is kept is what bookings are made of, so memory follows
// the number of events, not the size of the input (see stream.go; an r that is also an
// io.Seeker is read again in the rare case that needs it, any other keeps its batches until
// their calendar ends). It fails (with
// ErrTooLarge or ErrMalformed) only when the input as a whole cannot be trusted: larger than
// MaxBytes, empty, not iCalendar, truncated, nested absurdly deep, or a METHOD it cannot read.
// Problems confined to one event (a content line go-ical rejects or panics on, a line without
// a colon, a mistyped END, an unresolvable time zone, a bad date, an absurd duration, a
// broken or impossible RRULE) skip that event and are reported as warnings by
// Calendar.Bookings, naming the line, the UID when known and the reason. A valid VCALENDAR
// without events is a valid, empty calendar.
func ParseReader(r io.Reader, opts ParseOptions) (*Calendar, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	// A file can be read again: its batches need not be kept (see stream.go).
	if rs, ok := r.(io.ReadSeeker); ok {
		if at, err := rs.Seek(0, io.SeekCurrent); err == nil {
			cal, err := parse(newStreamReader(r, opts.MaxBytes), opts, true)
			if !errors.Is(err, errRestart) {
				return cal, err
			}
			if _, err := rs.Seek(at, io.SeekStart); err != nil {
				return nil, fmt.Errorf("iCal feed %s: reading it again: %w", opts.Name, err)
			}
		}
	}
	return parse(newStreamReader(r, opts.MaxBytes), opts, false)
}

// parseDropping is ParseReader for an input the caller can read again (an HTTP feed fetched
// again): batches are dropped once read, and errRestart says the input must be read again
// with ParseReader.
func parseDropping(r io.Reader, opts ParseOptions) (*Calendar, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return parse(newStreamReader(r, opts.MaxBytes), opts, true)
}

// parse reads the feed. restartable says the input can be read again: batches are then
// dropped once read, and errRestart returned when they are needed again.
func parse(lr *lineReader, opts ParseOptions, restartable bool) (*Calendar, error) {
	p := &parser{
		restartable: restartable,
		eventReader: eventReader{
			opts: opts,
		},
		site: locationZone(opts.SiteLocation),
		dec:  newPropDecoder(),
	}
	p.warn.source = opts.Name
	if opts.Dialect != DialectAuto {
		p.dialect, p.dialectNote = opts.Dialect, fmt.Sprintf("dialect %s (configured)", opts.Dialect)
	}
	defer p.stop()
	s := &scanner{p: p}
	lr.skip = s.skipLine
	// Calendars are read as soon as they end; the scanner queues them in p.pending.
	var scanErr error
	for {
		ok, err := s.step(lr)
		if err != nil {
			scanErr = err
			break
		}
		if !ok {
			break
		}
		if p.restart {
			return nil, errRestart
		}
		if err := p.readPending(); err != nil {
			return nil, err
		}
	}
	if scanErr == nil && s.closeOnStrayEnd() {
		if err := p.readPending(); err != nil {
			return nil, err
		}
	}
	if scanErr == nil {
		switch {
		case len(s.stack) > 0:
			scanErr = fmt.Errorf("feed is truncated: BEGIN:%s is never closed (END:VCALENDAR missing at line %d): %w", s.stack[len(s.stack)-1], lr.line, ErrMalformed)
		case s.cals == 0:
			scanErr = fmt.Errorf("feed is empty: %w", ErrMalformed)
		}
	}
	if scanErr != nil {
		return nil, fmt.Errorf("iCal feed %s: %w", opts.Name, scanErr)
	}
	if s.trailing > 0 {
		p.warn.list = append([]booking.Warning{{Source: opts.Name, Reason: fmt.Sprintf("%d line(s) after END:VCALENDAR ignored", s.trailing)}}, p.warn.list...)
		if len(p.warn.list) > maxWarnings {
			p.warn.list = p.warn.list[:maxWarnings]
			p.warn.dropped++
		}
	}
	return p.finish(), nil
}

// eventReader turns decoded VEVENTs into events. The parser has one (for what is decided
// after all events, such as an auto-detected dialect); each worker has its own.
type eventReader struct {
	opts    ParseOptions
	dialect Dialect
	warn    warnings
	events  []*event
	dec     *propDecoder
	cx      *calContext
	ev      vevent          // the event being read
	never   map[string]bool // neverMatches' answers
	body    bodyLines       // splits event bodies
	// Reused for every event: its ATTENDEE and RESOURCES properties.
	attendees, resources []*sharedLine
	// The events read, eventSlab to an allocation; in auto dialect, what keepRaw keeps.
	slab      arena.Arena[event]
	rawSlab   arena.Arena[rawParties]
	keptLines arena.Arena[*sharedLine]
	lists     eventLists // the RDATEs and EXDATEs of the event being read
	pieces    [][]byte   // the pieces of the event body being read
	// knownPersons and knownResources find the duplicates of an event's many persons and
	// resources.
	knownPersons, knownResources knownSet
	// timeParams are the parameters readTimeLine takes from each DTSTART and DTEND prefix.
	timeParams map[*goical.Prop]timeParams
	// names are the resource lists of events of several RESOURCES lines, and people the
	// person lists of events of several ATTENDEE lines, cut from chunks: grown by append,
	// a list of a thousand attendees took twice its size in copies.
	names  arena.Arena[string]
	people arena.Arena[booking.Person]
	// seed is the parse's seed of uidHash, the same in every worker (submit makes it).
	seed maphash.Seed
}

const eventSlab = 256

func (p *eventReader) newEvent() *event {
	p.slab.Chunk = eventSlab
	return &p.slab.Make(1)[0]
}

// parser holds the state of one parse.
type parser struct {
	eventReader
	ianaMisses  atomic.Int32 // the resolvers' vain zone database lookups (maxParseIANAMisses)
	site        *zone
	dec         *propDecoder
	prodids     []string
	notes       []string
	dialectNote string
	pending     []*rawCalendar
	// The worker pool (stream.go): jobs queues batches, free returns their buffers.
	jobs        chan *job
	free        chan *batch
	common      *commonLines // the workers' common memo of shared lines
	restartable bool         // the input can be read again: batches are not kept once read
	restart     bool         // a late change needs the batches dropped: start again
	// zones are the VTIMEZONEs read so far, by their text: feeds that repeat one in every
	// VCALENDAR (concatenated exports) or before every event have it built once.
	zones map[string]builtZone
}

// builtZone is what one VTIMEZONE text gave: its TZID and zone, or why it is ignored.
type builtZone struct {
	tzid   string
	z      *zone
	broken string
}

// stop ends the worker pool; workers finish the batches queued.
func (p *parser) stop() {
	if p.jobs != nil {
		close(p.jobs)
	}
}

// calContext is what the events of one VCALENDAR share.
type calContext struct {
	method   string
	floating *zone
	res      *resolver
}

// preview quotes the start of a line for an error message (an HTML page instead of a feed is
// recognisable from it), short enough not to leak content.
func preview(b []byte) string {
	return quoteStart(b, 24)
}

// quoteRule quotes an RRULE for a warning: whole, as the feed's owner needs it to find and
// mend the rule (a rule is no one's personal data), unless it is absurdly long.
func quoteRule(rule string) string {
	return quoteStart([]byte(rule), 200)
}

// quoteStart quotes at most the first n bytes of b, as valid UTF-8.
func quoteStart(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return strconv.Quote(strings.ToValidUTF8(string(b), "?"))
}

// param returns a parameter's value; go-ical splits unquoted values on commas, which are
// joined again (an unquoted `CN=Doe, Jane` or TZID with commas stays whole).
func param(pr *goical.Prop, name string) string {
	return paramOf(pr.Params, name)
}

// paramOf is param of a property's parameters.
func paramOf(params goical.Params, name string) string {
	return strings.Join(params[name], ",")
}

// readTime parses a DATE or DATE-TIME property value. def is the zone of a floating value.
func readTime[T text](text T, valueType, tzid string, cx *calContext, def *zone) (tval, error) {
	wall, kind, err := parseTimeText(text, valueType)
	if err != nil {
		return tval{}, err
	}
	dateWithTime := valueType == "DATE" && kind != kindDate
	switch kind {
	case kindUTC:
		return tval{wall: wall, kind: kindUTC, dateWithTime: dateWithTime}, nil
	case kindDate:
		return tval{wall: wall, kind: kindDate, zone: cx.floating}, nil
	}
	if strings.TrimSpace(tzid) == "" {
		return tval{wall: wall, kind: kindLocal, zone: def, floating: true, dateWithTime: dateWithTime}, nil
	}
	z, err := cx.res.resolve(tzid)
	if err != nil {
		return tval{}, err
	}
	return tval{wall: wall, kind: kindLocal, zone: z, dateWithTime: dateWithTime}, nil
}

func readTimeProp(pr *goical.Prop, cx *calContext, def *zone) (tval, error) {
	return readTime(pr.Value, strings.ToUpper(param(pr, "VALUE")), param(pr, "TZID"), cx, def)
}

// readTimeLine reads the first DTSTART or DTEND of the event being decoded from its line,
// as readTimeProp reads its property, when the line's prefix is in the memo (nearly every
// one): its value is read from the line's bytes, and VALUE and TZID are taken once per
// prefix. It returns false when the line is to be decoded and kept as a property instead.
func (p *eventReader) readTimeLine(id propID, line []byte) bool {
	shape, k := p.dec.shape(line)
	if shape == nil {
		return false
	}
	tp, ok := p.timeParams[shape]
	if !ok {
		tp = timeParams{valueType: strings.ToUpper(param(shape, "VALUE")), tzid: param(shape, "TZID")}
		if p.timeParams == nil {
			p.timeParams = map[*goical.Prop]timeParams{}
		}
		if len(p.timeParams) < maxCachedLines {
			p.timeParams[shape] = tp
		}
	}
	v, err := readTime(line[k:], tp.valueType, tp.tzid, p.cx, p.cx.floating)
	p.ev.times[timeSlot(id)] = timeRead{ok: true, v: v, err: err}
	return true
}

// timeParams are the VALUE (upper case) and TZID parameters of a DTSTART or DTEND prefix.
type timeParams struct{ valueType, tzid string }

// neverMatches is the package's neverMatches, remembered per rule text and the part of
// DTSTART the answer depends on: the same rule in many series is searched once.
func (p *eventReader) neverMatches(text string, opt rrule.ROption, dtstart time.Time) bool {
	key, ok := neverKey(opt, dtstart)
	if !ok {
		return false
	}
	key = text + "\x00" + key
	never, seen := p.never[key]
	if !seen {
		never = neverMatches(opt, dtstart)
		if p.never == nil {
			p.never = map[string]bool{}
		}
		if len(p.never) < maxCachedLines {
			p.never[key] = never
		}
	}
	return never
}

// onceProps are the properties that decide when an event is and that RFC 5545 allows once in
// it. A second one is read past (the first wins), as is a DURATION beside a DTEND, but never
// silently: the booking's times may not be those its system shows.
var onceProps = [...]struct {
	id   propID
	name string
}{{propDTSTART, "DTSTART"}, {propDTEND, "DTEND"}, {propDuration, "DURATION"}, {propRecurrenceID, "RECURRENCE-ID"}}

// warnTwice warns of an event's repeated onceProps, and of a DURATION beside a DTEND.
func (p *eventReader) warnTwice(c *vevent, uid string, line int) {
	for _, op := range onceProps {
		if n := c.count(op.id); n > 1 {
			p.warn.add(uid, fmt.Sprintf("%s appears %d times: the first is read (VEVENT at line %d)", op.name, n, line))
		}
	}
	if c.has(propDTEND) && c.has(propDuration) {
		p.warn.add(uid, fmt.Sprintf("both DTEND and DURATION: DTEND is read, DURATION ignored (VEVENT at line %d)", line))
	}
}

// readEvent turns one decoded VEVENT into an event, or skips it with a warning.
func (p *eventReader) readEvent(c *vevent, line, index int, cx *calContext) {
	uid := ""
	if u := c.get(propUID); u != nil {
		uid = strings.TrimSpace(unescapeText(u.Value))
	}
	skip := func(reason string) {
		p.warn.add(uid, fmt.Sprintf("%s (VEVENT at line %d); event skipped", reason, line))
	}
	if uid == "" {
		skip("event has no UID")
		return
	}
	ev := p.newEvent()
	*ev = event{uid: uid, uidHash: uidHash(p.seed, uid), line: int32(line), order: int32(index), status: statusConfirmed, stamp: noStamp}
	if s := c.getShared(propSequence); s != nil {
		ev.seq = s.seq
	}
	if s := c.getShared(propDTStamp); s != nil {
		ev.stamp = s.stamp
	}
	if s := c.get(propStatus); s != nil {
		switch st := strings.ToUpper(strings.TrimSpace(s.Value)); st {
		case "", "CONFIRMED":
		case "TENTATIVE":
			ev.status = statusTentative
		case "CANCELLED", "CANCELED":
			ev.status = statusCancelled
		default:
			// Not confirmed, not cancelled: let the access policy for tentative bookings decide.
			ev.status = statusTentative
			p.warn.add(uid, fmt.Sprintf("unknown STATUS %q treated as TENTATIVE (VEVENT at line %d)", st, line))
		}
	}
	if cx.method == "CANCEL" {
		ev.status = statusCancelled
	}

	start, ok, err := c.time(propDTSTART, cx)
	if !ok {
		skip("event has no DTSTART")
		return
	}
	if err != nil {
		skip(fmt.Sprintf("DTSTART: %v", err))
		return
	}
	ev.start, ev.startAt = start, start.instant().Unix()
	p.warnTwice(c, uid, line)
	var withTime []string // DTSTART, DTEND written VALUE=DATE with a time (parseTimeText)
	if start.dateWithTime {
		withTime = append(withTime, "DTSTART")
	}

	switch du := c.get(propDuration); {
	case c.has(propDTEND): // RFC 5545 forbids DTEND with DURATION; DTEND wins if both appear
		end, _, err := c.time(propDTEND, cx)
		if err != nil {
			skip(fmt.Sprintf("DTEND: %v", err))
			return
		}
		// DTSTART;TZID=US-Eastern:…T090000 with DTEND:…T100000 (Mozilla Calendar 1.1): read
		// in the site's zone, the end could fall before the start and the event was skipped.
		end = end.floatingIn(start.zone)
		if end.dateWithTime {
			withTime = append(withTime, "DTEND")
		}
		endI := end.instant()
		if endI.Before(ev.startI()) {
			skip(fmt.Sprintf("DTEND %s is before DTSTART %s", endI.Format(time.RFC3339), ev.startI().Format(time.RFC3339)))
			return
		}
		if start.kind == kindDate && end.kind == kindDate {
			ev.span = span{days: int(end.wall.Sub(start.wall) / (24 * time.Hour))}
			if ev.span.days == 0 {
				// DTEND must be later than DTSTART; a whole day that ends as it starts
				// (Evolution, python-icalendar's holidays) means that day, as one without
				// DTEND does (RFC 5545 §3.6.1), not a zero-length booking at midnight.
				ev.span.days = 1
			}
		} else {
			ev.span = span{exact: endI.Sub(ev.startI())}
		}
		ev.hasSpan = true
	case du != nil:
		sp, err := parseDuration(du.Value)
		if err != nil {
			skip(fmt.Sprintf("DURATION: %v", err))
			return
		}
		if start.kind == kindDate && sp.exact%(24*time.Hour) == 0 {
			// RFC 5545 wants days or weeks beside a DATE DTSTART; Google's holiday feeds
			// write DURATION:PT86400S, which means a day, also the day summer time ends.
			sp = span{days: sp.days + int(sp.exact/(24*time.Hour))}
		}
		ev.span, ev.hasSpan = sp, true
	case start.kind == kindDate:
		ev.span = span{days: 1} // RFC 5545 §3.6.1: a DATE start without end lasts one day
	}
	if ev.span.approx() > p.opts.MaxDuration {
		skip(fmt.Sprintf("event lasts %s, longer than the limit of %s", ev.span.approx(), p.opts.MaxDuration))
		return
	}
	ev.endAt = endAt(ev.start, ev.startI(), ev.span).Unix()

	// Recurrence. Floating EXDATE/RDATE values belong to the series' zone.
	def := start.zone
	for _, rp := range c.all(propRRule) {
		kept, never, err := p.readRule(rp.Value, start)
		if err != nil {
			skip(fmt.Sprintf("RRULE: %v", err))
			return
		}
		if len(kept) == 0 && never != nil {
			// The rule adds nothing; DTSTART (and any RDATE) is still an occurrence.
			p.warn.add(uid, fmt.Sprintf("RRULE %s ignored: %v; only DTSTART and RDATEs are occurrences (VEVENT at line %d)", quoteRule(rp.Value), never, line))
			continue
		}
		ev.recur().rules = append(ev.recur().rules, kept...)
	}
	// EXRULE (RFC 2445; RFC 5545 deprecates it, public code still writes it) excludes its
	// occurrences as EXDATE does: ignored, it would open doors at the times it excludes. A
	// part that never matches excludes nothing and is left out without a word.
	for _, rp := range c.all(propEXRule) {
		kept, _, err := p.readRule(rp.Value, start)
		if err != nil {
			skip(fmt.Sprintf("EXRULE: %v", err))
			return
		}
		if len(kept) > 0 {
			ev.recur().exRules = append(ev.recur().exRules, kept...)
		}
	}
	if p.lists.early {
		// Read as their lines were decoded (readList).
		if err := p.lists.take(ev); err != nil {
			skip(err.Error())
			return
		}
	} else {
		for _, rp := range c.all(propRDate) {
			if err := addRDates(ev.recur(), strings.ToUpper(param(rp, "VALUE")), param(rp, "TZID"), rp.Value, cx, def); err != nil {
				skip(err.Error())
				return
			}
		}
		for _, rp := range c.all(propEXDate) {
			if err := addEXDates(ev.recur(), strings.ToUpper(param(rp, "VALUE")), param(rp, "TZID"), rp.Value, cx, start); err != nil {
				skip(err.Error())
				return
			}
		}
	}
	if rp := c.get(propRecurrenceID); rp != nil {
		v, err := readTimeProp(rp, cx, cx.floating)
		if err != nil {
			skip(fmt.Sprintf("RECURRENCE-ID: %v", err))
			return
		}
		ev.ov = &override{rid: v, future: strings.EqualFold(param(rp, "RANGE"), "THISANDFUTURE")}
	}

	p.attendees, p.resources = c.appendShared(p.attendees[:0], propAttendee), c.appendShared(p.resources[:0], propResources)
	raw := rawParties{attendees: p.attendees, organizer: c.getShared(propOrganizer), resources: p.resources, location: c.getShared(propLocation)}
	if p.dialect != "" {
		p.applyDialect(p.dialect, ev, &raw)
	} else {
		// Kept until the dialect is known: copies of the reused buffers.
		ev.raw = p.keepRaw(raw)
	}
	if len(withTime) > 0 {
		p.warn.add(uid, fmt.Sprintf("%s: VALUE=DATE but the value has a time of day: read as that date-time, not as a whole day (VEVENT at line %d)", strings.Join(withTime, " and "), line))
	}
	p.events = append(p.events, ev)
}

// keepRaw copies an event's raw parties for when the dialect is known, from slabs: a feed
// read in auto dialect keeps them for every event, and three allocations an event (with
// the dialect applied on one core) made auto dialect a fifth slower on 100,000 events.
func (p *eventReader) keepRaw(raw rawParties) *rawParties {
	p.rawSlab.Chunk, p.keptLines.Chunk = eventSlab, 4*eventSlab
	kept := &p.rawSlab.Make(1)[0]
	*kept = raw
	kept.attendees, kept.resources = p.keptLines.Copy(raw.attendees), p.keptLines.Copy(raw.resources)
	return kept
}

// eventLists are the RDATE and EXDATE values of the event being read, read as their lines are
// decoded when DTSTART came before them (as every producer we know writes it), so that DTSTART
// gives floating values their zone: a series under the size limit may list millions of dates,
// and holding their text until the event is read would hold it beside their numbers. When a
// list comes before DTSTART, or DTSTART cannot be read, the lines are kept as properties and
// readEvent reads them, as it reads everything else. Either way the values and the first error
// of each property come out the same, in feed order.
type eventLists struct {
	decided             bool // the event's first RDATE or EXDATE line was seen
	early               bool // ... after a readable DTSTART: the lists are read here
	start               tval // that DTSTART
	rec                 recurrence
	sawRDate, sawEXDate bool
	rdateErr, exdateErr error
}

// reset starts the next event.
func (l *eventLists) reset() { *l = eventLists{} }

// presize reserves the lists of an event whose body is large at the size its RDATE and
// EXDATE lines give them, so that a million dates are held once instead of growing their way
// there (each step holds the old slice beside the new, and the steps add up to five times
// the list). Only the capacity depends on it: a value that is not what it looks like here
// goes where it belongs all the same.
func (l *eventLists) presize(pieces [][]byte) {
	var bl bodyLines
	bl.reset(pieces, 0)
	rdates, exInstants, exDays := 0, 0, 0
	for {
		ll, ok := bl.next()
		if !ok {
			break
		}
		switch lineUse(ll.text) {
		case propRDate:
			rdates += count(ll.text, ',') + 1
		case propEXDate:
			if n := count(ll.text, ',') + 1; dateValued(ll.text) {
				exDays += n
			} else {
				exInstants += n
			}
		}
	}
	l.rec.rdates = make([]int64, 0, rdates)
	l.rec.exInstants, l.rec.exDays = make([]int64, 0, exInstants), make([]int32, 0, exDays)
}

// dateValued reports that a line's parameters say VALUE=DATE.
func dateValued(line []byte) bool {
	head := line[:prefixEnd(line)]
	const value = ";VALUE=DATE"
	for i := 0; i+len(value) <= len(head); i++ {
		if bytes.EqualFold(head[i:i+len(value)], []byte(value)) {
			rest := head[i+len(value):]
			return len(rest) > 0 && (rest[0] == ':' || rest[0] == ';')
		}
	}
	return false
}

// readList reads an RDATE or EXDATE line of the event being decoded. It returns false when
// the line is to be kept as a property instead; err is go-ical's error on the line.
func (p *eventReader) readList(id propID, line []byte) (read bool, err error) {
	l := &p.lists
	if !l.decided {
		l.decided = true
		if start, ok, err := p.ev.time(propDTSTART, p.cx); ok && err == nil {
			l.early, l.start = true, start
		}
	}
	if !l.early {
		return false, nil
	}
	params, value, err := p.dec.decodeTransient(line)
	if err != nil {
		return true, err
	}
	vt, tzid := strings.ToUpper(paramOf(params, "VALUE")), paramOf(params, "TZID")
	switch id {
	case propRDate:
		l.sawRDate = true
		if l.rdateErr == nil {
			l.rdateErr = addRDates(&l.rec, vt, tzid, value, p.cx, l.start.zone)
		}
	case propEXDate:
		l.sawEXDate = true
		if l.exdateErr == nil {
			l.exdateErr = addEXDates(&l.rec, vt, tzid, value, p.cx, l.start)
		}
	}
	return true, nil
}

// take gives the lists read to the event, or the first error in the order readEvent reads
// them: RDATEs first.
func (l *eventLists) take(ev *event) error {
	if l.sawRDate {
		if l.rdateErr != nil {
			return l.rdateErr
		}
		rec := ev.recur()
		rec.rdates, rec.rdateMore = l.rec.rdates, l.rec.rdateMore
	}
	if l.sawEXDate {
		if l.exdateErr != nil {
			return l.exdateErr
		}
		rec := ev.recur()
		rec.exInstants, rec.exDays = l.rec.exInstants, l.rec.exDays
	}
	l.rec = recurrence{}
	return nil
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
	if !isPeriod {
		return compactRDate(v, false, false, tval{}, span{}), nil
	}
	var end tval
	var dur span
	hasEnd := false
	if e := strings.TrimSpace(endText); strings.HasPrefix(e, "P") || strings.HasPrefix(e, "+P") || strings.HasPrefix(e, "-P") {
		dur, err = parseDuration(e)
	} else {
		end, err = readTime(e, "", tzid, cx, def)
		hasEnd = true
		if err == nil && end.instant().Before(v.instant()) {
			err = fmt.Errorf("period %q ends before it starts", item)
		}
	}
	if err != nil {
		return rdate{}, err
	}
	return compactRDate(v, true, hasEnd, end, dur), nil
}

// finish applies the dialect, resolves duplicate UIDs and groups overrides with their
// series.
func (p *parser) finish() *Calendar {
	cal := &Calendar{name: p.opts.Name, events: len(p.events), maxOcc: p.opts.MaxOccurrences, maxFeed: p.opts.MaxFeedOccurrences}
	if p.dialect == "" {
		p.dialect, p.dialectNote = detectDialect(p.prodids, p.events)
		p.applyDetectedDialect()
	}
	cal.notes = append([]string{p.dialectNote}, p.notes...)
	p.checkDialect()
	p.group(cal)
	sortSingles(cal.singles)
	for _, ev := range cal.singles {
		cal.maxSpan = max(cal.maxSpan, time.Duration(ev.endAt-ev.startAt)*time.Second)
	}
	cal.warnings = p.warn
	return cal
}

// applyDetectedDialect reads the persons and resources of every event once auto detection
// has chosen the dialect: in parts on every core for a large feed, each with its own
// warnings, added in feed order.
func (p *parser) applyDetectedDialect() {
	n := parts(len(p.events))
	readers := make([]eventReader, n)
	onParts(n, func(i int) {
		r := &readers[i]
		r.warn.source = p.warn.source
		for _, ev := range p.events[i*len(p.events)/n : (i+1)*len(p.events)/n] {
			r.applyDialect(p.dialect, ev, ev.raw)
			ev.raw = nil
		}
	})
	for _, r := range readers {
		for _, w := range r.warn.list {
			p.warn.add(w.UID, w.Reason)
		}
		p.warn.dropped += r.warn.dropped
	}
}

// sortSingles sorts events by start, UID and recurrence instant. The start and the UID's head
// are held next to the pointer, so most comparisons do not follow it.
func sortSingles(evs []*event) {
	type keyed struct {
		sec int64  // the start
		uid uint64 // the UID's first 8 bytes, big-endian: most ties are decided without it
		ev  *event
	}
	keys := make([]keyed, len(evs))
	fill := func(from, to int) {
		for i, ev := range evs[from:to] {
			var head [8]byte
			copy(head[:], ev.uid)
			keys[from+i] = keyed{ev.startAt, binary.BigEndian.Uint64(head[:]), ev}
		}
	}
	order := func(a, b keyed) int {
		if a.sec != b.sec {
			return cmp.Compare(a.sec, b.sec)
		}
		if a.uid != b.uid {
			return cmp.Compare(a.uid, b.uid)
		}
		if c := strings.Compare(a.ev.uid, b.ev.uid); c != 0 {
			return c
		}
		return a.ev.recID().Compare(b.ev.recID())
	}
	if parts(len(keys)) == 1 {
		fill(0, len(evs))
		slices.SortFunc(keys, order)
		for i, k := range keys {
			evs[i] = k.ev
		}
		return
	}
	// Two halves on two cores, then merged.
	h := len(keys) / 2
	onParts(2, func(part int) {
		from, to := part*h, h+part*(len(keys)-h)
		fill(from, to)
		slices.SortFunc(keys[from:to], order)
	})
	i, j := 0, h
	for k := range evs {
		if j == len(keys) || (i < h && order(keys[i], keys[j]) <= 0) {
			evs[k] = keys[i].ev
			i++
		} else {
			evs[k] = keys[j].ev
			j++
		}
	}
}

// checkDialect warns when the dialect finds no person or no resource in most of the events
// that name both (in either dialect's properties), so that they open no door: a Skedda feed
// read as booked (or the reverse), or a feed that pairs the person property of one dialect
// with the resource property of the other (ATTENDEE with LOCATION), gives nobody access and,
// without this, only "0 warnings". auto is checked too: it chooses by the resource property
// first, so such a pair fools it. The warning names the other dialect when that reads most of
// these events, else the pair most of them use. Events that name no person or no resource in
// any property (an admin block, a private entry) would open no door in either dialect, and
// are not counted.
func (p *parser) checkDialect() {
	o := DialectBooked
	if p.dialect == DialectBooked {
		o = DialectSkedda
	}
	own, theirs := dialectProps(p.dialect), dialectProps(o)
	var named, lost, otherReads, noPerson, noResource int
	pairs := map[[2]string]int{}
	for _, ev := range p.events {
		hasP, hasR := len(ev.persons) > 0, len(ev.resources) > 0
		if ev.status == statusCancelled || !(hasP || ev.otherPerson) || !(hasR || ev.otherResource) {
			continue
		}
		named++
		if hasP && hasR {
			continue
		}
		lost++
		pair := [2]string{own.person, own.resource}
		if !hasP {
			noPerson++
			pair[0] = theirs.person
		}
		if !hasR {
			noResource++
			pair[1] = theirs.resource
		}
		if ev.otherPerson && ev.otherResource {
			otherReads++
		} else {
			pairs[pair]++
		}
	}
	if lost*2 <= named {
		return
	}
	var missing []string
	if noPerson > 0 {
		missing = append(missing, "no person ("+own.person+")")
	}
	if noResource > 0 {
		missing = append(missing, "no resource ("+own.resource+")")
	}
	reason := fmt.Sprintf("dialect %s found %s in %d of %d events that name a person and a resource, so they open no door: ",
		p.dialect, strings.Join(missing, " or "), lost, named)
	if otherReads*2 > lost {
		reason += fmt.Sprintf("the feed may be of dialect %s; set dialect: %s", o, o)
		if p.opts.Dialect != DialectAuto {
			reason += ", or auto to detect it"
		}
	} else {
		var most [2]string
		for pair, n := range pairs {
			if n > pairs[most] || (n == pairs[most] && pair[0]+pair[1] < most[0]+most[1]) {
				most = pair
			}
		}
		reason += fmt.Sprintf("they name persons in %s and resources in %s, a pair no dialect reads", most[0], most[1])
	}
	p.warn.list = append([]booking.Warning{{Source: p.opts.Name, Reason: reason}}, p.warn.list...)
}

// dialectProps are the properties a dialect reads persons and resources from.
func dialectProps(d Dialect) (props struct{ person, resource string }) {
	if d == DialectBooked {
		props.person, props.resource = "ORGANIZER", "LOCATION"
	} else {
		props.person, props.resource = "ATTENDEE", "RESOURCES"
	}
	return props
}

// newer reports whether a supersedes b: higher SEQUENCE, then later DTSTAMP, then later in
// the feed (RFC 5545 §3.8.7.4; the last tie-break is ours).
func newer(a, b *event) bool {
	if a.seq != b.seq {
		return a.seq > b.seq
	}
	if a.stamp != b.stamp {
		return a.stamp > b.stamp
	}
	return a.order > b.order
}

// uidHash hashes UIDs for group, as the workers read the events (event.uidHash); tests
// replace it with one that makes every UID collide.
var uidHash = maphash.String

// hasCopies marks, in group's firsts, the first event of a UID seen more than once. The
// event of a UID seen once holds its own index there, and a later copy that of its first.
const hasCopies = -1

// parts is how many parts (1 or 2) the work on many events after the scan is split into
// (indexing the UIDs, applying a detected dialect, sorting, making the bookings of a
// window): 10-40 ms for 100,000 events on one core, most of it spent waiting on memory,
// halved on two.
func parts(events int) int {
	if events >= 1<<13 && runtime.GOMAXPROCS(0) >= 2 {
		return 2
	}
	return 1
}

// onParts runs work for parts 0 to n-1, every part but the first on a goroutine of its own,
// and returns when all are done.
func onParts(n int, work func(part int)) {
	var wg sync.WaitGroup
	for part := 1; part < n; part++ {
		wg.Go(func() { work(part) })
	}
	work(0)
	wg.Wait()
}

// indexUIDs finds, for every event whose UID's hash falls in part of n (1 or 2: the part is
// the hash's top bit), the first event with the same UID: firsts[i] is i for a UID seen
// once, hasCopies for the first of a UID seen again, and the index of the first for each
// later copy, which the returned map lists by the index of their first. UIDs are indexed by
// their hash (a smaller, faster map); a hash shared by two UIDs, which practically never
// happens, sends the second to an index by UID. Parts write disjoint elements of firsts:
// two UIDs that share an entry share their hash, hence their part.
func indexUIDs(evs []*event, part, n int, firsts []int32) map[int32][]int32 {
	index := make(map[uint64]int32, len(evs)/n+1)
	var byUID map[string]int32
	var copies map[int32][]int32
	for i, ev := range evs {
		h := ev.uidHash
		if n > 1 && int(h>>63) != part {
			continue
		}
		f, ok := index[h]
		switch {
		case !ok:
			index[h] = int32(i)
		case evs[f].uid != ev.uid:
			if f, ok = byUID[ev.uid]; !ok {
				if byUID == nil {
					byUID = map[string]int32{}
				}
				byUID[ev.uid] = int32(i)
			}
		}
		if !ok {
			firsts[i] = int32(i)
			continue
		}
		firsts[i], firsts[f] = f, hasCopies
		if copies == nil {
			copies = map[int32][]int32{}
		}
		copies[f] = append(copies[f], int32(i))
	}
	return copies
}

// group resolves duplicate UIDs and groups overrides with their series, in feed order.
func (p *parser) group(cal *Calendar) {
	evs := p.events
	firsts := make([]int32, len(evs))
	n := parts(len(evs))
	copies := make([]map[int32][]int32, n)
	onParts(n, func(part int) { copies[part] = indexUIDs(evs, part, n, firsts) })
	p.events = nil
	cal.singles = make([]*event, 0, len(evs))
	for i, ev := range evs {
		var more []int32
		switch f := firsts[i]; {
		case f == hasCopies:
			for _, c := range copies {
				if m, ok := c[int32(i)]; ok {
					more = m
				}
			}
		case f != int32(i):
			continue // a later copy, grouped with the first
		}
		if more == nil && ev.ov == nil {
			// The common case: a UID seen once, without RECURRENCE-ID.
			if ev.recurring() {
				cal.series = append(cal.series, newSeries(ev, nil))
			} else {
				cal.singles = append(cal.singles, ev)
			}
			continue
		}
		var g struct{ masters, overrides []*event }
		for _, j := range append([]int32{int32(i)}, more...) {
			if c := evs[j]; c.ov != nil {
				g.overrides = append(g.overrides, c)
			} else {
				g.masters = append(g.masters, c)
			}
		}
		master := p.pickLatest(g.masters)
		if master == nil {
			master, g.overrides = p.seriesAmongOverrides(g.overrides)
		}
		for _, ov := range g.overrides {
			if master != nil {
				ov.ov.rid = ov.ov.rid.floatingIn(master.start.zone)
				if master.start.kind == kindDate {
					ov.ov.rid = dayOf(ov.ov.rid, master.start.zone) // a DATE-TIME names its day
				}
			}
			ov.ov.ridI = ov.ov.rid.instant()
			if !ov.hasSpan && master != nil {
				ov.span = master.span
				ov.endAt = endAt(ov.start, ov.startI(), ov.span).Unix()
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
				if ov.ov.ridI.Equal(master.startI()) {
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

// readRule parses an RRULE or EXRULE value into the rules to expand (byDayParts), less the
// parts that never match (checkRule); when none is left, never says why. An empty value
// names no rule: `RRULE:`, as an empty EXDATE names no date (Calendar Labs' holiday feeds
// write it on every single event). err is a rule that cannot be read, which costs the event.
func (p *eventReader) readRule(value string, start tval) (kept []ruleSpec, never, err error) {
	if strings.TrimSpace(value) == "" {
		return nil, nil, nil
	}
	rs, err := parseRRule(value)
	if err == nil {
		err = rs.prepare(start)
	}
	if err != nil {
		return nil, nil, err
	}
	for i, part := range rs.byDayParts() {
		text := value + "\x00" + strconv.Itoa(i)
		if part.fromStart != "" {
			text += "\x00" + part.fromStart
		}
		if part, never = p.checkRule(text, part, start.wall); never == nil {
			kept = append(kept, part)
		}
	}
	if len(kept) > 0 {
		never = nil
	}
	return kept, never, nil
}

// checkRule checks one part of an RRULE (byDayParts) up front and returns it as it is to be
// expanded, or why it never matches; text identifies the part for the never-matches memo. A
// joint rule (numbered set) is checked by its kinds of weekday, without COUNT and BYSETPOS
// (which only count or pick among their days): while both can match it stands, unless no
// period holds as many days as its BYSETPOS asks for; when one kind never does, the rule is
// the other alone.
func (p *eventReader) checkRule(text string, part ruleSpec, dtstart time.Time) (ruleSpec, error) {
	check := func(text string, opt rrule.ROption) error {
		if err := checkFeasible(opt, dtstart); err != nil {
			return err
		}
		if p.neverMatches(text, opt, dtstart) {
			return fmt.Errorf("rule never matches: it yields no occurrence in a whole cycle of the calendar")
		}
		return nil
	}
	if len(part.numbered) > 0 {
		kinds := part.kinds()
		var errs [2]error
		for j, k := range kinds {
			errs[j] = check(text+"\x00kind"+strconv.Itoa(j), k.opt)
		}
		switch {
		case errs[0] == nil && errs[1] == nil:
			if !part.jointSetReachable() {
				return part, fmt.Errorf("rule never matches: no month or year has as many days as BYSETPOS asks for")
			}
			return part, nil
		case errs[0] != nil && errs[1] != nil:
			return part, errs[0]
		}
		alone := 0
		if errs[0] != nil {
			alone = 1
		}
		part.opt.Byweekday, part.numbered = kinds[alone].opt.Byweekday, nil
		text += "\x00alone" + strconv.Itoa(alone)
	}
	return part, check(text, part.opt)
}

// readPending reads the calendars the scan has closed.
func (p *parser) readPending() error {
	for len(p.pending) > 0 {
		rc := p.pending[0]
		p.pending = p.pending[1:]
		if err := p.readCalendar(rc); err != nil {
			if errors.Is(err, errRestart) {
				return err
			}
			return fmt.Errorf("iCal feed %s: %w", p.opts.Name, err)
		}
	}
	return nil
}

func (p *parser) pickLatest(evs []*event) *event {
	best := newest(evs)
	for _, ev := range evs {
		// A copy with a lower SEQUENCE or older DTSTAMP is a superseded version (an update or
		// METHOD:CANCEL after the original): normal. Only an undecidable tie is reported.
		if ev != best && ev.seq == best.seq && ev.stamp == best.stamp {
			p.warn.add(ev.uid, fmt.Sprintf("VEVENT at line %d ignored: same UID, SEQUENCE and DTSTAMP as the one at line %d, which comes later and is used", ev.line, best.line))
		}
	}
	return best
}

// newest is the copy that newer puts last, or nil for none.
func newest(evs []*event) *event {
	var best *event
	for _, ev := range evs {
		if best == nil || newer(ev, best) {
			best = ev
		}
	}
	return best
}

// seriesAmongOverrides finds the series of a UID none of whose components lacks a
// RECURRENCE-ID. Connect Daily (a room and resource calendar) exports every series as one
// VEVENT with an RRULE and a RECURRENCE-ID of its own: DTSTART's, or 19700101T070000Z
// (KCalendarCore's test data, autotests/data/RecurrenceRule/ConnectDaily). Read as an
// override, such a series would be its first occurrence alone, and its booker locked out of
// the rest. So when the components with a rule (RRULE or RDATE) all name one RECURRENCE-ID
// and the newest component under it has a rule and a RECURRENCE-ID that names itself
// (namesItself), that one is the series, as KCalendarCore reads it, and its RECURRENCE-ID
// means nothing; the other components under that RECURRENCE-ID are its older copies. The
// moved occurrences of a series the feed lacks, each with a copy of its rule (khal PR 376
// met them), stay overrides: their RECURRENCE-IDs name other times than their own, and
// expanding them would open doors at times nobody booked (KCalendarCore expands them too).
// It returns the series, or nil, and the overrides left.
func (p *parser) seriesAmongOverrides(ovs []*event) (*event, []*event) {
	var first *event // the first component with a rule
	for _, ov := range ovs {
		if !ov.recurring() {
			continue
		}
		if first == nil {
			first = ov
		} else if !sameRecurrenceID(ov, first) {
			return nil, ovs
		}
	}
	if first == nil {
		return nil, ovs
	}
	var copies, rest []*event
	for _, ov := range ovs {
		if sameRecurrenceID(ov, first) {
			copies = append(copies, ov)
		} else {
			rest = append(rest, ov)
		}
	}
	if latest := newest(copies); !latest.recurring() || !namesItself(latest) {
		// The series became a single occurrence in a later version, or this is a moved
		// occurrence of a series the feed lacks, with a copy of its rule.
		return nil, ovs
	}
	series := p.pickLatest(copies)
	series.ov = nil
	return series, rest
}

// namesItself reports whether an override's RECURRENCE-ID names no other occurrence than its
// own, as Connect Daily writes a series': one that falls within its own first occurrence
// (DTSTART's instant, or for a series of whole days an instant of its first day, as
// `RECURRENCE-ID:20040504T060000Z` is of `DTSTART;TZID=America/Denver;VALUE=DATE:20040504`),
// or a placeholder in 1970, the Unix epoch's year, when no booking took place.
func namesItself(ev *event) bool {
	rid := ev.ov.rid.instant()
	return rid.Year() <= 1970 || !rid.Before(ev.startI()) && (rid.Equal(ev.startI()) || rid.Before(ev.endI()))
}

// sameRecurrenceID reports whether two overrides name one instance, as the feed wrote it.
func sameRecurrenceID(a, b *event) bool {
	return a.ov.rid.kind == b.ov.rid.kind && a.ov.rid.instant().Equal(b.ov.rid.instant())
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
