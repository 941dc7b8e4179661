package accessplan

import (
	"fmt"
	"testing"
	"time"

	"github.com/net2booking/net2booking/booking"
)

// BenchmarkComputeAccess plans the window of the generated 100,000-event Skedda feed that
// preview answers for: 26,666 bookings of 5,000 persons in 200 rooms (one or two rooms
// each), over 90 days. It is the planning part of the whole preview's time.
func BenchmarkComputeAccess(b *testing.B) {
	doors := map[string][]int{}
	room := func(i int) string { return fmt.Sprintf("Meeting Room %03d – Floor %d", i, i%7) }
	for i := range 200 {
		doors[room(i)] = []int{1000000 + i%7, 2000000 + i}
	}
	policy := Policy{Doors: doors, GraceBefore: 5 * time.Minute, GraceAfter: 10 * time.Minute,
		RemoveAfterDays: 7, Lookahead: 90 * 24 * time.Hour, Location: time.UTC}
	at := time.Date(2026, 6, 3, 10, 0, 0, 0, time.UTC)
	persons := make([][]booking.Person, 5000)
	for i := range persons {
		p, err := booking.NewPerson(fmt.Sprintf("person%d.surname@example.com", i), fmt.Sprintf("Person%d Surname%d", i, i), booking.RoleAttendee)
		if err != nil {
			b.Fatal(err)
		}
		persons[i] = []booking.Person{p}
	}
	bookings := make([]booking.Booking, 26666)
	for i := range bookings {
		start := at.Add(time.Duration(i) * 90 * 24 * time.Hour / time.Duration(len(bookings))).Truncate(15 * time.Minute)
		res := []string{room(i * 7919 % 200)}
		if i%3 == 0 {
			res = append(res, room(i*104729%200))
		}
		bookings[i] = booking.Booking{Source: "bench", UID: fmt.Sprintf("%08d_%d", i, start.Unix()), Resources: res,
			Start: start, End: start.Add(time.Duration(1+i%4) * 30 * time.Minute), Status: booking.StatusConfirmed,
			Persons: persons[i*31%len(persons)]}
	}
	in := Input{Now: at, Policy: policy, Sources: []SourceState{{Name: "bench", Known: true, Bookings: bookings}}}
	b.ReportAllocs()
	for b.Loop() {
		plan := ComputeAccess(in)
		if len(plan.Persons) != len(persons) {
			b.Fatalf("%d persons", len(plan.Persons))
		}
	}
}
