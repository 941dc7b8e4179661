package net2_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

func TestActivationAndExpiryAreWholeLocalDays(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	// 2026-03-29 is the day British clocks go forward (a 23-hour day).
	start := time.Date(2026, 3, 29, 14, 30, 0, 0, time.UTC)
	assert.Equal(t, time.Date(2026, 3, 29, 0, 0, 0, 0, london), net2.ActivationFor(start, london))
	assert.Equal(t, time.Date(2026, 3, 29, 23, 59, 0, 0, london), net2.ExpiryFor(start, london))
	assert.Equal(t, "2026-03-29T23:59:00", net2.ExpiryFor(start, london).Format(net2.WireDateLayout))

	// 23:30 UTC on 28 October is already the 29th in Paris: the local day counts.
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	late := time.Date(2026, 10, 28, 23, 30, 0, 0, time.UTC)
	assert.Equal(t, time.Date(2026, 10, 29, 0, 0, 0, 0, paris), net2.ActivationFor(late, paris))

	// An exclusive end at midnight keeps its last minute: the bound is the end's own day.
	midnight := time.Date(2026, 5, 2, 0, 0, 0, 0, london)
	assert.Equal(t, time.Date(2026, 5, 2, 23, 59, 0, 0, london), net2.ExpiryFor(midnight, london))
}

func TestDatesTravelAsSiteWallClock(t *testing.T) {
	h := newHarness(t)
	c := ctx(t)
	// The planner computes in UTC; the client writes the site's wall-clock time.
	end := time.Date(2026, 7, 31, 21, 0, 0, 0, time.UTC) // 22:00 in the site zone
	expiry := net2.ExpiryFor(end, siteZone)
	u, err := h.client.CreateUser(c, net2.User{FirstName: "Val", ActivateDate: net2.ActivationFor(end, siteZone), ExpiryDate: &expiry})
	require.NoError(t, err)
	body := lastBody(t, h.sim, "POST /users")
	assert.Contains(t, body, `"activateDate":"2026-07-31T00:00:00"`)
	assert.Contains(t, body, `"expiryDate":"2026-07-31T23:59:00"`)
	require.NotNil(t, u.ExpiryDate)
	assert.True(t, u.ExpiryDate.Equal(expiry), "the reply (with the server's offset) reads back as the same instant")
}

func TestExpiryTruncatedByTheServerIsVisible(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.TruncateExpiryToDay = true }))
	expiry := time.Date(2026, 7, 31, 23, 59, 0, 0, siteZone)
	u, err := h.client.CreateUser(ctx(t), net2.User{FirstName: "Tru", ExpiryDate: &expiry})
	require.NoError(t, err)
	require.NotNil(t, u.ExpiryDate)
	assert.True(t, u.ExpiryDate.Equal(time.Date(2026, 7, 31, 0, 0, 0, 0, siteZone)), "the caller sees what Net2 stored")
}
