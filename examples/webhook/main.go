// Command webhook shows how to plug a notifier of your own into the net2booking engine: instead
// of emailing each booker their code, the engine hands every notification to a Webhook, which
// posts it as JSON to an HTTP endpoint (a chat bot, an SMS gateway, your own booking portal).
//
// Run it with no arguments and it applies two bookings to the Net2 emulator (net2/net2sim)
// started in-process and posts the notifications to a small receiver it also starts, which
// prints them; give -url to post to your own endpoint instead:
//
//	go run ./examples/webhook
//	go run ./examples/webhook -url https://hooks.example.com/net2booking -token SECRET
//
// The body carries the person's PIN: use https and a token in production.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/engine"
	"github.com/net2booking/net2booking/identifier"
	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

// Webhook is an accessplan.Notifier that posts each notification as JSON (Payload) to URL.
type Webhook struct {
	// URL receives a POST per notification.
	URL string
	// Token, when set, is sent as "Authorization: Bearer <Token>".
	Token string
	// Client sends the requests; nil means a client with a 10 second timeout.
	Client *http.Client
}

// Payload is the JSON body of a webhook request: one person, their code and the bookings
// that are news to them.
type Payload struct {
	Email       string    `json:"email"`
	DisplayName string    `json:"display_name,omitempty"`
	CodeKind    string    `json:"code_kind"` // pin, qr or manual
	Code        string    `json:"code,omitempty"`
	NewCode     bool      `json:"new_code"`
	Bookings    []Booking `json:"bookings"`
}

