package ical

import (
	"fmt"
	"strings"

	goical "github.com/emersion/go-ical"

	"github.com/net2booking/net2booking/booking"
)

// rawParties is what an event says about people and resources before the feed's dialect is
// known (auto detection looks at all events first).
type rawParties struct {
	attendees   []rawPerson
	organizer   *rawPerson
	resources   []string // raw RESOURCES values, still escaped
	location    string   // raw LOCATION value, still escaped
	hasLocation bool
}

// rawPerson is an ATTENDEE or ORGANIZER property: its value and the parameters we use.
type rawPerson struct {
	addr     string
	cn       string
	partstat string
	cutype   string
	role     string
	as       booking.Role
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

type personResult struct {
	p   booking.Person
	err error
}

// detectDialect implements DialectAuto: PRODID first (Skedda, Booked/LibreBooking), else the
// properties the events carry: RESOURCES against LOCATION (what names the resource), then
// ATTENDEE against ORGANIZER. The returned note says which and why.
func detectDialect(prodids []string, evs []*event) (Dialect, string) {
	for _, p := range prodids {
		l := strings.ToLower(p)
		switch {
		case strings.Contains(l, "skedda"):
			return DialectSkedda, fmt.Sprintf("dialect skedda (auto: PRODID %q)", p)
		case strings.Contains(l, "booked") || strings.Contains(l, "librebooking"):
			return DialectBooked, fmt.Sprintf("dialect booked (auto: PRODID %q)", p)
		}
	}
	var res, loc, att, org int
	for _, ev := range evs {
		if len(ev.raw.resources) > 0 {
			res++
		}
		if ev.raw.hasLocation {
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

// applyDialect fills persons and resources of an event and drops its raw material.
func (p *parser) applyDialect(d Dialect, ev *event) {
	raw := ev.raw
	ev.raw = nil
	switch d {
	case DialectBooked:
		if o := raw.organizer; o != nil && !isPrivate(o.addr) && o.partstat != "DECLINED" {
			o.as = booking.RoleOrganizer
			p.addPerson(ev, *o, "organizer")
		}
		if raw.hasLocation {
			// Lenient: Booked does not escape commas, so `Room 1, Floor 2` is one resource.
			p.addResource(ev, unescapeText(raw.location))
		}
	default:
		for _, a := range raw.attendees {
			if a.cutype == "ROOM" || a.cutype == "RESOURCE" || a.partstat == "DECLINED" || a.role == "NON-PARTICIPANT" {
				continue
			}
			a.as = booking.RoleAttendee
			p.addPerson(ev, a, "attendee")
		}
		for _, r := range raw.resources {
			for _, part := range splitTextList(r) {
				p.addResource(ev, unescapeText(part))
			}
		}
	}
}

// isPrivate recognises Booked's privacy placeholder ("Private" or "MAILTO:Private").
func isPrivate(addr string) bool {
	a := strings.TrimSpace(addr)
	if len(a) >= 7 && strings.EqualFold(a[:7], "mailto:") {
		a = strings.TrimSpace(a[7:])
	}
	return strings.EqualFold(a, "private")
}

func (p *parser) addPerson(ev *event, rp rawPerson, what string) {
	res, ok := p.persons[rp]
	if !ok {
		res.p, res.err = booking.NewPerson(rp.addr, rp.cn, rp.as)
		if res.err == nil {
			res.p.Email = p.internString(res.p.Email)
			res.p.DisplayName = p.internString(res.p.DisplayName)
			res.p.FirstName = p.internString(res.p.FirstName)
			res.p.LastName = p.internString(res.p.LastName)
		}
		if len(p.persons) < 100_000 {
			p.persons[rp] = res
		}
	}
	if res.err != nil {
		p.warn.add(ev.uid, fmt.Sprintf("%s skipped: %v (VEVENT at line %d)", what, res.err, ev.line))
		return
	}
	for _, q := range ev.persons {
		if q.Email == res.p.Email {
			return
		}
	}
	ev.persons = append(ev.persons, res.p)
}

func (p *parser) addResource(ev *event, name string) {
	name = strings.TrimSpace(name)
	if name == "" {
		return
	}
	name = p.internString(name)
	for _, r := range ev.resources {
		if r == name {
			return
		}
	}
	ev.resources = append(ev.resources, name)
}

// internString shares equal strings between events (a 100,000-event feed names a few hundred
// resources and a few thousand persons).
func (p *parser) internString(s string) string {
	if v, ok := p.intern[s]; ok {
		return v
	}
	if len(p.intern) < 100_000 {
		p.intern[s] = s
	}
	return s
}
