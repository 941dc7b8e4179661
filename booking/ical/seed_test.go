package ical

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
)

// The two iCal examples of the reference product's manual, verbatim (typos included).

func TestSeedSkeddaExample(t *testing.T) {
	cal := parseFixture(t, "seed_skedda.ics", ParseOptions{})
	res := cal.Bookings(win("2021-04-01T00:00:00Z", "2021-05-01T00:00:00Z"))
	require.Empty(t, res.Warnings)
	require.Len(t, res.Bookings, 2)
	assert.Contains(t, res.Notes[0], "dialect skedda")

	b := res.Bookings[0]
	assert.Equal(t, "24600000_637539930000000000", b.UID)
	assert.Equal(t, ts("2021-04-14T10:30:00Z"), b.Start)
	assert.Equal(t, ts("2021-04-14T20:00:00Z"), b.End)
	assert.Equal(t, []string{"Room #4"}, b.Resources)
	assert.Equal(t, booking.StatusConfirmed, b.Status)
	assert.True(t, b.RecurrenceID.IsZero())
	assert.False(t, b.AllDay)
	assert.Equal(t, "seed_skedda.ics", b.Source)
	require.Len(t, b.Persons, 1)
	assert.Equal(t, booking.Person{Email: "some.user@somedomain.com", DisplayName: "Some User",
		FirstName: "Some", LastName: "User", Role: booking.RoleAttendee}, b.Persons[0])

	b = res.Bookings[1]
	assert.Equal(t, "24663825_637541568000000000", b.UID)
	assert.Equal(t, ts("2021-04-16T08:00:00Z"), b.Start)
	assert.Equal(t, ts("2021-04-16T09:00:00Z"), b.End)
	assert.Equal(t, []string{"Room #1"}, b.Resources)
	require.Len(t, b.Persons, 1)
	assert.Equal(t, "another.user@otherdomain.com", b.Persons[0].Email)
}

func TestSeedBookedExample(t *testing.T) {
	// No PRODID (the manual writes PROIDID): auto detection must go by LOCATION/ORGANIZER.
	cal := parseFixture(t, "seed_booked.ics", ParseOptions{})
	res := cal.Bookings(win("2023-07-01T00:00:00Z", "2023-07-03T00:00:00Z"))
	require.Empty(t, res.Warnings)
	assert.Contains(t, res.Notes[0], "dialect booked")
	b := one(t, res, "E123456A&booked.whatever.com")
	assert.Equal(t, ts("2023-07-02T08:00:00Z"), b.Start)
	assert.Equal(t, ts("2023-07-02T14:00:00Z"), b.End)
	assert.Equal(t, []string{"Room #1"}, b.Resources)
	assert.Equal(t, booking.StatusConfirmed, b.Status)
	assert.Equal(t, []booking.Person{{Email: "some.user@somedomain.com", DisplayName: "Some User",
		FirstName: "Some", LastName: "User", Role: booking.RoleOrganizer}}, b.Persons)
}

func TestSeedExamplesInTheirConfiguredDialect(t *testing.T) {
	res := parseFixture(t, "seed_skedda.ics", ParseOptions{Dialect: DialectSkedda}).Bookings(wide)
	assert.Len(t, res.Bookings, 2)
	assert.Equal(t, "dialect skedda (configured)", res.Notes[0])
	res = parseFixture(t, "seed_booked.ics", ParseOptions{Dialect: DialectBooked}).Bookings(wide)
	assert.Equal(t, "some.user@somedomain.com", one(t, res, "E123456A&booked.whatever.com").Persons[0].Email)

	// Read in the wrong dialect, the Booked example has no attendee and no RESOURCES.
	res = parseFixture(t, "seed_booked.ics", ParseOptions{Dialect: DialectSkedda}).Bookings(wide)
	b := one(t, res, "E123456A&booked.whatever.com")
	assert.Empty(t, b.Persons)
	assert.Empty(t, b.Resources)
}