// Booking is one booking in a Payload.
type Booking struct {
	Source      string    `json:"source"`
	UID         string    `json:"uid"`
	Resources   []string  `json:"resources"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	AccessFrom  time.Time `json:"access_from"`
	AccessUntil time.Time `json:"access_until"`
	Changed     bool      `json:"changed"`
}

// Notify implements accessplan.Notifier. A 2xx answer means delivered (the engine records it
// as sent); a 4xx other than 408 and 429 is a refusal for good (accessplan.ErrPermanent: the
// engine records it and tells the admins); anything else leaves the notification owed, and
// the engine tries again later.
func (h *Webhook) Notify(ctx context.Context, n accessplan.Notification) error {
	p := Payload{Email: n.Email, DisplayName: n.DisplayName, CodeKind: n.CodeKind, Code: n.Code, NewCode: n.NewCode}
	for _, b := range n.Bookings {
		p.Bookings = append(p.Bookings, Booking{Source: b.Source, UID: b.UID, Resources: b.Resources, Start: b.Start, End: b.End,
			AccessFrom: b.AccessFrom, AccessUntil: b.AccessUntil, Changed: b.Changed})
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %v", accessplan.ErrPermanent, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	client := h.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err // the request URL (with any secret in it) is in err; a real notifier may redact it
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests:
		return fmt.Errorf("%w: the webhook answered %s", accessplan.ErrPermanent, resp.Status)
	default:
		return fmt.Errorf("the webhook answered %s", resp.Status)
	}
}

// fixedSource is a booking source with a fixed list of bookings (see examples/csvsource for
// one that reads a file).
type fixedSource []booking.Booking

func (fixedSource) Name() string { return "example" }

func (s fixedSource) Fetch(context.Context, booking.Window) (booking.FetchResult, error) {
	return booking.FetchResult{Bookings: s}, nil
}

// sampleBookings are two bookings around now.
func sampleBookings(now time.Time) fixedSource {
	now = now.Truncate(time.Minute)
	person := func(email, name string) []booking.Person {
		p, err := booking.NewPerson(email, name, booking.RoleOrganizer)
		if err != nil {
			panic(err)
		}
		return []booking.Person{p}
	}
	return fixedSource{
		{Source: "example", UID: "hook-1", Resources: []string{"Studio 1"}, Start: now.Add(-15 * time.Minute), End: now.Add(time.Hour),
			Status: booking.StatusConfirmed, Persons: person("alex@example.com", "Alex Example")},
		{Source: "example", UID: "hook-2", Resources: []string{"Studio 1"}, Start: now.Add(3 * time.Hour), End: now.Add(4 * time.Hour),
			Status: booking.StatusConfirmed, Persons: person("sam@example.org", "Sam Sample")},
	}
}

// syncOnce runs one engine cycle: src applied to the Net2 demo site at net2URL, the owed
// notifications handed to notifier.
func syncOnce(ctx context.Context, src booking.BookingSource, net2URL string, notifier accessplan.Notifier, logger *slog.Logger) (*engine.Report, error) {
	client, err := net2.New(net2.Config{BaseURL: net2URL, Operator: net2sim.DemoOperator, Password: net2sim.DemoPassword,
		ClientID: net2sim.DemoClientID, Location: time.Local, Logger: logger})
	if err != nil {
		return nil, err
	}
	ref := func(key, name string) net2.SiteRef { return net2.SiteRef{Key: key, Ref: net2.Ref{Name: name}} }
	resolved, errs := net2.ResolveSite(ctx, client, net2.SiteNames{
		Department: ref("department", "Booking"), MarkerField: ref("marker_field", "Position"),
		FallbackLevel: ref("fallback_access_level", "No access"), AlwaysTimezone: ref("always_timezone", "All day, every day"),
		Resources: []net2.ResourceRefs{{Key: "resources.Studio 1", Name: "Studio 1",
			Targets: []net2.Ref{{Name: "Front door"}, {Name: "Studio 1"}}}},
		Grant: accessplan.GrantIndividual, PermissionIDs: net2.PermissionAreas,
	})
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	ctl, err := net2.NewController(client, net2.ControllerConfig{MarkerField: resolved.MarkerField, Code: accessplan.CodePIN,
		Location: time.Local, PermissionIDs: resolved.PermissionIDs, DoorAreas: resolved.DoorAreas, Logger: logger})
	if err != nil {
		return nil, err
	}
	policy := resolved.Policy(accessplan.Policy{GraceBefore: 5 * time.Minute, GraceAfter: 10 * time.Minute, RemoveAfterDays: 7,
		Code: accessplan.CodePIN, Lookahead: 30 * 24 * time.Hour, Location: time.Local})
	policy.Notify = true // the plan owes each person a notification of their code and new bookings
	alloc, err := identifier.NewPIN(6)
	if err != nil {
		return nil, err
	}
	syncer, err := engine.New(engine.Options{Sources: []booking.BookingSource{src}, Controller: ctl, Allocator: alloc,
		Policy: policy, Notifier: notifier, Logger: logger})
	if err != nil {
		return nil, err
	}
	return syncer.Cycle(ctx, engine.CycleOptions{Fetch: true, FullVerify: true})
}

// countNotify counts the notifications of a cycle that were delivered and that failed.
func countNotify(rep *engine.Report) (sent, failed int) {
	for _, a := range rep.Applied {
		if a.Kind == accessplan.ActNotify {
			sent++
		}
	}
	for _, f := range rep.Failed {
		if f.Action.Kind == accessplan.ActNotify {
			failed++
		}
	}
	return sent, failed
}

// printer is the receiver main starts when no -url is given: it prints each body.
func printer(w io.Writer) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var p Payload
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		out, _ := json.MarshalIndent(p, "  ", "  ")
		fmt.Fprintf(w, "webhook received:\n  %s\n", out)
	})
}

func main() {
	url := flag.String("url", "", "webhook endpoint (default: a local receiver that prints what it gets)")
	token := flag.String("token", "", "bearer token sent with each request")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	serve := func(h http.Handler) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		go (&http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}).Serve(ln)
		return "http://" + ln.Addr().String()
	}
	sim := net2sim.NewDemo(net2sim.Options{})
	net2URL := serve(sim) + "/api/v1"
	if *url == "" {
		*url = serve(printer(os.Stdout))
	}
	rep, err := syncOnce(context.Background(), sampleBookings(time.Now()), net2URL, &Webhook{URL: *url, Token: *token}, logger)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sent, failed := countNotify(rep)
	fmt.Printf("%d Net2 write(s) and notification(s); %d notification(s) delivered, %d failed\n", len(rep.Applied), sent, failed)
}
