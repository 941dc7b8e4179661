package accessplan

import (
	"strings"
	"time"

	"github.com/net2booking/net2booking/booking"
)

// CodeKind is the kind of personal code a booker receives (SPEC F14).
type CodeKind string

// The code kinds.
const (
	CodeManual CodeKind = "manual" // no code issued: the admin hands out cards or fobs
	CodePIN    CodeKind = "pin"    // a generated PIN on the Net2 user
	CodeQR     CodeKind = "qr"     // a generated number stored as a Net2 token, shown as a QR code
)

// GrantKind is how a booking's access is given in Net2 (access.grant).
type GrantKind string

// The grant kinds.
const (
	// GrantIndividual gives the doors open now as individual permissions with the always
	// timezone and no access level (the reference product's way). Policy.Doors holds doors.
	GrantIndividual GrantKind = "individual"
	// GrantAccessLevels gives the union of the access levels of the resources whose windows
	// are open now, and nothing else. Policy.Doors then maps resources to access-level ids:
	// for sites where individual rights are unwanted or do not reach the ACUs.
	GrantAccessLevels GrantKind = "access_levels"
)

// Policy is the site's access rules, with every Net2 name already resolved to an id. It is the
// configuration the planner needs and nothing else; the engine builds it from config.Config
// and the Net2 reference data.
type Policy struct {
	// Grant says how an open window is written to Net2; "" means GrantIndividual.
	Grant GrantKind
	// Doors maps a resource name, exactly as the booking system spells it, to Net2 door ids
	// (ACU serial numbers), or to access-level ids under GrantAccessLevels (the planner treats
	// both alike: what a resource opens, merged per person and switched at window edges). A resource not found exactly is matched once more ignoring case
	// and repeated white space, when that match is unique (Outlook room addresses, stray
	// spaces in feeds).
	Doors map[string][]int
	// GraceBefore and GraceAfter widen every booking into its access window
	// [start − GraceBefore, end + GraceAfter) (SPEC F8).
	GraceBefore time.Duration
	GraceAfter  time.Duration
	// FallbackLevel is the Net2 access level id a managed user holds outside every window.
	FallbackLevel int
	// RemoveAfterDays deletes a managed user whose last booking ended this many days ago
	// (SPEC F13); −1 never deletes.
	RemoveAfterDays int
	// Code is the kind of personal code issued.
	Code CodeKind
	// Lookahead is how far ahead a booking creates its person in Net2 (user, code, email),
	// so codes exist well before the booking starts.
	Lookahead time.Duration
	// TentativeGrantsAccess lets TENTATIVE bookings (awaiting approval) open doors.
	TentativeGrantsAccess bool
	// Location is the site's time zone: Net2 validity dates are whole local days.
	Location *time.Location
	// Department is the Net2 department id of created users.
	Department int
	// AlwaysTimezone is the Net2 timezone id given to individual door permissions while a
	// window is open (the window itself is enforced by switching permissions at its edges).
	AlwaysTimezone int
	// Notify makes the plan owe each person an email when they get a code or a new or
	// changed booking (SPEC F17; email.notifications.enabled).
	Notify bool
}

// location returns the site zone, UTC when unset.
func (p Policy) location() *time.Location {
	if p.Location == nil {
		return time.UTC
	}
	return p.Location
}

// minPast is how far back the planner always looks, so that a booking that started yesterday
// and runs today, or one that ended within its grace period, is never missed.
const minPast = 7 * 24 * time.Hour

// Window is the span of bookings the planner needs at now: from far enough back to know every
// person whose removal is still pending and every booking still inside its grace period, to
// the end of the lookahead. Sources are asked for bookings overlapping this window.
func (p Policy) Window(now time.Time) booking.Window {
	past := minPast
	if d := time.Duration(p.RemoveAfterDays) * 24 * time.Hour; d > past {
		past = d
	}
	past += p.GraceAfter
	return booking.Window{Start: now.Add(-past), End: now.Add(p.Lookahead + p.GraceBefore)}
}

// grantsDuring reports whether bk can grant anyone access within w: a status that grants, a
// person, and an instant in w.
func (p Policy) grantsDuring(bk *booking.Booking, w booking.Window) bool {
	return p.grants(bk.Status) && len(bk.Persons) > 0 && bk.Overlaps(w)
}

// grants reports whether a booking with this status opens doors under the policy.
func (p Policy) grants(s booking.Status) bool {
	switch s {
	case booking.StatusConfirmed, "":
		return true
	case booking.StatusTentative:
		return p.TentativeGrantsAccess
	default:
		return false
	}
}

// resourceIndex resolves resource names to doors: exact names first, then a unique match on
// the normalised name.
type resourceIndex struct {
	exact      map[string][]int
	normalised map[string][]int // nil entry value marks an ambiguous normalised name
}

func newResourceIndex(doors map[string][]int) resourceIndex {
	idx := resourceIndex{exact: doors, normalised: make(map[string][]int, len(doors))}
	for name, d := range doors {
		k := normaliseName(name)
		if _, dup := idx.normalised[k]; dup {
			idx.normalised[k] = nil
			continue
		}
		idx.normalised[k] = d
	}
	return idx
}

func (idx resourceIndex) lookup(resource string) ([]int, bool) {
	if d, ok := idx.exact[resource]; ok {
		return d, true
	}
	d := idx.normalised[normaliseName(resource)]
	return d, d != nil
}

func normaliseName(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}
