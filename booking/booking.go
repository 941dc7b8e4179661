// Package booking holds the domain types at the start of the flow: a Booking as read from a
// booking system, the Persons it grants access to, and the BookingSource interface every
// adapter (iCal feeds, Outlook rooms, an integrator's own system) implements.
//
// Nothing here does I/O or imports an adapter: the planner (accessplan) and the engine depend
// only on these types, so an integrator who reads one kind of feed compiles only that adapter.
package booking

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Status is the state of a booking as the booking system reports it.
type Status string

// The statuses a booking can have. Only Confirmed grants access by default; Tentative grants
// access only when the policy says so (access.tentative_grants_access); Cancelled never does.
const (
	StatusConfirmed Status = "confirmed"
	StatusTentative Status = "tentative"
	StatusCancelled Status = "cancelled"
)

// Role says how a person takes part in a booking.
type Role string

// The roles a person can have in a booking.
const (
	RoleOrganizer Role = "organizer"
	RoleAttendee  Role = "attendee"
)

// Person is someone a booking grants door access to. Email is the identity: it is lower-cased
// and trimmed, so the same person booking in two systems (or with different casing) is one
// Net2 user. FirstName and LastName are derived from DisplayName, else from the email (SPEC F10).
type Person struct {
	Email       string
	DisplayName string
	FirstName   string
	LastName    string
	Role        Role
}

// NewPerson builds a Person from what a booking system gives: an address (a "mailto:" prefix
// of any case is removed) and an optional display name. It returns an error when the address is
// not a usable email address, so a source can skip that person with a warning.
func NewPerson(address, displayName string, role Role) (Person, error) {
	email, err := NormalizeEmail(address)
	if err != nil {
		return Person{}, err
	}
	display := collapseSpaces(printable(displayName))
	// EqualFold(display, "mailto:"+email), without making the string: no rune outside
	// ASCII folds to a letter of "mailto:", so a match begins with those seven bytes.
	if strings.EqualFold(display, email) || len(display) >= 7 && strings.EqualFold(display[:7], "mailto:") && strings.EqualFold(display[7:], email) {
		display = "" // a display name that is only the address carries no name
	}
	first, last := SplitName(display, email)
	return Person{Email: email, DisplayName: display, FirstName: first, LastName: last, Role: role}, nil
}

// printable drops control characters (a feed's CN may carry them), so names are safe to put
// in Net2, logs and email headers. A name of printable ASCII is returned as it is.
func printable(s string) string {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = ' ' <= s[i] && s[i] <= '~'
	}
	if ascii {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return -1
		}
		return r
	}, s)
}

// collapseSpaces is strings.Join(strings.Fields(s), " "): the words of s, one space apart.
// A name already written so (most are) is returned as it is, without the two allocations.
func collapseSpaces(s string) string {
	space := true // a leading space is not kept
	for _, r := range s {
		isSpace := unicode.IsSpace(r)
		if isSpace && (space || r != ' ') {
			return strings.Join(strings.Fields(s), " ")
		}
		space = isSpace
	}
	if space && s != "" { // a trailing space
		return strings.Join(strings.Fields(s), " ")
	}
	return s
}

// NormalizeEmail turns an ATTENDEE/ORGANIZER value or a plain address into the lower-case
// address used as a person's identity. It strips a "mailto:" scheme (any case) and surrounding
// white space and angle brackets, and rejects values that are not a single local@domain address.
// A mailto: value is read as the URI it is (RFC 6068): its headers (`?subject=…`) are no part
// of the address and its %-escapes are decoded (`john%2Bdesk@…` is john+desk@…); the "//" some
// writers put after the scheme is dropped. A domain holding a character no host name has
// ('/', '?', '#', '%', '=', '&') is no address.
func NormalizeEmail(address string) (string, error) {
	s := strings.TrimSpace(address)
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = mailtoAddress(strings.TrimSpace(s[7:]))
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	s = strings.ToLower(s)
	at := strings.LastIndexByte(s, '@')
	switch {
	case s == "":
		return "", fmt.Errorf("empty email address")
	case at <= 0 || at == len(s)-1 || strings.ContainsAny(s[at+1:], "/?#%=&"):
		return "", fmt.Errorf("%q is not an email address", address)
	case strings.ContainsAny(s, " \t\r\n<>,;:\"()[]\\"):
		return "", fmt.Errorf("%q is not a single email address", address)
	}
	return s, nil
}

