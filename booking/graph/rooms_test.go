package graph

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// roomJSON is a room as GET /places/microsoft.graph.room returns it (numeric capacity).
func roomJSON(addr, name, building string, capacity int, floor int) map[string]any {
	return map[string]any{
		"@odata.type":            "#microsoft.graph.room",
		"id":                     "3162F1E1-C4C0-604B-51D8-91DA78989EB1-" + strings.Split(addr, "@")[0],
		"emailAddress":           addr,
		"displayName":            name,
		"address":                map[string]any{"street": "4567 Main Street", "city": "Buffalo", "state": "NY", "postalCode": "98052", "countryOrRegion": "USA"},
		"geoCoordinates":         nil,
		"phone":                  "000-000-0000",
		"nickname":               name,
		"label":                  "100",
		"capacity":               capacity,
		"building":               building,
		"floorLabel":             nil,
		"floorNumber":            floor,
		"isWheelChairAccessible": false,
		"bookingType":            "standard",
		"tags":                   []string{"bean bags"},
		"audioDeviceName":        nil,
		"videoDeviceName":        nil,
		"displayDeviceName":      "surface hub",
	}
}

func roomListJSON(addr, name string) map[string]any {
	return map[string]any{
		"@odata.type":  "#microsoft.graph.roomList",
		"id":           "DC404124-302A-92AA-F98D-7B4DEB0C1705-" + strings.Split(addr, "@")[0],
		"displayName":  name,
		"address":      map[string]any{"city": "Buffalo"},
		"emailAddress": addr,
		"phone":        nil,
	}
}

// ListRooms lists every room, room list and the rooms of each list.
func TestListRoomsFollowsPagesAndRoomLists(t *testing.T) {
	e := newEnv(t)
	e.graph.rooms = []map[string]any{
		roomJSON("Room1@Contoso.com", "Room 1", "HQ", 10, 2),
		roomJSON("room2@contoso.com", "Room 2", "HQ", 4, 2),
		roomJSON("boardroom@contoso.com", "Board\u0007room", "Annex", 20, 0),
		roomJSON("cf001@contoso.com", "Conf Room Adams", "", 0, 1),
		roomJSON("studio@contoso.com", "Studio", "Annex", 2, 1),
	}
	e.graph.lists = []fakeList{
		{json: roomListJSON("hq@contoso.com", "HQ rooms"), rooms: []string{"room1@contoso.com", "room2@contoso.com", "cf001@contoso.com"}},
		{json: roomListJSON("annex@contoso.com", "Annex"), rooms: []string{"boardroom@contoso.com", "studio@contoso.com"}},
	}
	rooms, lists, err := ListRooms(t.Context(), e.options())
	require.NoError(t, err)
	require.Len(t, rooms, 5)
	assert.Equal(t, Room{Address: "room1@contoso.com", Name: "Room 1", Capacity: 10, Building: "HQ", Floor: "2", Lists: []string{"hq@contoso.com"}}, rooms[2])
	assert.Equal(t, "Board room", rooms[0].Name, "control characters are removed")
	assert.Equal(t, 0, rooms[1].Capacity, "capacity 0 means unknown")
	require.Len(t, lists, 2)
	assert.Equal(t, RoomList{Address: "annex@contoso.com", Name: "Annex", Rooms: []string{"boardroom@contoso.com", "studio@contoso.com"}}, lists[0])
	assert.Equal(t, []string{"cf001@contoso.com", "room1@contoso.com", "room2@contoso.com"}, lists[1].Rooms)

	// Graph gives no nextLink: five rooms on the first page, then an empty one at $skip=5.
	assert.Equal(t, 2, e.graph.count("/v1.0/places/graph.room"))
	assert.Equal(t, 0, e.graph.count("/v1.0/places/microsoft.graph.room"))
	var reqs []fakeRequest
	for _, r := range e.graph.requests("/v1.0/places/graph.room") {
		if r.Path == "/v1.0/places/graph.room" {
			reqs = append(reqs, r)
		}
	}
	require.Len(t, reqs, 2)
	assert.Equal(t, "999", reqs[0].Query.Get("$top"))
	assert.Equal(t, "5", reqs[1].Query.Get("$skip"))
}

// 403 on the places API names Place.Read.All.
func TestListRoomsForbiddenNamesPlaceReadAll(t *testing.T) {
	e := newEnv(t)
	e.graph.fail("/places/", -1, http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.", nil)
	_, _, err := ListRooms(t.Context(), e.options())
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrPermission)
	assert.Contains(t, err.Error(), "Place.Read.All")
	assert.Contains(t, err.Error(), "admin consent")
}

