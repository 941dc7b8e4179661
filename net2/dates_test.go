package net2_test

import (
	"context"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

func TestDatesTravelAsSiteWallClock(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.KeepExpiryTime = true })) // the wire, not Net2's day rule
	c := ctx(t)
	// Dates given in UTC are written as the site's wall-clock time.
	activate := time.Date(2026, 7, 30, 23, 0, 0, 0, time.UTC) // 00:00 on 31 July in the site zone (UTC+1)
	expiry := time.Date(2026, 7, 31, 22, 59, 0, 0, time.UTC)  // 23:59 on 31 July
	u, err := h.client.CreateUser(c, net2.User{FirstName: "Val", ActivateDate: activate, ExpiryDate: &expiry})
	require.NoError(t, err)
	body := lastBody(t, h.sim, "POST /users")
	assert.Contains(t, body, `"activateDate":"2026-07-31T00:00:00"`)
	assert.Contains(t, body, `"expiryDate":"2026-07-31T23:59:00"`)
	require.NotNil(t, u.ExpiryDate)
	assert.True(t, u.ExpiryDate.Equal(expiry), "the reply (with the server's offset) reads back as the same instant")
}

func TestExpiryTruncatedByTheServerIsVisible(t *testing.T) {
	h := newHarness(t) // by default the emulator truncates, as a live 6.7+ server did
	expiry := time.Date(2026, 7, 31, 23, 59, 0, 0, siteZone)
	u, err := h.client.CreateUser(ctx(t), net2.User{FirstName: "Tru", ExpiryDate: &expiry})
	require.NoError(t, err)
	require.NotNil(t, u.ExpiryDate)
	assert.True(t, u.ExpiryDate.Equal(time.Date(2026, 7, 31, 0, 0, 0, 0, siteZone)), "the caller sees what Net2 stored")
}

// TestReadModifyWriteKeepsDatesAcrossZones: a Net2 server in another zone than the site must
// get back exactly the wall-clock dates it holds, however often a user is updated.
func TestReadModifyWriteKeepsDatesAcrossZones(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.Location = time.UTC; o.KeepExpiryTime = true }))
	c := h.client // site zone siteZone (UTC+1), server zone UTC
	day := time.Date(2026, 11, 29, 0, 0, 0, 0, siteZone)
	exp := time.Date(2026, 11, 29, 23, 59, 0, 0, siteZone)
	created, err := c.CreateUser(context.Background(), net2.User{FirstName: "Ann", ActivateDate: day, ExpiryDate: &exp})
	require.NoError(t, err)
	u := created
	for range 3 {
		u, err = c.User(context.Background(), created.ID)
		require.NoError(t, err)
		u.MiddleName += "x"
		_, err = c.UpdateUser(context.Background(), u)
		require.NoError(t, err)
	}
	stored, ok := h.sim.User(created.ID)
	require.True(t, ok)
	assert.Equal(t, "2026-11-29T00:00:00", stored.ActivateDate.Format("2006-01-02T15:04:05"))
	assert.Equal(t, "2026-11-29T23:59:00", stored.ExpiryDate.Format("2006-01-02T15:04:05"))
	u, err = c.User(context.Background(), created.ID)
	require.NoError(t, err)
	assert.True(t, u.ActivateDate.Equal(day))
	assert.True(t, u.ExpiryDate.Equal(exp))
}
