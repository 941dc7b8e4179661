package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/booking/ical"
	"github.com/net2booking/net2booking/engine"
	"github.com/net2booking/net2booking/identifier"
	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
	"github.com/net2booking/net2booking/notify"
)

// runDemo shows the whole flow with nothing to set up: it starts the Net2 emulator with a demo
// site in-process, serves a bundled Skedda-style feed with bookings around the current time,
// runs one sync, and prints the codes issued, who has access now and the next transitions.
func runDemo(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet("demo", env)
	verbose := fs.Bool("v", false, "log every Net2 write")
	mailDir := fs.String("mail-dir", "", "folder for the emails the demo would send, as .eml files (default: a new temporary folder)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	now := time.Now()
	loc := time.Local
	sim := net2sim.NewDemo(net2sim.Options{Location: loc})
	feed := demoFeed(now, loc)
	mux := http.NewServeMux()
	mux.Handle("/", sim)
	mux.HandleFunc("/demo.ics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		io.WriteString(w, feed)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("starting the emulator: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	level := slog.LevelError // the demo prints its own warnings
	if *verbose {
		level = slog.LevelInfo
	}
	logger := newLogger(env.stderr, nil, level)
	client, err := net2.New(net2.Config{BaseURL: base + "/api/v1", Operator: net2sim.DemoOperator, Password: net2sim.DemoPassword,
		ClientID: net2sim.DemoClientID, Location: loc, Logger: logger})
	if err != nil {
		return err
	}
	// The demo site is resolved by name, as a configuration file would name it: doors become
	// their reader areas (the front door has an In and an Out reader).
	byName := func(key, name string) net2.SiteRef { return net2.SiteRef{Key: key, Ref: net2.Ref{Name: name}} }
	room := func(name string, doors ...string) net2.ResourceRefs {
		r := net2.ResourceRefs{Key: "resources." + name, Name: name}
		for _, d := range doors {
			r.Targets = append(r.Targets, net2.Ref{Name: d})
		}
		return r
	}
	site, errs := net2.ResolveSite(ctx, client, net2.SiteNames{
		Department: byName("access.department", "Booking"), MarkerField: byName("access.marker_field", "Position"),
		FallbackLevel: byName("access.fallback_access_level", "No access"), AlwaysTimezone: byName("access.always_timezone", "All day, every day"),
		Resources: []net2.ResourceRefs{
			room("Studio 1", "Front door", "Studio 1"),
			room("Meeting room A", "Front door", "Meeting room A"),
			room("Meeting room B", "Front door", "Meeting room B"),
		},
		Grant: accessplan.GrantIndividual, PermissionIDs: net2.PermissionAreas,
	})
	if len(errs) > 0 {
		return fmt.Errorf("demo site: %w", joinLines(errs))
	}
	ctl, err := net2.NewController(client, net2.ControllerConfig{MarkerField: site.MarkerField, Code: accessplan.CodePIN, Location: loc,
		PermissionIDs: site.PermissionIDs, DoorAreas: site.DoorAreas, Logger: logger})
	if err != nil {
		return err
	}
	src, err := ical.New(ical.Options{Name: "demo feed", URL: base + "/demo.ics", Dialect: ical.DialectSkedda, SiteLocation: loc, Logger: logger})
	if err != nil {
		return err
	}
	alloc, err := identifier.NewPIN(6)
	if err != nil {
		return err
	}
	policy := site.Policy(accessplan.Policy{
		GraceBefore: 5 * time.Minute, GraceAfter: 10 * time.Minute, RemoveAfterDays: 7,
		Code: accessplan.CodePIN, Lookahead: 90 * 24 * time.Hour, Location: loc,
	})
	// The emails go into a folder as .eml files instead of to an SMTP server.
	if *mailDir == "" {
		if *mailDir, err = os.MkdirTemp("", "net2booking-demo-mail-"); err != nil {
			return err
		}
	}
	composer, err := notify.NewSMTP(notify.SMTPConfig{Sender: "Demo front desk <frontdesk@example.com>", Location: loc, Logger: logger})
	if err != nil {
		return err
	}
	policy.Notify = true
	outbox := &notify.Dir{Path: *mailDir, SMTP: composer, Logger: logger}
	syncer, err := engine.New(engine.Options{Sources: []booking.BookingSource{src}, Controller: ctl, Allocator: alloc, Policy: policy, Logger: logger, Notifier: outbox})
	if err != nil {
		return err
	}
	rep, err := syncer.Cycle(ctx, engine.CycleOptions{Fetch: true, FullVerify: true})
	if err != nil {
		return fmt.Errorf("demo sync: %w", err)
	}
	if rep.Sources[0].LastError != nil {
		return fmt.Errorf("demo feed: %w", rep.Sources[0].LastError)
	}
	if len(rep.Failed) > 0 {
		return fmt.Errorf("demo sync: %d write(s) failed, first: %w", len(rep.Failed), rep.Failed[0].Err)
	}

	w := env.stdout
	fmt.Fprintf(w, "net2booking demo: an emulated Net2 (demo site) and a bundled Skedda-style feed, %s.\n\n", formatTime(now, loc))
	fmt.Fprintf(w, "One sync fetched %d booking occurrence(s) and applied %d Net2 write(s):\n", rep.Sources[0].Bookings, len(rep.Applied))
	for _, a := range rep.Applied {
		fmt.Fprintf(w, "  %s\n", a)
	}
	for _, u := range rep.Plan.Unmapped {
		fmt.Fprintf(w, "  warning: resource %q maps to no door, so it opens nothing (add it under resources: in a real configuration)\n", u.Resource)
	}

	fmt.Fprintln(w, "\nPersonal codes now in Net2 (marked BOOKINGSYNC in field 10, bookings in the memo):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  NET2 USER\tNAME\tPIN\tVALID")
	for _, u := range sim.State().Users {
		if u.CustomFields[10] != net2.Marker {
			continue
		}
		valid := u.ActivateDate.In(loc).Format("2006-01-02") + " .. never"
		if u.ExpiryDate != nil {
			valid = u.ActivateDate.In(loc).Format("2006-01-02") + " .. " + u.ExpiryDate.In(loc).Format("2006-01-02")
		}
		fmt.Fprintf(tw, "  %d\t%s %s\t%s\t%s\n", u.ID, u.FirstName, u.LastName, u.PIN, valid)
	}
	tw.Flush()

	fmt.Fprintln(w)
	printPreviewTable(w, now, loc, rep.Plan.Preview(now))

	fmt.Fprintln(w, "\nNext transitions (applied at the exact instant by `net2booking run`):")
	doors := map[int]string{}
	if list, err := client.Doors(ctx); err == nil {
		for _, d := range list {
			doors[d.ID] = d.Name
		}
	}
	for _, t := range rep.Plan.Transitions(now, 8) {
		verb := "opens for"
		if !t.Open {
			verb = "closes for"
		}
		fmt.Fprintf(w, "  %s  %-14s %s %s\n", formatTime(t.At, loc), doors[t.Door], verb, t.Email)
	}
	files, _ := filepath.Glob(filepath.Join(*mailDir, "*.eml"))
	fmt.Fprintf(w, "\nThe %d email(s) a real site would send (code, bookings, QR image or PIN, calendar file) are in %s as .eml files;\nopen one with a mail program.\n", len(files), *mailDir)
	fmt.Fprintln(w, "\nNext: `net2booking sim --listen 127.0.0.1:8080 --seed demo` serves this emulator for your own configuration;")
	fmt.Fprintln(w, "see README.md for a real site.")
	return nil
}

// demoFeed is a Skedda-style feed with bookings placed around now: one in progress, one
// about to start, one tomorrow, a weekly series, a cancelled booking and an unmapped space.
func demoFeed(now time.Time, loc *time.Location) string {
	utc := func(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
	round := now.Truncate(5 * time.Minute)
	y, m, d := now.In(loc).Date()
	tomorrow9 := time.Date(y, m, d+1, 9, 0, 0, 0, loc)
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\nVERSION:2.0\r\n")
	event := func(uid, cn, email string, start, end time.Time, extra string, resources ...string) {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nATTENDEE;CN=%s:mailto:%s\r\nDTSTAMP:%s\r\nDTSTART:%s\r\nDTEND:%s\r\n", cn, email, utc(now), utc(start), utc(end))
		for _, r := range resources {
			fmt.Fprintf(&b, "RESOURCES:%s\r\n", r)
		}
		fmt.Fprintf(&b, "SEQUENCE:0\r\n%sSUMMARY:%s (%s)\r\nUID:%s\r\nEND:VEVENT\r\n", extra, cn, strings.Join(resources, " + "), uid)
	}
	event("demo-1", "Alex Example", "alex@example.com", round.Add(-30*time.Minute), round.Add(90*time.Minute), "STATUS:CONFIRMED\r\n", "Studio 1")
	event("demo-2", "Sam Sample", "sam@example.org", round.Add(20*time.Minute), round.Add(80*time.Minute), "STATUS:CONFIRMED\r\n", "Meeting room A")
	event("demo-3", "\"Doe, Jordan\"", "Jordan.Doe@example.com", tomorrow9, tomorrow9.Add(3*time.Hour), "STATUS:CONFIRMED\r\n", "Meeting room A", "Studio 1")
	event("demo-4", "Casey Cancel", "casey@example.net", round.Add(time.Hour), round.Add(2*time.Hour), "STATUS:CANCELLED\r\n", "Studio 1")
	event("demo-5", "Robin Roe", "robin@example.org", round.Add(3*time.Hour), round.Add(4*time.Hour), "STATUS:CONFIRMED\r\n", "Roof terrace")
	weekly := tomorrow9.AddDate(0, 0, 1).Add(time.Hour)
	event("demo-6", "Taylor Team", "taylor@example.com", weekly, weekly.Add(time.Hour), "STATUS:CONFIRMED\r\nRRULE:FREQ=WEEKLY;COUNT=8\r\n", "Meeting room B")
	b.WriteString("END:VCALENDAR\r\n")
	return b.String()
}

func runSim(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet("sim", env)
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve the emulated Net2 API on")
	seed := fs.String("seed", "", `"demo" seeds a demo site (doors, levels, departments, users); empty serves an empty site`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *seed != "" && *seed != "demo" {
		return badInput(fmt.Errorf("--seed %q: the only seed is \"demo\"", *seed))
	}
	err := net2sim.ListenAndServe(ctx, *listen, *seed == "demo", env.stdout)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