// WriteRooms prints the rooms and states which lines to paste.
func TestWriteRoomsTellsWhatToPaste(t *testing.T) {
	var b bytes.Buffer
	WriteRooms(&b, []Room{
		{Address: "boardroom@contoso.com", Name: "Boardroom", Capacity: 20, Building: "Annex", Lists: []string{"annex@contoso.com"}},
		{Address: "room1@contoso.com", Name: "Room 1", Capacity: 10, Building: "HQ", Floor: "2", Lists: []string{"hq@contoso.com"}},
		{Address: "x@contoso.com"},
	}, []RoomList{{Address: "annex@contoso.com", Name: "Annex", Rooms: []string{"boardroom@contoso.com"}}, {Address: "hq@contoso.com", Name: "HQ", Rooms: []string{"room1@contoso.com"}}})
	out := b.String()
	for _, want := range []string{
		"3 rooms in the tenant:",
		"ADDRESS", "CAPACITY",
		"room1@contoso.com      Room 1     10        HQ        2      hq@contoso.com",
		"2 room lists:",
		"    rooms: [boardroom@contoso.com, room1@contoso.com, x@contoso.com]",
		"resources:\n",
		`  "boardroom@contoso.com": []   # Boardroom, Annex`,
		`  "room1@contoso.com": []       # Room 1, HQ`,
		`  "x@contoso.com": []` + "\n",
		"net2booking net2 doors",
	} {
		assert.Contains(t, out, want)
	}
	t.Log("\n" + out)

	b.Reset()
	WriteRooms(&b, nil, nil)
	assert.Contains(t, b.String(), "No rooms found")
}

// A tenant with 1,000 rooms: Graph answers at most $top (999) rooms a page and no nextLink,
// so ListRooms pages with $skip until a short page, and lists all of them. It does as well
// when Graph caps pages lower than asked, and when Graph does send nextLinks.
func TestListRoomsListsAThousandRooms(t *testing.T) {
	for _, tc := range []struct {
		name     string
		set      func(*fakeKnobs)
		requests int
	}{
		{"evidence", func(*fakeKnobs) {}, 2},
		{"pages capped at 100", func(k *fakeKnobs) { k.placesMaxTop = 100 }, 11},
		{"nextLinks", func(k *fakeKnobs) { k.placesMaxTop = 300; k.placesNextLink = true }, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.graph.configure(tc.set)
			for i := range 1000 {
				e.graph.rooms = append(e.graph.rooms, roomJSON(fmt.Sprintf("room%04d@contoso.com", i), fmt.Sprintf("Room %d", i), "HQ", 6, 1))
			}
			rooms, _, err := ListRooms(t.Context(), e.options())
			require.NoError(t, err)
			require.Len(t, rooms, 1000)
			assert.Equal(t, "room0000@contoso.com", rooms[0].Address)
			assert.Equal(t, "room0999@contoso.com", rooms[999].Address)
			assert.Equal(t, tc.requests, e.graph.count("/v1.0/places/graph.room")+e.graph.count("/v1.0/places/microsoft.graph.room"))
		})
	}
}

// When Graph fails part-way through the rooms, ListRooms says the list is incomplete and how
// far it got, and returns no rooms (an admin would paste a partial list).
func TestListRoomsFailingPartWaySaysSo(t *testing.T) {
	e := newEnv(t)
	e.graph.configure(func(k *fakeKnobs) { k.placesMaxTop = 100 })
	for i := range 250 {
		e.graph.rooms = append(e.graph.rooms, roomJSON(fmt.Sprintf("room%04d@contoso.com", i), "Room", "HQ", 6, 1))
	}
	e.graph.failWhen(func(r *http.Request) bool { return r.URL.Query().Get("$skip") == "200" },
		-1, http.StatusServiceUnavailable, "ServiceUnavailable", "Service is unavailable.", map[string]string{"Retry-After": "0"})
	rooms, lists, err := ListRooms(t.Context(), e.options())
	require.Error(t, err)
	assert.Nil(t, rooms)
	assert.Nil(t, lists)
	for _, want := range []string{"listing the tenant's rooms", "could not list them all", "after 200 rooms", "503", "incomplete", "again"} {
		assert.Contains(t, err.Error(), want)
	}
}
