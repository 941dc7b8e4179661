package graph

import (
	"fmt"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// event is what this package keeps of one Graph event of a room's calendar: plain values,
// copied out of the SDK's model as soon as a page is read.
type event struct {
	ID             string
	ICalUID        string
	Start, End     time.Time // UTC; for all-day events the dates at midnight UTC as Graph sends them
	AllDay         bool
	Cancelled      bool
	ShowAs         string // free, tentative, busy, oof, workingElsewhere, unknown
	Type           string // singleInstance, occurrence, exception, seriesMaster
	SeriesMasterID string
	OriginalStart  time.Time // zero for single instances
	Response       string    // the room's response: accepted, tentativelyAccepted, declined, ...
	Organizer      address
	Attendees      []attendee
	// Partial is set for an occurrence or exception that Graph sent as a stub, as
	// calendarView/delta does: only its id, type, seriesMasterId, start and end are known;
	// the rest comes from its series master (fill).
	Partial bool
	// Problem, when not empty, says why the event cannot become a booking.
	Problem string
}

// address is a Graph emailAddress.
type address struct {
	Address string
	Name    string
}

// attendee is one attendee of an event.
type attendee struct {
	address
	Type     string // required, optional, resource
	Response string // accepted, declined, tentativelyAccepted, none, notResponded, organizer
}

// calendarSelect is the $select of plain calendarView, instances and single-event requests:
// only what a booking needs. (Delta requests cannot select; they return the calendar view's
// default properties, and only stubs for occurrences.)
var calendarSelect = []string{
	"id", "iCalUId", "start", "end", "isAllDay", "isCancelled", "showAs", "type",
	"seriesMasterId", "originalStart", "responseStatus", "organizer", "attendees",
}

// removedReason returns the reason of a delta "@removed" marker, and whether there is one.
func removedReason(e models.Eventable) (string, bool) {
	v, ok := e.GetAdditionalData()["@removed"]
	if !ok {
		return "", false
	}
	reason := "deleted"
	if m, ok := v.(map[string]any); ok {
		if r, ok := m["reason"].(*string); ok && r != nil {
			reason = *r
		}
	}
	return reason, true
}

// fromModel copies a Graph event into an event. It never fails: what cannot be read is put
// into Problem, so the event still takes part in delta bookkeeping (its id) and the problem
// is reported as a warning.
func fromModel(e models.Eventable) event {
	ev := event{
		ID:             deref(e.GetId()),
		ICalUID:        deref(e.GetICalUId()),
		AllDay:         derefBool(e.GetIsAllDay()),
		Cancelled:      derefBool(e.GetIsCancelled()),
		SeriesMasterID: deref(e.GetSeriesMasterId()),
	}
	if v := e.GetShowAs(); v != nil {
		ev.ShowAs = v.String()
	}
	if v := e.GetTypeEscaped(); v != nil {
		ev.Type = v.String()
	}
	// A full event always carries its iCalUId; delta's stubs of occurrences do not.
	ev.Partial = (ev.Type == "occurrence" || ev.Type == "exception") && e.GetICalUId() == nil
	if v := e.GetOriginalStart(); v != nil {
		ev.OriginalStart = v.UTC()
	}
	if rs := e.GetResponseStatus(); rs != nil && rs.GetResponse() != nil {
		ev.Response = rs.GetResponse().String()
	}
	if o := e.GetOrganizer(); o != nil {
		ev.Organizer = fromEmail(o.GetEmailAddress())
	}
	for _, a := range e.GetAttendees() {
		if a == nil {
			continue
		}
		at := attendee{address: fromEmail(a.GetEmailAddress())}
		if t := a.GetTypeEscaped(); t != nil {
			at.Type = t.String()
		}
		if st := a.GetStatus(); st != nil && st.GetResponse() != nil {
			at.Response = st.GetResponse().String()
		}
		ev.Attendees = append(ev.Attendees, at)
	}
	var err error
	if ev.Start, err = parseDateTimeTimeZone(e.GetStart()); err != nil {
		ev.Problem = "start: " + err.Error()
	} else if ev.End, err = parseDateTimeTimeZone(e.GetEnd()); err != nil {
		ev.Problem = "end: " + err.Error()
	} else if ev.End.Before(ev.Start) {
		ev.Problem = "it ends before it starts"
	}
	return ev
}

// fill completes an occurrence that Graph sent as a stub with what it shares with its series
// master: organizer, attendees, status and the all-day flag. A full event, or a stub whose
// master is unknown (nil), is returned as it is.
func fill(ev event, master *event) event {
	if !ev.Partial || master == nil {
		return ev
	}
	ev.Organizer, ev.Attendees = master.Organizer, master.Attendees
	ev.Cancelled, ev.ShowAs, ev.Response, ev.AllDay = master.Cancelled, master.ShowAs, master.Response, master.AllDay
	return ev
}

func fromEmail(a models.EmailAddressable) address {
	if a == nil {
		return address{}
	}
	return address{Address: strings.TrimSpace(deref(a.GetAddress())), Name: strings.TrimSpace(deref(a.GetName()))}
}

func derefBool(p *bool) bool { return p != nil && *p }

// graphDateTime is the layout of a dateTimeTimeZone's dateTime ("2024-05-06T09:00:00.0000000");
// Go accepts the fractional seconds when parsing even though the layout has none.
const graphDateTime = "2006-01-02T15:04:05"

// parseDateTimeTimeZone reads a Graph dateTimeTimeZone as an instant. Every request asks for
// UTC (Prefer: outlook.timezone="UTC"); an IANA zone name is accepted as well, anything else
// (a Windows zone name: the header was ignored) is an error rather than a guess.
func parseDateTimeTimeZone(v models.DateTimeTimeZoneable) (time.Time, error) {
	if v == nil || v.GetDateTime() == nil {
		return time.Time{}, fmt.Errorf("missing")
	}
	dt := strings.TrimSuffix(strings.TrimSpace(*v.GetDateTime()), "Z")
	zone := strings.TrimSpace(deref(v.GetTimeZone()))
	loc := time.UTC
	switch strings.ToLower(zone) {
	case "", "utc", "etc/utc", "z", "gmt", "etc/gmt":
	default:
		l, err := time.LoadLocation(zone)
		if err != nil {
			return time.Time{}, fmt.Errorf("time zone %q is not UTC (was the Prefer: outlook.timezone header dropped?)", zone)
		}
		loc = l
	}
	t, err := time.ParseInLocation(graphDateTime, dt, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date and time", dt)
	}
	return t.UTC(), nil
}
