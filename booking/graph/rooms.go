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
// (opts.Rooms is ignored), following every page. It needs the application permission
// Place.Read.All. Rooms hidden from the address list are not returned by Graph. Rooms are
// sorted by address, lists too.
func ListRooms(ctx context.Context, opts Options) ([]Room, []RoomList, error) {
	s, err := opts.settings(false)
	if err != nil {
		return nil, nil, err
	}
	c, err := newClient(s)
	if err != nil {
		return nil, nil, err
	}
	top := int32(pageSize)

	byAddr := map[string]*Room{}
	var order []string
	err = eachPage(
		func() (models.RoomCollectionResponseable, error) {
			return c.places.GraphRoom().Get(ctx, &places.GraphRoomRequestBuilderGetRequestConfiguration{
				QueryParameters: &places.GraphRoomRequestBuilderGetQueryParameters{Top: &top},
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
		return nil, nil, s.describe(ctx, err, opRooms, "")
	}

	var lists []RoomList
	err = eachPage(
		func() (models.RoomListCollectionResponseable, error) {
			return c.places.GraphRoomList().Get(ctx, &places.GraphRoomListRequestBuilderGetRequestConfiguration{
				QueryParameters: &places.GraphRoomListRequestBuilderGetQueryParameters{Top: &top},
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
		return nil, nil, s.describe(ctx, err, opRooms, "")
	}

	// The members of each list, a few lists at a time.
	errs := make([]error, len(lists))
	sem := make(chan struct{}, s.limit)
	var wg sync.WaitGroup
	for i := range lists {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			list := &lists[i]
			errs[i] = eachPage(
				func() (models.RoomCollectionResponseable, error) {
					return c.places.ByPlaceId(list.Address).GraphRoomList().Rooms().Get(ctx,
						&places.ItemGraphRoomListRoomsRequestBuilderGetRequestConfiguration{
							QueryParameters: &places.ItemGraphRoomListRoomsRequestBuilderGetQueryParameters{Top: &top},
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
		if re.status == 404 {
			continue // a list Graph cannot expand is listed without rooms
		}
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

// eachPage calls each for every item of a paged collection, following nextLinks.
func eachPage[T any, P collection[T]](first func() (P, error), next func(string) (P, error), each func(T)) error {
	page, err := first()
	for pages := 1; ; pages++ {
		if err != nil {
			return err
		}
		if any(page) == nil {
			return nil
		}
		for _, item := range page.GetValue() {
			each(item)
		}
		link := deref(page.GetOdataNextLink())
		if link == "" {
			return nil
		}
		if pages >= maxPages {
			return errors.Join(booking.ErrUnusable, fmt.Errorf("the list did not end after %d pages", maxPages))
		}
		page, err = next(link)
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
