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
	"errors"
	"time"

	"github.com/net2booking/net2booking/accessplan"
)

// Booking is one booking as the booker is told about it (accessplan.NotifiedBooking).
type Booking = accessplan.NotifiedBooking

// Notification is one email owed to one person: everything the templates show
// (accessplan.Notification, where the plan computes it).
type Notification = accessplan.Notification

// Notifier delivers notifications to people (accessplan.Notifier).
type Notifier = accessplan.Notifier

// Code kinds, as in the identifier configuration (SPEC F14).
const (
	KindPIN    = "pin"
	KindQR     = "qr"
	KindManual = "manual"
)

// ErrPermanent marks a failure that retrying cannot fix: the mail server refused the
// recipient or the message with a permanent (5xx) reply, or the notification cannot be
// addressed at all (no valid address). Test with errors.Is or IsPermanent. Any other error
// (server down, timeout, TLS or authentication failure, a 4xx reply, a policy refusal that
// points at the site's own mail setup) is transient. It is accessplan.ErrPermanent, so the
// engine knows it without importing this package.
var ErrPermanent = accessplan.ErrPermanent

// IsPermanent reports whether err is a permanent failure (ErrPermanent): the notification
// should be recorded as refused and the admin told, not retried.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }

// upcoming returns the bookings #RESOURCES# and the calendar file list.
func upcoming(n Notification) []Booking {
	if len(n.Upcoming) > 0 {
		return n.Upcoming
	}
	return n.Bookings
}

// period returns the validity period shown to the person.
func period(n Notification) (from, until time.Time) {
	from, until = n.ValidFrom, n.ValidUntil
	for _, b := range upcoming(n) {
		if n.ValidFrom.IsZero() && (from.IsZero() || b.AccessFrom.Before(from)) {
			from = b.AccessFrom
		}
		if n.ValidUntil.IsZero() && b.AccessUntil.After(until) {
			until = b.AccessUntil
		}
	}
	return from, until
}