// mailtoAddress is the address of a mailto: URI, written after its scheme.
func mailtoAddress(uri string) string {
	uri = strings.TrimPrefix(uri, "//")
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	if strings.IndexByte(uri, '%') >= 0 {
		if decoded, err := url.PathUnescape(uri); err == nil {
			return decoded
		}
	}
	return uri
}

// SplitName derives first and last name for Net2 from a display name, else from the email's
// local part. "Doe, Jane" gives Jane / Doe; "Jane van der Berg" gives Jane / van der Berg;
// a single word is a first name. Without a display name, "jane.doe@x" gives Jane / Doe and
// "jdoe@x" gives jdoe / "". Net2 needs a first or last name, and at least one is never empty
// for a valid address.
func SplitName(displayName, email string) (first, last string) {
	display := collapseSpaces(displayName)
	if display != "" {
		if before, after, ok := strings.Cut(display, ","); ok {
			last, first = strings.TrimSpace(before), strings.TrimSpace(after)
			if first != "" && last != "" {
				return first, last
			}
			display = strings.TrimSpace(before + " " + after)
		}
		f, l, _ := strings.Cut(display, " ")
		return f, l
	}
	local, _, _ := strings.Cut(email, "@")
	local, _, _ = strings.Cut(local, "+") // sub-addressing tag is not part of a name
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	if len(parts) == 0 {
		return local, ""
	}
	if len(parts) == 1 {
		return parts[0], ""
	}
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return parts[0], strings.Join(parts[1:], " ")
}

// Name is the person's name for display: the display name, else "First Last".
func (p Person) Name() string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return strings.TrimSpace(p.FirstName + " " + p.LastName)
}

// Booking is one occurrence of a reservation of one or more resources, as a booking source
// reports it. Start and End are instants (End exclusive, like DTEND); a recurring series is
// expanded by its source into one Booking per occurrence, told apart by RecurrenceID.
type Booking struct {
	// Source is the name of the BookingSource that reported it (for logs and the memo).
	Source string
	// UID is the booking system's identifier of the event (iCal UID, Graph iCalUId).
	UID string
	// RecurrenceID is the original start of this occurrence of a recurring series; zero for a
	// single booking. (UID, RecurrenceID) identify the occurrence within its source.
	RecurrenceID time.Time
	// Resources are the names of the booked resources exactly as the booking system spells
	// them; the policy maps them to doors.
	Resources []string
	Start     time.Time
	End       time.Time
	// AllDay is true for date-only bookings (whole local days of the site).
	AllDay bool
	Status Status
	// Persons are the people the booking grants access to: organizer and/or attendees, as the
	// source's dialect decides. It may be empty (an admin block, a privacy-hidden booker).
	Persons []Person
}

// Key identifies the occurrence within its source: the UID, plus the recurrence instant for an
// occurrence of a series.
func (b Booking) Key() string {
	if b.RecurrenceID.IsZero() {
		return b.UID
	}
	return b.UID + "@" + b.RecurrenceID.UTC().Format("20060102T150405Z")
}

// Overlaps reports whether the booking shares at least one instant with w. A zero-length
// booking overlaps w when its instant lies in w.
func (b Booking) Overlaps(w Window) bool {
	if b.End.Equal(b.Start) {
		return !b.Start.Before(w.Start) && b.Start.Before(w.End)
	}
	return b.Start.Before(w.End) && b.End.After(w.Start)
}

// Window is a half-open span of time [Start, End).
type Window struct {
	Start time.Time
	End   time.Time
}

// Contains reports whether t lies in [Start, End).
func (w Window) Contains(t time.Time) bool {
	return !t.Before(w.Start) && t.Before(w.End)
}

