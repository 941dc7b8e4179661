package net2_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

func TestOperatorsNeedNoLogin(t *testing.T) {
	h := newHarness(t)
	ops, err := h.client.Operators(ctx(t))
	require.NoError(t, err)
	require.Len(t, ops, 1)
	assert.Equal(t, net2.Operator{UserID: 1, FirstName: "System", Surname: "engineer", DisplayName: "System engineer"}, ops[0])
	assert.Zero(t, h.tokenRequests(), "GET /operators is an open route")
}

func TestOperatorsLogInWhenTheServerAsks(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.OperatorsRequireAuth = true }))
	ops, err := h.client.Operators(ctx(t))
	require.NoError(t, err)
	assert.Len(t, ops, 1)
	assert.Equal(t, 1, h.tokenRequests())
	assert.Equal(t, 2, h.sim.Counts()["GET /operators"])
}

func TestReferenceLists(t *testing.T) {
	h := newHarness(t)
	c := ctx(t)

	doors, err := h.client.Doors(c)
	require.NoError(t, err)
	assert.Contains(t, doors, net2.Named{ID: 1484506, Name: "Front door"})
	assert.Len(t, doors, 6)

	levels, err := h.client.AccessLevels(c)
	require.NoError(t, err)
	assert.Contains(t, levels, net2.Named{ID: 0, Name: "No access"})
	assert.Contains(t, levels, net2.Named{ID: 1, Name: "All hours, all doors"})

	depts, err := h.client.Departments(c)
	require.NoError(t, err)
	assert.Contains(t, depts, net2.Named{ID: 1, Name: "Booking"})

	tzs, err := h.client.Timezones(c)
	require.NoError(t, err)
	assert.Equal(t, []net2.Named{{1, "All day, every day"}, {2, "At no time"}, {3, "Working hours"}}, tzs)

	fields, err := h.client.CustomFieldNames(c)
	require.NoError(t, err)
	require.Len(t, fields, 14)
	assert.Equal(t, net2.FieldName{ID: 9, Name: "Email", MaxLength: 50}, fields[8])
	assert.Equal(t, net2.FieldName{ID: 13, Name: "Notes", MaxLength: 0}, fields[12])

	types, err := h.client.TokenTypes(c)
	require.NoError(t, err)
	assert.Equal(t, net2.TokenTypeNames, types)
	assert.Equal(t, 1, h.sim.Counts()["GET /users/token/types"])
}

func TestTokenTypesFallBackWhenTheRouteIsMissing(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.NoTokenTypesRoute = true }))
	types, err := h.client.TokenTypes(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, net2.TokenTypeNames, types)
}

func TestDepartmentsListNoneWhenTheServerDoes(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.ListNoneDepartment = true }))
	depts, err := h.client.Departments(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, net2.Named{ID: 0, Name: "None"}, depts[0])
	_, err = net2.Resolve("department", depts, net2.Ref{Name: "booking"})
	assert.NoError(t, err)
}

func TestEmptyListsAsEmptyBodies(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.EmptyBodyForEmptyLists = true }))
	u, err := h.client.CreateUser(ctx(t), net2.User{FirstName: "Eve"})
	require.NoError(t, err)
	toks, err := h.client.Tokens(ctx(t), u.ID)
	require.NoError(t, err)
	assert.Empty(t, toks)
	dept, err := h.client.UserDepartment(ctx(t), u.ID)
	require.NoError(t, err)
	assert.Equal(t, 0, dept.ID)
}
