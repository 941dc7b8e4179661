package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/places"

	"github.com/net2booking/net2booking/booking"
)

// Room is a meeting room of the tenant as Graph's places API lists it.
type Room struct {
	// Address is the room mailbox's address, lower-case: what rooms: and resources: use.
	Address string
	// Name is the room's display name.
	Name string
	// Capacity is the number of seats; 0 when unknown.
	Capacity int
	// Building and Floor locate the room, when the admin filled them in ("" otherwise).
	Building string
	Floor    string
	// Lists are the addresses of the room lists that contain the room, sorted.
	Lists []string
}

// RoomList is a room list (a group of rooms, usually a building) of the tenant.
type RoomList struct {
	// Address is the room list's address, lower-case.
	Address string
	// Name is its display name.
	Name string
	// Rooms are the addresses of its rooms, sorted.
	Rooms []string
}

// ListRooms lists the tenant's rooms and room lists with the app registration in opts
// (opts.Rooms is ignored), every page of them. It needs the application permission
// Place.Read.All. Rooms hidden from the address list are not returned by Graph. Rooms are
// sorted by address, lists too. If Graph fails part-way, ListRooms returns an error that says
// the list is incomplete, and no rooms.
func ListRooms(ctx context.Context, opts Options) ([]Room, []RoomList, error) {
	s, err := opts.settings(false)
	if err != nil {
		return nil, nil, err
	}
	c, err := newClient(s)
	if err != nil {
		return nil, nil, err
	}
	top := int32(placesPageSize)

	byAddr := map[string]*Room{}
	var order []string
	n, err := eachPlace(
		func(skip int32) (models.RoomCollectionResponseable, error) {
			return c.places.GraphRoom().Get(ctx, &places.GraphRoomRequestBuilderGetRequestConfiguration{
				QueryParameters: &places.GraphRoomRequestBuilderGetQueryParameters{Top: &top, Skip: &skip},
			})
		},
		func(next string) (models.RoomCollectionResponseable, error) {
			return c.places.GraphRoom().WithUrl(next).Get(ctx, nil)
		},
		func(r models.Roomable) {
			room, ok := fromRoomModel(r)
			if !ok {
				return
			}
			if byAddr[room.Address] == nil {
				order = append(order, room.Address)
			}
			byAddr[room.Address] = &room
		})
	if err != nil {
		return nil, nil, incomplete(s.describe(ctx, err, opRooms, ""), n, "room", "rooms")
	}

	var lists []RoomList
	n, err = eachPlace(
		func(skip int32) (models.RoomListCollectionResponseable, error) {
			return c.places.GraphRoomList().Get(ctx, &places.GraphRoomListRequestBuilderGetRequestConfiguration{
				QueryParameters: &places.GraphRoomListRequestBuilderGetQueryParameters{Top: &top, Skip: &skip},
			})
		},
		func(next string) (models.RoomListCollectionResponseable, error) {
			return c.places.GraphRoomList().WithUrl(next).Get(ctx, nil)
		},
		func(l models.RoomListable) {
			addr, err := booking.NormalizeEmail(deref(l.GetEmailAddress()))
			if err != nil {
				return // a list without an address cannot be expanded or configured
			}
			lists = append(lists, RoomList{Address: addr, Name: cleanText(deref(l.GetDisplayName()))})
		})
	if err != nil {
		return nil, nil, incomplete(s.describe(ctx, err, opRooms, ""), n, "room list", "room lists")
	}

	// The members of each list, a few lists at a time.
	errs := make([]error, len(lists))
	counts := make([]int, len(lists))
	sem := make(chan struct{}, s.limit)
	var wg sync.WaitGroup
	for i := range lists {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			list := &lists[i]
			counts[i], errs[i] = eachPlace(
				func(skip int32) (models.RoomCollectionResponseable, error) {
					return c.places.ByPlaceId(list.Address).GraphRoomList().Rooms().Get(ctx,
						&places.ItemGraphRoomListRoomsRequestBuilderGetRequestConfiguration{
							QueryParameters: &places.ItemGraphRoomListRoomsRequestBuilderGetQueryParameters{Top: &top, Skip: &skip},
						})
				},
				func(next string) (models.RoomCollectionResponseable, error) {
					return c.places.ByPlaceId(list.Address).GraphRoomList().Rooms().WithUrl(next).Get(ctx, nil)
				},
				func(r models.Roomable) {
					if room, ok := fromRoomModel(r); ok && !slices.Contains(list.Rooms, room.Address) {
						list.Rooms = append(list.Rooms, room.Address)
					}
				})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			continue
		}
		re := s.describe(ctx, err, opRooms, "")
		if re.status == 404 && counts[i] == 0 {
			continue // a list Graph cannot expand is listed without rooms
		}
		re = incomplete(re, counts[i], "room", "rooms")
		re.msg = fmt.Sprintf("listing the rooms of room list %s: %s", lists[i].Address, strings.TrimPrefix(re.msg, "listing the tenant's rooms: "))
		return nil, nil, re
	}

	for i := range lists {
		slices.Sort(lists[i].Rooms)
		for _, addr := range lists[i].Rooms {
			if r := byAddr[addr]; r != nil && !slices.Contains(r.Lists, lists[i].Address) {
				r.Lists = append(r.Lists, lists[i].Address)
			}
		}
	}
	rooms := make([]Room, 0, len(order))
	for _, addr := range order {
		r := *byAddr[addr]
		slices.Sort(r.Lists)
		rooms = append(rooms, r)
	}
	slices.SortFunc(rooms, func(a, b Room) int { return strings.Compare(a.Address, b.Address) })
	slices.SortFunc(lists, func(a, b RoomList) int { return strings.Compare(a.Address, b.Address) })
	return rooms, lists, nil
}

