// Package notify tells people about their access (SPEC F17–F20, B8): the email to each booker
// with their personal code (PIN as text, QR as an image), their booked resources and validity
// period, and a calendar file of their bookings; and the alerts to the site's admins when
// something goes wrong. It is the Notifier adapter of the apply step: the plan decides who is
// owed an email and why, the engine hands each owed Notification to a Notifier and records it
// as sent in the Net2 memo once Notify returned nil (DESIGN invariant 5).
//
// The package renders the user's templates (the placeholders of SPEC F18), composes the MIME
// message itself and sends it over SMTP with github.com/wneessen/go-mail. The core packages
// (booking, accessplan, identifier, the engine) never import it, so an integrator who does not
// send mail never compiles go-mail.
package notify

import (
	"context"
	"errors"
	"time"
)

// Booking is one booking as the booker is told about it.
type Booking struct {
	// Source names the booking source (as in the configuration), UID the booking's key in it;
	// together they identify the booking (the calendar file derives its UIDs from them).
	Source, UID string
	// Resources are the booked resources (rooms), as the source names them.
	Resources []string
	// Start and End are the booking's own times.
	Start, End time.Time
	// AccessFrom and AccessUntil are the window in which the doors open for it (the booking
	// widened by the site's grace period).
	AccessFrom, AccessUntil time.Time
	// Changed marks a booking the person was already told about that has moved or changed
	// (same UID, new time or resources), as opposed to a new one.
	Changed bool
}

// Code kinds, as in the identifier configuration (SPEC F14).
const (
	KindPIN    = "pin"
	KindQR     = "qr"
	KindManual = "manual"
)

// Notification is one email owed to one person: everything the templates show.
type Notification struct {
	// Email is the recipient's address; DisplayName their name as the source gave it
	// (used in the To header), FirstName and LastName for #FIRST_NAME# and #SUR_NAME#.
	Email, DisplayName, FirstName, LastName string
	// CodeKind is KindPIN, KindQR or KindManual. For KindManual no code is sent: the email is
	// the booking confirmation and says the card or fob comes from the site's administrator.
	CodeKind string
	// Code is the person's PIN or QR number (empty for KindManual).
	Code string
	// NewCode is true when the person is told this code for the first time.
	NewCode bool
	// Bookings are the person's new or changed bookings: the reason for this email.
	Bookings []Booking
	// Upcoming is every booking of the person that has not ended yet, the new and changed
	// ones included; #RESOURCES# and the calendar file list them. When it is empty, Bookings
	// is used instead.
	Upcoming []Booking
	// ValidFrom and ValidUntil are the person's validity period in Net2 (SPEC F12), shown as
	// #START_PERIOD# and #END_PERIOD#. When zero, the earliest AccessFrom and the latest
	// AccessUntil of the upcoming bookings are shown.
	ValidFrom, ValidUntil time.Time
}

// Notifier delivers notifications to people. Notify returns nil only once the message was
// handed over for delivery (for SMTP: the server accepted it); the caller then records it as
// sent. A non-nil error leaves it owed: the caller retries it later, unless IsPermanent(err).
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// ErrPermanent marks a failure that retrying cannot fix: the mail server refused the
// recipient or the message with a permanent (5xx) reply, or the notification cannot be
// addressed at all (no valid address). Test with errors.Is or IsPermanent. Any other error
// (server down, timeout, TLS or authentication failure, a 4xx reply, a policy refusal that
// points at the site's own mail setup) is transient.
var ErrPermanent = errors.New("permanently refused, retrying will not help")

// IsPermanent reports whether err is a permanent failure (ErrPermanent): the notification
// should be recorded as refused and the admin told, not retried.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }

// upcoming returns the bookings #RESOURCES# and the calendar file list.
func (n Notification) upcoming() []Booking {
	if len(n.Upcoming) > 0 {
		return n.Upcoming
	}
	return n.Bookings
}

// period returns the validity period shown to the person.
func (n Notification) period() (from, until time.Time) {
	from, until = n.ValidFrom, n.ValidUntil
	for _, b := range n.upcoming() {
		if n.ValidFrom.IsZero() && (from.IsZero() || b.AccessFrom.Before(from)) {
			from = b.AccessFrom
		}
		if n.ValidUntil.IsZero() && b.AccessUntil.After(until) {
			until = b.AccessUntil
		}
	}
	return from, until
}
