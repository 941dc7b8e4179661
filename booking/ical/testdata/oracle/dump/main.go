// Command dump prints what booking/ical makes of a feed, in the oracle's JSON-lines format.
// It lives under testdata so that `go build ./...` and `go test ./...` ignore it; run it with
// `go run ./booking/ical/testdata/oracle/dump FILE FROM TO [-floating-tz ZONE]`.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/booking/ical"
)

func main() {
	tz := flag.String("floating-tz", "UTC", "site zone for floating times and dates")
	flag.Parse()
	if flag.NArg() != 3 {
		fmt.Fprintln(os.Stderr, "usage: dump [-floating-tz ZONE] FILE FROM TO")
		os.Exit(2)
	}
	loc, err := time.LoadLocation(*tz)
	check(err)
	data, err := os.ReadFile(flag.Arg(0))
	check(err)
	from, err := time.Parse(time.RFC3339, flag.Arg(1))
	check(err)
	to, err := time.Parse(time.RFC3339, flag.Arg(2))
	check(err)
	cal, err := ical.Parse(data, ical.ParseOptions{Name: flag.Arg(0), SiteLocation: loc})
	check(err)
	res := cal.Bookings(booking.Window{Start: from, End: to})
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for _, b := range res.Bookings {
		rid := ""
		if !b.RecurrenceID.IsZero() {
			rid = b.RecurrenceID.UTC().Format(time.RFC3339)
		}
		check(enc.Encode(line{b.UID, rid, b.Start.UTC().Format(time.RFC3339), b.End.UTC().Format(time.RFC3339), string(b.Status)}))
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(os.Stderr, "warning:", w)
	}
}

// line has the oracle's field order.
type line struct {
	UID          string `json:"uid"`
	RecurrenceID string `json:"recurrence_id"`
	Start        string `json:"start"`
	End          string `json:"end"`
	Status       string `json:"status"`
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