// String formats the window in RFC 3339 UTC.
func (w Window) String() string {
	return w.Start.UTC().Format(time.RFC3339) + "/" + w.End.UTC().Format(time.RFC3339)
}

// Warning reports one thing a source skipped or could not use, without failing the fetch: a
// malformed event, an unresolvable time zone, a person without a usable address. It names the
// source (never with a secret), the event UID when known, and the reason in plain words.
type Warning struct {
	Source string
	UID    string
	Reason string
}

// String renders the warning for a log line or stderr.
func (w Warning) String() string {
	if w.UID == "" {
		return fmt.Sprintf("%s: %s", w.Source, w.Reason)
	}
	return fmt.Sprintf("%s: event %q: %s", w.Source, w.UID, w.Reason)
}

// FetchResult is what one successful fetch of a source returns.
type FetchResult struct {
	// Bookings overlapping the requested window, each occurrence once.
	Bookings []Booking
	// Warnings about events that were skipped or partly read; the fetch still counts as good.
	Warnings []Warning
	// Notes are informational lines for logs (for example which dialect "auto" chose).
	Notes []string
}

// BookingSource is a booking system that can list its bookings. Fetch returns every booking
// overlapping the window. An error means the fetch as a whole failed (network, HTTP status,
// truncated or unparseable feed): the caller then keeps the source's last good bookings in
// force (SPEC B3) and must not read the failure as "no bookings". A source must be safe for
// use by one goroutine at a time; it may keep state between fetches (conditional GET, delta
// links).
type BookingSource interface {
	// Name identifies the source in logs, warnings and the memo. It never contains secrets.
	Name() string
	// Fetch lists the bookings overlapping window.
	Fetch(ctx context.Context, window Window) (FetchResult, error)
}

// SortBookings orders bookings by Compare, so output and plans are deterministic whatever
// order the sources returned; bookings that compare equal keep their order. The order is
// found on indexes and then applied in place: a stable sort of the bookings themselves moves
// each 168-byte booking O(log² n) times.
func SortBookings(bs []Booking) {
	if len(bs) < 64 {
		slices.SortStableFunc(bs, Compare)
		return
	}
	order := make([]int32, len(bs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
		if c := Compare(bs[i], bs[j]); c != 0 {
			return c
		}
		return cmp.Compare(i, j)
	})
	// Put each booking in place by following the permutation's cycles: no second array.
	for k := range order {
		if order[k] < 0 {
			continue
		}
		held, j := bs[k], k
		for {
			i := int(order[j])
			order[j] = -1
			if i == k {
				bs[j] = held
				break
			}
			bs[j], j = bs[i], i
		}
	}
}

// Compare orders bookings by start, then source, UID and recurrence.
func Compare(a, b Booking) int {
	if c := a.Start.Compare(b.Start); c != 0 {
		return c
	}
	if c := strings.Compare(a.Source, b.Source); c != 0 {
		return c
	}
	if c := strings.Compare(a.UID, b.UID); c != 0 {
		return c
	}
	return a.RecurrenceID.Compare(b.RecurrenceID)
}

// ErrUnusable marks a fetch error where the source answered but what it sent cannot be used
// (a truncated or malformed feed, a body over the size cap): the data is bad, not the link.
// Check with errors.Is. Either way the fetch failed and the last good bookings stay in force.
var ErrUnusable = errors.New("unusable booking data")

// Fetched is the outcome of one source's fetch in FetchAll.
type Fetched struct {
	Source BookingSource
	Result FetchResult
	Err    error
}

// FetchAll fetches every source over window in parallel and returns the outcomes in the
// order of sources. A slow source delays only the answer, never another source's fetch.
func FetchAll(ctx context.Context, sources []BookingSource, window Window) []Fetched {
	out := make([]Fetched, len(sources))
	var wg sync.WaitGroup
	for i, s := range sources {
		wg.Go(func() {
			res, err := s.Fetch(ctx, window)
			out[i] = Fetched{Source: s, Result: res, Err: err}
		})
	}
	wg.Wait()
	return out
}
