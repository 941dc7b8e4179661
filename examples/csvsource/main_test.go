package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

func TestCSVBookingsBecomeNet2Access(t *testing.T) {
	now := time.Now()
	path := filepath.Join(t.TempDir(), "bookings.csv")
	require.NoError(t, writeSample(path, now))
	sim := net2sim.NewDemo(net2sim.Options{})
	srv := httptest.NewServer(sim)
	defer srv.Close()

	var out bytes.Buffer
	rep, err := syncOnce(context.Background(), &out, path, srv.URL+"/api/v1", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	assert.Empty(t, rep.Failed)
	assert.Equal(t, 3, rep.Sources[0].Bookings)
	assert.Contains(t, out.String(), "3 booking(s) read")

	users := map[string]net2sim.User{}
	for _, u := range sim.State().Users {
		if u.CustomFields[10] == net2.Marker {
			users[u.FirstName+" "+u.LastName] = u
		}
	}
	require.Len(t, users, 2, "one Net2 user per booker")
	alex, sam := users["Alex Example"], users["Sam Sample"]
	assert.Len(t, alex.PIN, 6)
	assert.Len(t, sam.PIN, 6)
	// Alex's booking is in progress: the Studio 1 door opens for them now, not for Sam.
	ok, why := sim.Permitted(alex.ID, net2sim.DemoStudio1, now)
	assert.True(t, ok, why)
	ok, _ = sim.Permitted(sam.ID, net2sim.DemoStudio1, now)
	assert.False(t, ok)
	// Sam's opens meeting room A at its start less the grace period (by the running engine).
	opens := false
	for _, tr := range rep.Plan.Transitions(now, 10) {
		if tr.Email == "sam@example.org" && tr.Door == net2sim.DemoMeetingRoomA && tr.Open {
			opens = tr.At.Equal(now.Truncate(time.Minute).Add(2*time.Hour - 5*time.Minute))
		}
	}
	assert.True(t, opens, "Sam's booking opens meeting room A 5 minutes before it starts")

	// A second cycle over the same file changes nothing.
	rep, err = syncOnce(context.Background(), &out, path, srv.URL+"/api/v1", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	assert.Empty(t, rep.Applied)
}

func TestCSVSourceSkipsBadLinesAndFailsOnAMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bookings.csv")
	require.NoError(t, os.WriteFile(path, []byte(
		"email,uid,room,start,end\n"+
			"a@example.com,u1,Studio 1,2030-01-01T09:00:00Z,2030-01-01T10:00:00Z\n"+
			"not an address,u2,Studio 1,2030-01-01T09:00:00Z,2030-01-01T10:00:00Z\n"+
			"b@example.com,u3,Studio 1,tomorrow,2030-01-01T10:00:00Z\n"+
			"c@example.com,u4,Studio 1,2031-01-01T09:00:00Z,2031-01-01T10:00:00Z\n"), 0o600))
	src := &CSVSource{SourceName: "csv", Path: path}
	window := booking.Window{Start: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC)}
	res, err := src.Fetch(context.Background(), window)
	require.NoError(t, err)
	require.Len(t, res.Bookings, 1, "u4 lies outside the window")
	assert.Equal(t, "u1", res.Bookings[0].UID)
	assert.Equal(t, "a@example.com", res.Bookings[0].Persons[0].Email)
	require.Len(t, res.Warnings, 2)
	assert.Equal(t, "u2", res.Warnings[0].UID)
	assert.Contains(t, res.Warnings[1].Reason, "line 4")

	_, err = (&CSVSource{SourceName: "csv", Path: filepath.Join(t.TempDir(), "missing.csv")}).Fetch(context.Background(), window)
	assert.Error(t, err, "an unreadable file fails the fetch, so the last good bookings stay in force")

	require.NoError(t, os.WriteFile(path, []byte("uid,room,start\n"), 0o600))
	_, err = src.Fetch(context.Background(), window)
	assert.ErrorContains(t, err, `no "end" column`)
}
