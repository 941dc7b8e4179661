package net2_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/config"
	"github.com/net2booking/net2booking/net2"
)

var departments = []net2.Named{{1, "Booking"}, {2, "Staff"}, {3, "Contractors"}, {7, "staff "}}

func TestResolveByNameOrID(t *testing.T) {
	got, err := net2.Resolve("department", departments, net2.Ref{Name: "  BOOKING "})
	require.NoError(t, err)
	assert.Equal(t, net2.Named{ID: 1, Name: "Booking"}, got)

	got, err = net2.Resolve("department", departments, net2.Ref{ID: 3, IsID: true})
	require.NoError(t, err)
	assert.Equal(t, "Contractors", got.Name)

	got, err = net2.Resolve("department", departments, net2.ParseRef("7"))
	require.NoError(t, err)
	assert.Equal(t, 7, got.ID, "an id settles an ambiguous name")
}

func TestResolveErrorsHelpTheAdmin(t *testing.T) {
	_, err := net2.Resolve("department", departments, net2.Ref{Name: "Bookings"})
	require.Error(t, err)
	assert.Equal(t, `net2: no department named "Bookings" in Net2; available: "Booking" (1), "Staff" (2), "Contractors" (3), "staff " (7)`, err.Error())

	_, err = net2.Resolve("department", departments, net2.Ref{Name: "staff"})
	require.Error(t, err)
	assert.Equal(t, `net2: 2 departments are named "staff" in Net2 (ids 2, 7): rename one in Net2 or refer to it by id`, err.Error())

	_, err = net2.Resolve("access level", nil, net2.Ref{ID: 9, IsID: true})
	assert.EqualError(t, err, "net2: no access level with id 9 in Net2; available: none")

	_, err = net2.Resolve("timezone", departments, net2.Ref{})
	assert.ErrorContains(t, err, "no timezone given")
}

func TestResolveField(t *testing.T) {
	fields := []net2.FieldName{{9, "Email", 50}, {10, "Booking marker", 50}, {13, "Notes", 0}}
	f, err := net2.ResolveField(fields, net2.Ref{Name: "booking MARKER"})
	require.NoError(t, err)
	assert.Equal(t, net2.FieldName{ID: 10, Name: "Booking marker", MaxLength: 50}, f)

	f, err = net2.ResolveField(fields, net2.Ref{ID: 13, IsID: true})
	require.NoError(t, err)
	assert.Equal(t, "Notes", f.Name)

	_, err = net2.ResolveField(fields, net2.Ref{ID: 15, IsID: true})
	assert.EqualError(t, err, "net2: user field id 15 is outside 1–14")

	_, err = net2.ResolveField(fields, net2.Ref{Name: "Position"})
	assert.ErrorContains(t, err, `no user field named "Position"`)
	assert.ErrorContains(t, err, `"Email" (9)`)

	f, err = net2.ResolveField(nil, net2.Ref{ID: 10, IsID: true})
	require.NoError(t, err)
	assert.Equal(t, 10, f.ID, "without definitions an id in range is enough")
}

func TestRefConvertsFromConfig(t *testing.T) {
	ref := net2.Ref(config.NameOrID{Name: "Booking"})
	assert.Equal(t, "Booking", ref.String())
	ref = net2.Ref(config.NameOrID{ID: 4, IsID: true})
	assert.Equal(t, "4", ref.String())
	assert.Equal(t, net2.Ref{Name: "No access"}, net2.ParseRef(" No access "))
	assert.Equal(t, net2.Ref{ID: 0, IsID: true}, net2.ParseRef("0"))
}
