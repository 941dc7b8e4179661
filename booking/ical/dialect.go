package ical

import (
	"fmt"
	"slices"
	"strings"

	goical "github.com/emersion/go-ical"

	"github.com/net2booking/net2booking/booking"
)

// rawParties are the properties of an event that name people and resources. They are read
// when the feed's dialect is known: at once for a configured dialect or a telling PRODID,
// after all events otherwise (auto detection counts the properties).
type rawParties struct {
	attendees []*goical.Prop
	organizer *goical.Prop
	resources []*goical.Prop
	location  *goical.Prop
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
		cn:       decodeCaret(param(pr, "CN")),
		partstat: strings.ToUpper(param(pr, "PARTSTAT")),
		cutype:   strings.ToUpper(param(pr, "CUTYPE")),
		role:     strings.ToUpper(param(pr, "ROLE")),
	}
}

// personKey identifies a decoded ATTENDEE/ORGANIZER line: go-ical properties of identical
// lines are shared (see cachedProp), so the pointer is a cheap key.
type personKey struct {
	prop *goical.Prop
	role booking.Role
}

// personEntry is what one ATTENDEE/ORGANIZER line yields.
type personEntry struct {
	raw rawPerson
	p   booking.Person
	err error
	// alone is the person as a one-element slice, shared by every event whose only person
	// this is.
	alone []booking.Person
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

// applyDialect fills persons and resources of an event.
func (p *eventReader) applyDialect(d Dialect, ev *event, raw *rawParties) {
	switch d {
	case DialectBooked:
		if o := raw.organizer; o != nil {
			if e := p.person(o, booking.RoleOrganizer); !isPrivate(e.raw.addr) && e.raw.partstat != "DECLINED" {
				p.addPerson(ev, e, "organizer")
			}
		}
		if raw.location != nil {
			// Lenient: Booked does not escape commas, so `Room 1, Floor 2` is one resource.
			ev.resources = p.resourcesOf(raw.location, false)
		}
	default:
		for _, a := range raw.attendees {
			e := p.person(a, booking.RoleAttendee)
			r := &e.raw
			if r.cutype == "ROOM" || r.cutype == "RESOURCE" || r.partstat == "DECLINED" || r.role == "NON-PARTICIPANT" {
				continue
			}
			p.addPerson(ev, e, "attendee")
		}
		if len(raw.resources) == 1 {
			ev.resources = p.resourcesOf(raw.resources[0], true)
			return
		}
		for _, r := range raw.resources {
			for _, name := range p.resourcesOf(r, true) {
				if !slices.Contains(ev.resources, name) {
					ev.resources = append(ev.resources, name)
				}
			}
		}
	}
}

// resourcesOf reads the resource names of a RESOURCES (list: split on unescaped commas) or
// LOCATION (one value) property, once per distinct line. The result is shared: never append
// to it in place (its capacity is clipped, so append copies).
func (p *eventReader) resourcesOf(pr *goical.Prop, list bool) []string {
	if r, ok := p.resOf[pr]; ok {
		return r
	}
	parts := []string{pr.Value}
	if list {
		parts = splitTextList(pr.Value)
	}
	var out []string
	for _, part := range parts {
		name := p.internString(strings.TrimSpace(unescapeText(part)))
		if name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	out = slices.Clip(out)
	if len(p.resOf) < maxCachedLines {
		p.resOf[pr] = out
	}
	return out
}

// isPrivate recognises Booked's privacy placeholder ("Private" or "MAILTO:Private").
func isPrivate(addr string) bool {
	a := strings.TrimSpace(addr)
	if len(a) >= 7 && strings.EqualFold(a[:7], "mailto:") {
		a = strings.TrimSpace(a[7:])
	}
	return strings.EqualFold(a, "private")
}

// person reads an ATTENDEE/ORGANIZER line once per distinct line and role.
func (p *eventReader) person(pr *goical.Prop, role booking.Role) *personEntry {
	key := personKey{pr, role}
	if e, ok := p.persons[key]; ok {
		return e
	}
	e := &personEntry{raw: readPerson(pr)}
	if !isPrivate(e.raw.addr) {
		e.p, e.err = booking.NewPerson(e.raw.addr, e.raw.cn, role)
	}
	if e.err == nil {
		// Read once per distinct line: no need to intern its strings.
		e.alone = []booking.Person{e.p}
	}
	if len(p.persons) < maxCachedLines {
		p.persons[key] = e
	}
	return e
}

func (p *eventReader) addPerson(ev *event, e *personEntry, what string) {
	if e.err != nil {
		p.warn.add(ev.uid, fmt.Sprintf("%s skipped: %v (VEVENT at line %d)", what, e.err, ev.line))
		return
	}
	if len(ev.persons) == 0 {
		ev.persons = e.alone // shared, capacity 1: a second person makes a copy
		return
	}
	for _, q := range ev.persons {
		if q.Email == e.p.Email {
			return
		}
	}
	ev.persons = append(ev.persons, e.p)
}

// internString shares equal strings between events (a 100,000-event feed names a few hundred
// resources and a few thousand persons).
func (p *eventReader) internString(s string) string {
	if v, ok := p.intern[s]; ok {
		return v
	}
	if len(p.intern) < 100_000 {
		p.intern[s] = s
	}
	return s
}
