// Command csvsource shows how to embed the net2booking engine with a booking source of your
// own: bookings come from a CSV file instead of an iCal feed or Outlook, and the engine turns
// them into Net2 users with a PIN and door access, as `net2booking run` does.
//
// Run it with no arguments and it writes a sample file with bookings around now and applies
// it to the Net2 emulator (net2/net2sim) started in-process:
//
//	go run ./examples/csvsource
//	go run ./examples/csvsource -csv bookings.csv
//
// The file has a header line and one booking per line:
//
//	uid,room,start,end,email,name
//	b-1,Studio 1,2026-03-02T09:00:00+01:00,2026-03-02T11:00:00+01:00,alex@example.com,Alex Example
//
// To use a real Net2, replace the emulator's URL and login in main with your own.
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/engine"
	"github.com/net2booking/net2booking/identifier"
	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

// CSVSource is a booking.BookingSource reading a CSV file on every fetch.
type CSVSource struct {
	// SourceName names the source in logs and in the Net2 memo.
	SourceName string
	// Path is the CSV file: a header line uid,room,start,end,email,name (in any order), then
	// one booking per line with RFC 3339 times.
	Path string
}

// Name implements booking.BookingSource.
func (s *CSVSource) Name() string { return s.SourceName }

// Fetch implements booking.BookingSource: every booking of the file overlapping window. A file
// that cannot be read fails the fetch as a whole, so the engine keeps the last good bookings
// in force; a bad line only skips that booking, with a warning.
func (s *CSVSource) Fetch(_ context.Context, window booking.Window) (booking.FetchResult, error) {
	f, err := os.Open(s.Path)
	if err != nil {
		return booking.FetchResult{}, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return booking.FetchResult{}, fmt.Errorf("%s: no header line: %w", s.Path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, want := range []string{"uid", "room", "start", "end", "email"} {
		if _, ok := col[want]; !ok {
			return booking.FetchResult{}, fmt.Errorf("%s: the header has no %q column", s.Path, want)
		}
	}
	var res booking.FetchResult
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return booking.FetchResult{}, fmt.Errorf("%s: %w", s.Path, err)
		}
		field := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		skip := func(format string, args ...any) {
			res.Warnings = append(res.Warnings, booking.Warning{
				Source: s.SourceName, UID: field("uid"), Reason: fmt.Sprintf("line %d: ", line) + fmt.Sprintf(format, args...)})
		}
		start, err1 := time.Parse(time.RFC3339, field("start"))
		end, err2 := time.Parse(time.RFC3339, field("end"))
		if err := errors.Join(err1, err2); err != nil || !end.After(start) {
			skip("start and end must be RFC 3339 times, end after start")
			continue
		}
		person, err := booking.NewPerson(field("email"), field("name"), booking.RoleOrganizer)
		if err != nil {
			skip("%v", err)
			continue
		}
		if field("uid") == "" || field("room") == "" {
			skip("uid and room are required")
			continue
		}
		b := booking.Booking{Source: s.SourceName, UID: field("uid"), Resources: []string{field("room")},
			Start: start, End: end, Status: booking.StatusConfirmed, Persons: []booking.Person{person}}
		if b.Start.Before(window.End) && b.End.After(window.Start) {
			res.Bookings = append(res.Bookings, b)
		}
	}
	return res, nil
}

// site is what the example needs from Net2: the controller writing users, and the policy
// mapping rooms to the doors they open.
type site struct {
	client     *net2.Client
	controller accessplan.AccessController
	policy     accessplan.Policy
}

