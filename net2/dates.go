package net2

import "time"

// Dates in Net2.
//
// Net2 keeps a user's activation and expiry as wall-clock times of the server's zone and, in
// practice, whole days: its own user editor stores activation at 00:00 and expiry at 23:59 of
// a day, and one report has a time-of-day dropped on write (research §4, §5.2). Net2's
// replies carry the server's offset ("2013-11-11T00:00:00+01:00"), which ParseDate honours.
//
// Choices made here (research open question 7):
//   - Requests carry dates as the site's wall-clock time without an offset
//     ("2027-07-31T23:59:00", WireDateLayout), in Config.Location. That is what Net2 stores,
//     and it leaves no room for the server to shift the day when converting an offset. It
//     assumes Config.Location is the Net2 server's zone, which holds when the service runs on
//     or next to the server.
//   - Offset-less dates in replies are read in Config.Location.
//   - Door access within a day is not done with dates but by switching the door permission
//     set at the exact instants (SPEC B2); the dates only bound access (SPEC B4). So the
//     helpers below round outwards to whole days: a bound never cuts a window short.

// ActivationFor returns the activation date to store for access that starts at t: 00:00 of
// t's day in loc (nil = time.Local).
func ActivationFor(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.Local
	}
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// ExpiryFor returns the expiry date to store for access that ends at end (exclusive, like a
// booking's end plus grace): 23:59:00 of end's own day in loc (nil = time.Local).
//
// It uses end's day rather than the day of the last instant before end, so a window ending
// exactly at midnight keeps its last minute; the bound is then up to a day longer than
// needed, which is harmless because doors are revoked by the permission switch. 23:59:00 is
// what Net2's editor writes; whether Net2 grants access during the last minute of that day
// is unknown, which is one more reason to round outwards.
func ExpiryFor(end time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.Local
	}
	end = end.In(loc)
	return time.Date(end.Year(), end.Month(), end.Day(), 23, 59, 0, 0, loc)
}
