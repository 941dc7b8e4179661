package accessplan

import (
	"context"
	"time"
)

// The notification model: what the plan says each person is owed (SPEC F17–F18), and the
// Notifier interface the engine hands it to. It lives here, with the plan, so the engine
// never imports the mail adapter (package notify, which implements Notifier).

// NotifiedBooking is one booking as the booker is told about it.
type NotifiedBooking struct {
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

// Notification is one email owed to one person: everything the templates show.
type Notification struct {
	// Email is the recipient's address; DisplayName their name as the source gave it
	// (used in the To header), FirstName and LastName for #FIRST_NAME# and #SUR_NAME#.
	Email, DisplayName, FirstName, LastName string
	// CodeKind is "pin", "qr" or "manual" (CodeKind). For manual no code is sent: the email is
	// the booking confirmation and says the card or fob comes from the site's administrator.
	CodeKind string
	// Code is the person's PIN or QR number (empty for KindManual).
	Code string
	// NewCode is true when the person is told this code for the first time.
	NewCode bool
	// Bookings are the person's new or changed bookings: the reason for this email.
	Bookings []NotifiedBooking
	// Upcoming is every booking of the person that has not ended yet, the new and changed
	// ones included; #RESOURCES# and the calendar file list them. When it is empty, Bookings
	// is used instead.
	Upcoming []NotifiedBooking
	// ValidFrom and ValidUntil are the person's validity period in Net2 (SPEC F12), shown as
	// #START_PERIOD# and #END_PERIOD#. When zero, the earliest AccessFrom and the latest
	// AccessUntil of the upcoming bookings are shown.
	ValidFrom, ValidUntil time.Time
}

// Notifier delivers notifications to people (package notify sends them by email). Notify returns nil only once the message was
// handed over for delivery (for SMTP: the server accepted it); the caller then records it as
// sent. A non-nil error leaves it owed: the caller retries it later, unless IsPermanent(err).
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// A Notifier's error matching ErrPermanent (errors.Is) is a permanent refusal (an SMTP 5xx
// for the recipient, an address that cannot be used): it is recorded in the memo and the
// admins are told, and it is not retried. Any other error leaves the notification owed.