// connect logs in to the Net2 emulator's demo site and resolves it by name, as a
// configuration file names it.
func connect(ctx context.Context, baseURL string, loc *time.Location, logger *slog.Logger) (*site, error) {
	client, err := net2.New(net2.Config{BaseURL: baseURL, Operator: net2sim.DemoOperator, Password: net2sim.DemoPassword,
		ClientID: net2sim.DemoClientID, Location: loc, Logger: logger})
	if err != nil {
		return nil, err
	}
	ref := func(key, name string) net2.SiteRef { return net2.SiteRef{Key: key, Ref: net2.Ref{Name: name}} }
	room := func(name string, doors ...string) net2.ResourceRefs {
		r := net2.ResourceRefs{Key: "resources." + name, Name: name}
		for _, d := range doors {
			r.Targets = append(r.Targets, net2.Ref{Name: d})
		}
		return r
	}
	resolved, errs := net2.ResolveSite(ctx, client, net2.SiteNames{
		Department: ref("department", "Booking"), MarkerField: ref("marker_field", "Position"),
		FallbackLevel: ref("fallback_access_level", "No access"), AlwaysTimezone: ref("always_timezone", "All day, every day"),
		Resources: []net2.ResourceRefs{room("Studio 1", "Front door", "Studio 1"), room("Meeting room A", "Front door", "Meeting room A")},
		Grant:     accessplan.GrantIndividual, PermissionIDs: net2.PermissionAreas,
	})
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	ctl, err := net2.NewController(client, net2.ControllerConfig{MarkerField: resolved.MarkerField, Code: accessplan.CodePIN,
		Location: loc, PermissionIDs: resolved.PermissionIDs, DoorAreas: resolved.DoorAreas, Logger: logger})
	if err != nil {
		return nil, err
	}
	policy := resolved.Policy(accessplan.Policy{GraceBefore: 5 * time.Minute, GraceAfter: 10 * time.Minute, RemoveAfterDays: 7,
		Code: accessplan.CodePIN, Lookahead: 30 * 24 * time.Hour, Location: loc})
	return &site{client: client, controller: ctl, policy: policy}, nil
}

// syncOnce applies the CSV file to Net2 in one cycle and reports what it did on w (the
// source's warnings go to logger).
func syncOnce(ctx context.Context, w io.Writer, csvPath, net2URL string, logger *slog.Logger) (*engine.Report, error) {
	s, err := connect(ctx, net2URL, time.Local, logger)
	if err != nil {
		return nil, err
	}
	alloc, err := identifier.NewPIN(6)
	if err != nil {
		return nil, err
	}
	src := &CSVSource{SourceName: "csv", Path: csvPath}
	syncer, err := engine.New(engine.Options{Sources: []booking.BookingSource{src}, Controller: s.controller,
		Allocator: alloc, Policy: s.policy, Logger: logger})
	if err != nil {
		return nil, err
	}
	// One cycle, as `net2booking sync` does; syncer.Run(ctx) would keep going like `run`.
	rep, err := syncer.Cycle(ctx, engine.CycleOptions{Fetch: true, FullVerify: true})
	if err != nil {
		return nil, err
	}
	if err := rep.Sources[0].LastError; err != nil {
		return rep, fmt.Errorf("the CSV source failed: %w", err)
	}
	fmt.Fprintf(w, "%d booking(s) read, %d Net2 write(s):\n", rep.Sources[0].Bookings, len(rep.Applied))
	for _, a := range rep.Applied {
		fmt.Fprintf(w, "  %s\n", a)
	}
	for _, f := range rep.Failed {
		fmt.Fprintf(w, "  FAILED %s: %v\n", f.Action, f.Err)
	}
	return rep, nil
}

// writeSample writes a CSV file with bookings around now.
func writeSample(path string, now time.Time) error {
	at := func(d time.Duration) string { return now.Truncate(time.Minute).Add(d).Format(time.RFC3339) }
	rows := [][]string{
		{"uid", "room", "start", "end", "email", "name"},
		{"csv-1", "Studio 1", at(-30 * time.Minute), at(90 * time.Minute), "alex@example.com", "Alex Example"},
		{"csv-2", "Meeting room A", at(2 * time.Hour), at(3 * time.Hour), "sam@example.org", "Sam Sample"},
		{"csv-3", "Meeting room A", at(26 * time.Hour), at(27 * time.Hour), "alex@example.com", "Alex Example"},
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(f)
	cw.WriteAll(rows)
	return errors.Join(cw.Error(), f.Close())
}

func main() {
	csvPath := flag.String("csv", "", "CSV file of bookings (default: a sample around now)")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if *csvPath == "" {
		*csvPath = filepath.Join(os.TempDir(), "net2booking-example-bookings.csv")
		if err := writeSample(*csvPath, time.Now()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("sample bookings:", *csvPath)
	}
	// The Net2 emulator with its demo site, on a loopback port.
	sim := net2sim.NewDemo(net2sim.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	if _, err := syncOnce(context.Background(), os.Stdout, *csvPath, "http://"+ln.Addr().String()+"/api/v1", logger); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("Net2 users with a booking code:")
	for _, u := range sim.State().Users {
		if u.CustomFields[10] == net2.Marker && u.PIN != "" {
			fmt.Printf("  %s %s  PIN %s\n", u.FirstName, u.LastName, u.PIN)
		}
	}
}
