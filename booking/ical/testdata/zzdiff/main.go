package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/booking/ical"
)

func main() {
	for _, f := range os.Args[1:] {
		data, _ := os.ReadFile(f)
		for _, mode := range []string{"bytes", "stream"} {
			var cal *ical.Calendar
			var err error
			opts := ical.ParseOptions{Name: "x", SiteLocation: time.UTC}
			if mode == "bytes" {
				cal, err = ical.Parse(data, opts)
			} else {
				cal, err = ical.ParseReader(struct{ io.Reader }{bytes.NewReader(data)}, opts)
			}
			fmt.Printf("== %s %s\n", f, mode)
			if err != nil {
				fmt.Println("ERR", err)
				continue
			}
			res := cal.Bookings(booking.Window{Start: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)})
			for _, b := range res.Bookings {
				fmt.Printf("%s|%s|%s|%s|%s|%v|%v\n", b.UID, b.RecurrenceID.UTC().Format(time.RFC3339), b.Start.Format(time.RFC3339), b.End.Format(time.RFC3339), b.Status, b.Persons, b.Resources)
			}
			for _, w := range res.Warnings {
				fmt.Println("W", w)
			}
			for _, n := range res.Notes {
				fmt.Println("N", n)
			}
		}
	}
}
