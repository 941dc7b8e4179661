package ical

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	goical "github.com/emersion/go-ical"

	"github.com/net2booking/net2booking/booking"
)

// rawParties are the properties of an event that name people and resources. They are read
// when the feed's dialect is known: at once for a configured dialect or a telling PRODID,
// after all events otherwise (auto detection counts the properties).
type rawParties struct {
	attendees []*sharedLine
	organizer *sharedLine
	resources []*sharedLine
	location  *sharedLine
}

// sharedLine is a content line that repeats across events (an ATTENDEE, RESOURCES, DTSTAMP...),
// decoded once per parse, with what events read from it, read when it is decoded: the person
// of an ATTENDEE (as attendee) or ORGANIZER (as organizer) line, the resource names of a
// RESOURCES (a list) or LOCATION (one name) line, the number of a SEQUENCE, the instant of a
// DTSTAMP. It never changes after, so events and workers share it.
type sharedLine struct {
	// prop is the line's property; for an ATTENDEE or ORGANIZER without its parameters,
	// which are read into person (readOnce).
	prop goical.Prop
	// person is held in the line itself, not behind a pointer: every event reads its
	// attendee's, and a second miss in memory per event showed in the profile.
	person    personEntry
	resources []string // shared: never append to it in place (its capacity is clipped)
	seq       int32
	stamp     int64 // Unix seconds of a UTC DATE-TIME, else noStamp
}

func newSharedLine(id propID, p *goical.Prop) *sharedLine {
	sl := &sharedLine{prop: *p, stamp: noStamp}
	switch id {
	case propSequence:
		seq, _ := strconv.Atoi(strings.TrimSpace(sl.prop.Value))
		sl.seq = int32(seq)
	case propDTStamp:
		if w, k, err := parseTimeText(sl.prop.Value, ""); err == nil && k == kindUTC {
			sl.stamp = w.Unix()
		}
	case propAttendee:
		sl.person = readPersonEntry(&sl.prop, booking.RoleAttendee)
		r := &sl.person.raw
		sl.person.participant = r.cutype != "ROOM" && r.cutype != "RESOURCE" && r.partstat != "DECLINED" && r.role != "NON-PARTICIPANT"
		sl.prop.Params = nil // read into person, and maybe a decoder's, reused (readOnce)
	case propOrganizer:
		sl.person = readPersonEntry(&sl.prop, booking.RoleOrganizer)
		sl.prop.Params = nil
	case propResources:
		sl.resources = resourceNames(sl.prop.Value, true)
	case propLocation:
		sl.resources = resourceNames(sl.prop.Value, false)
	}
	return sl
}

// rawPerson is an ATTENDEE or ORGANIZER property: its value and the parameters we use.
type rawPerson struct {
	addr     string
	cn       string
	partstat string
	cutype   string
	role     string
}

func readPerson(pr *goical.Prop) rawPerson {
	return rawPerson{
		addr:     strings.TrimSpace(pr.Value),
		cn:       validText(decodeCaret(param(pr, "CN"))),
		partstat: strings.ToUpper(param(pr, "PARTSTAT")),
		cutype:   strings.ToUpper(param(pr, "CUTYPE")),
		role:     strings.ToUpper(param(pr, "ROLE")),
	}
}

// personEntry is what one ATTENDEE/ORGANIZER line yields.
type personEntry struct {
	// participant: an ATTENDEE that is neither a room or resource, nor declined, nor a
	// non-participant (applyDialect's test, made once per line).
	participant bool
	err         error
	// alone is the person (unless err) as a one-element slice, shared by every event whose
	// only person this is.
	alone []booking.Person
	raw   rawPerson
}

// dialectFromProdID recognises the booking systems by PRODID.
func dialectFromProdID(prodid string) (Dialect, string) {
	l := strings.ToLower(prodid)
	switch {
	case strings.Contains(l, "skedda"):
		return DialectSkedda, fmt.Sprintf("dialect skedda (auto: PRODID %q)", prodid)
	case strings.Contains(l, "booked") || strings.Contains(l, "librebooking"):
		return DialectBooked, fmt.Sprintf("dialect booked (auto: PRODID %q)", prodid)
	}
	return "", ""
}

