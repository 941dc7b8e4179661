package graph

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/booking"
	icalfeed "github.com/net2booking/net2booking/booking/ical"
	"github.com/net2booking/net2booking/engine"
	"github.com/net2booking/net2booking/identifier"
	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

// TestICalAndOutlookFeedOnePlan checks SPEC B7: an iCal feed and Outlook rooms run together
// and feed one plan. Jane books a studio in Skedda and a meeting room in Outlook: she is one
// Net2 user with one code and both bookings in her memo, and each booking opens its own doors.
func TestICalAndOutlookFeedOnePlan(t *testing.T) {
	e := newEnv(t)
	ams := mustZone(t, "Europe/Amsterdam")
	e.clock.now = t0
	meetingAt := t0.Add(26 * time.Hour)
	e.graph.put(room1, meeting(room1, "m1", meetingAt, time.Hour, organizer("Jane Doe", "Jane.Doe@contoso.com")))
	outlook := e.source(room1)

	studioAt := t0.Add(2 * time.Hour)
	feed := fmt.Sprintf("BEGIN:VCALENDAR\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\nVERSION:2.0\r\n"+
		"BEGIN:VEVENT\r\nATTENDEE;CN=Jane Doe:mailto:jane.doe@contoso.com\r\nDTSTART:%s\r\nDTEND:%s\r\nRESOURCES:Studio 1\r\nUID:s1\r\nEND:VEVENT\r\n"+
		"END:VCALENDAR\r\n", studioAt.Format("20060102T150405Z"), studioAt.Add(time.Hour).Format("20060102T150405Z"))
	feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, feed) }))
	defer feedSrv.Close()
	skedda, err := icalfeed.New(icalfeed.Options{Name: "skedda", URL: feedSrv.URL, Dialect: icalfeed.DialectSkedda, SiteLocation: ams, Now: e.clock.Now})
	require.NoError(t, err)

	sim := net2sim.NewDemo(net2sim.Options{Now: e.clock.Now, Location: ams})
	net2Srv := httptest.NewServer(sim)
	defer net2Srv.Close()
	client, err := net2.New(net2.Config{BaseURL: net2Srv.URL, Operator: net2sim.DemoOperator, Password: net2sim.DemoPassword,
		ClientID: net2sim.DemoClientID, Now: e.clock.Now, Location: ams})
	require.NoError(t, err)
	ctl, err := net2.NewController(client, net2.ControllerConfig{MarkerField: 10, Code: accessplan.CodePIN, Location: ams})
	require.NoError(t, err)
	pin, err := identifier.NewPIN(6)
	require.NoError(t, err)
	syncer, err := engine.New(engine.Options{
		Sources: []booking.BookingSource{skedda, outlook}, Controller: ctl, Allocator: pin, Now: e.clock.Now,
		Policy: accessplan.Policy{
			Doors: map[string][]int{
				"Studio 1": {net2sim.DemoFrontDoor, net2sim.DemoStudio1},
				room1:      {net2sim.DemoFrontDoor, net2sim.DemoMeetingRoomA},
			},
			GraceBefore: 5 * time.Minute, GraceAfter: 10 * time.Minute, RemoveAfterDays: 7, Code: accessplan.CodePIN,
			Lookahead: 90 * 24 * time.Hour, Location: ams, Department: net2sim.DemoDeptBooking, AlwaysTimezone: 1,
		},
	})
	require.NoError(t, err)

	rep, err := syncer.Cycle(context.Background(), engine.CycleOptions{Fetch: true})
	require.NoError(t, err)
	require.Empty(t, rep.Failed)
	for _, s := range rep.Sources {
		require.NoError(t, s.LastError, s.Name)
	}
	require.Len(t, rep.Plan.Persons, 1, "one person across both systems")
	jane := rep.Plan.Persons[0]
	assert.Equal(t, "jane.doe@contoso.com", jane.Email)
	require.Len(t, jane.Grants, 2)
	assert.Equal(t, "skedda", jane.Grants[0].Source)
	assert.Equal(t, "outlook-test", jane.Grants[1].Source)

	var managed []net2sim.User
	for _, u := range sim.State().Users {
		if u.CustomFields[10] == net2.Marker {
			managed = append(managed, u)
		}
	}
	require.Len(t, managed, 1, "one Net2 user, one code")
	memo, problems := accessplan.ParseMemo(managed[0].CustomFields[13])
	require.Empty(t, problems)
	require.Len(t, memo.Records, 2)

	at := func(t time.Time) []int { return rep.Plan.Preview(t)[0].Doors }
	assert.Equal(t, []int{net2sim.DemoFrontDoor, net2sim.DemoStudio1}, at(studioAt.Add(time.Minute)))
	assert.Equal(t, []int{net2sim.DemoFrontDoor, net2sim.DemoMeetingRoomA}, at(meetingAt.Add(time.Minute)))
}