// incomplete rewrites the error of a listing that failed after n items had been read, so
// that it says the list could not be read in full.
func incomplete(re *requestError, n int, one, many string) *requestError {
	if n == 0 {
		return re
	}
	what, detail, _ := strings.Cut(re.msg, ": ")
	re.msg = fmt.Sprintf("%s: could not list them all: Graph failed after %s (%s); nothing is shown, as the list would be incomplete. Run the command again",
		what, plural(n, one, many), detail)
	return re
}

// fromRoomModel copies a Graph room; rooms without a usable address are left out (they
// cannot be configured).
func fromRoomModel(r models.Roomable) (Room, bool) {
	if r == nil {
		return Room{}, false
	}
	addr, err := booking.NormalizeEmail(deref(r.GetEmailAddress()))
	if err != nil {
		return Room{}, false
	}
	room := Room{
		Address:  addr,
		Name:     cleanText(deref(r.GetDisplayName())),
		Building: cleanText(deref(r.GetBuilding())),
		Floor:    cleanText(deref(r.GetFloorLabel())),
	}
	if c := r.GetCapacity(); c != nil && *c > 0 {
		room.Capacity = int(*c)
	}
	if room.Floor == "" && r.GetFloorNumber() != nil {
		room.Floor = fmt.Sprint(*r.GetFloorNumber())
	}
	return room, true
}

// collection is a page of a Graph collection.
type collection[T any] interface {
	GetValue() []T
	GetOdataNextLink() *string
}

// placesPageSize is the $top of places requests (Graph's most).
const placesPageSize = 999

// eachPlace calls each for every item of a places collection and returns how many items it
// saw. Graph's places API does not page by itself: it answers at most $top items and no
// nextLink, so the next page is asked for with $skip, until a page is empty or shorter than
// the pages before it (which also copes with a server that caps $top lower). Should Graph
// send nextLinks, they are followed until one is missing.
func eachPlace[T any, P collection[T]](get func(skip int32) (P, error), next func(string) (P, error), each func(T)) (int, error) {
	seen, full, linked := 0, 0, false
	page, err := get(0)
	for pages := 1; ; pages++ {
		if err != nil {
			return seen, err
		}
		if any(page) == nil {
			return seen, nil
		}
		items := page.GetValue()
		for _, item := range items {
			each(item)
		}
		seen += len(items)
		link := deref(page.GetOdataNextLink())
		switch {
		case link != "":
			linked = true
		case linked, len(items) == 0, len(items) < full:
			return seen, nil
		}
		full = max(full, len(items))
		if pages >= maxPages {
			return seen, errors.Join(booking.ErrUnusable, fmt.Errorf("the list did not end after %d pages", maxPages))
		}
		if link != "" {
			page, err = next(link)
		} else {
			page, err = get(int32(seen))
		}
	}
}

// cleanText makes a name from Graph safe to print: one line, no control characters.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	return oneLine(s, 200)
}