// detectDialect implements DialectAuto: PRODID first (Skedda, Booked/LibreBooking), else the
// properties the events carry: RESOURCES against LOCATION (what names the resource), then
// ATTENDEE against ORGANIZER. The returned note says which and why.
func detectDialect(prodids []string, evs []*event) (Dialect, string) {
	for _, p := range prodids {
		if d, note := dialectFromProdID(p); d != "" {
			return d, note
		}
	}
	var res, loc, att, org int
	for _, ev := range evs {
		if len(ev.raw.resources) > 0 {
			res++
		}
		if ev.raw.location != nil {
			loc++
		}
		if len(ev.raw.attendees) > 0 {
			att++
		}
		if ev.raw.organizer != nil {
			org++
		}
	}
	why := fmt.Sprintf("auto: events with RESOURCES %d, LOCATION %d, ATTENDEE %d, ORGANIZER %d", res, loc, att, org)
	switch {
	case res > loc:
		return DialectSkedda, "dialect skedda (" + why + ")"
	case loc > res:
		return DialectBooked, "dialect booked (" + why + ")"
	case org > att:
		return DialectBooked, "dialect booked (" + why + ")"
	default:
		return DialectSkedda, "dialect skedda (" + why + ")"
	}
}

// applyDialect fills persons and resources of an event, and notes whether the other
// dialect's properties for them are there (checkDialect).
func (p *eventReader) applyDialect(d Dialect, ev *event, raw *rawParties) {
	if d == DialectBooked {
		ev.otherPerson = len(raw.attendees) > 0
		ev.otherResource = slices.ContainsFunc(raw.resources, func(r *sharedLine) bool { return len(r.resources) > 0 })
	} else {
		ev.otherPerson, ev.otherResource = raw.organizer != nil, raw.location != nil && len(raw.location.resources) > 0
	}
	switch d {
	case DialectBooked:
		if o := raw.organizer; o != nil {
			if e := &o.person; !isPrivate(e.raw.addr) && e.raw.partstat != "DECLINED" {
				p.addPerson(ev, e, "organizer")
			}
		}
		if raw.location != nil {
			// Lenient: Booked does not escape commas, so `Room 1, Floor 2` is one resource.
			ev.resources = raw.location.resources
		}
	default:
		if n := len(raw.attendees); n > 1 {
			ev.persons = p.people.Make(n)[:0] // at most that many
		}
		for _, a := range raw.attendees {
			if e := &a.person; e.participant {
				p.addPerson(ev, e, "attendee")
			}
		}
		if len(ev.persons) == 0 {
			ev.persons = nil // none took part: as without the room made for them
		} else {
			ev.persons = slices.Clip(ev.persons) // shared by its bookings, as the others are
		}
		if len(raw.resources) == 1 {
			ev.resources = raw.resources[0].resources
			return
		}
		n := 0
		for _, r := range raw.resources {
			n += len(r.resources)
		}
		if n > 1 {
			ev.resources = p.names.Make(n)[:0] // at most that many: grown, it took 2 or 3 copies
		}
		for _, r := range raw.resources {
			for _, name := range r.resources {
				if !p.hasResource(ev, name) {
					ev.resources = append(ev.resources, name)
				}
			}
		}
		ev.resources = slices.Clip(ev.resources) // shared by its bookings, as the others are
	}
}

// resourceNames reads the resource names of a RESOURCES value (list: split on unescaped
// commas) or a LOCATION value (one name). The result is shared: its capacity is clipped, so
// an append copies.
func resourceNames(value string, list bool) []string {
	parts := []string{value}
	if list {
		parts = splitTextList(value)
	}
	out := make([]string, 0, len(parts))
	var known knownSet // one list of 100,000 names compared one by one cost 5e9 comparisons
	for _, part := range parts {
		if name := strings.TrimSpace(unescapeText(part)); name != "" && !known.holds(nil, out, name) {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return slices.Clip(out)
}

// isPrivate recognises Booked's privacy placeholder ("Private" or "MAILTO:Private").
func isPrivate(addr string) bool {
	a := strings.TrimSpace(addr)
	if len(a) >= 7 && strings.EqualFold(a[:7], "mailto:") {
		a = strings.TrimSpace(a[7:])
	}
	return strings.EqualFold(a, "private")
}

// readPersonEntry reads the person of an ATTENDEE or ORGANIZER property.
func readPersonEntry(pr *goical.Prop, role booking.Role) personEntry {
	e := personEntry{raw: readPerson(pr)}
	var p booking.Person
	if !isPrivate(e.raw.addr) {
		p, e.err = booking.NewPerson(e.raw.addr, e.raw.cn, role)
		if alt := strings.TrimSpace(param(pr, "EMAIL")); e.err != nil && alt != "" {
			// RFC 7986 §6.9: EMAIL is the address of a calendar user whose value is no email
			// address (CalDAV servers write urn:uuid: values).
			if q, err := booking.NewPerson(alt, e.raw.cn, role); err == nil {
				p, e.err = q, nil
			}
		}
	}
	if e.err == nil {
		e.alone = []booking.Person{p}
	}
	return e
}

func (p *eventReader) addPerson(ev *event, e *personEntry, what string) {
	if e.err != nil {
		p.warn.add(ev.uid, fmt.Sprintf("%s skipped: %v (VEVENT at line %d)", what, e.err, ev.line))
		return
	}
	if cap(ev.persons) == 0 {
		ev.persons = e.alone // shared, capacity 1: a second person makes a copy
		return
	}
	if person := e.alone[0]; !p.hasPerson(ev, person.Email) {
		ev.persons = append(ev.persons, person)
	}
}

// hasPerson reports whether the event has a person with the address already; past
// manyParties it remembers the address, as the caller appends it when not.
func (p *eventReader) hasPerson(ev *event, email string) bool {
	if len(ev.persons) < manyParties {
		for _, q := range ev.persons {
			if q.Email == email {
				return true
			}
		}
		return false
	}
	return p.knownPersons.has(ev, len(ev.persons), func(i int) string { return ev.persons[i].Email }, email)
}

// hasResource is hasPerson for the event's resources, by name.
func (p *eventReader) hasResource(ev *event, name string) bool {
	return p.knownResources.holds(ev, ev.resources, name)
}

// manyParties is the number of persons or resources of an event from which they are looked
// up in a knownSet instead of compared one by one.
const manyParties = 16

// knownSet tells whether an event's many persons (by address) or resources (by name) hold a
// key already, through a set of them: an event of a thousand attendees compared one by one
// cost half a million comparisons.
type knownSet struct {
	of   *event // the event whose list keys holds
	keys map[string]struct{}
}

// holds reports whether list (of ev, or of no event: a list being built) holds name, compared
// one by one below manyParties names and through s past them. When it does not, name is
// remembered: the caller appends it.
func (s *knownSet) holds(ev *event, list []string, name string) bool {
	if len(list) < manyParties {
		return slices.Contains(list, name)
	}
	return s.has(ev, len(list), func(i int) string { return list[i] }, name)
}

// has reports whether want is among the n keys of ev's list (key(i) the i-th). When it is
// not, it is remembered: the caller appends it.
func (s *knownSet) has(ev *event, n int, key func(int) string, want string) bool {
	if s.of != ev || len(s.keys) != n { // the keys are distinct: n of them when up to date
		if s.keys == nil {
			s.keys = make(map[string]struct{}, 2*n)
		}
		clear(s.keys)
		for i := range n {
			s.keys[key(i)] = struct{}{}
		}
		s.of = ev
	}
	if _, ok := s.keys[want]; ok {
		return true
	}
	s.keys[want] = struct{}{}
	return false
}
