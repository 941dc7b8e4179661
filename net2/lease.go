package net2

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/net2booking/net2booking/accessplan"
)

// LeaseMarker is the marker-field value of the lease record: a Net2 user that can never open
// a door (its validity ended in 2000; it has no rights, PIN or token) whose memo says which
// net2booking process may write to this site. It is not BOOKINGSYNC, so the planner never
// sees it as a managed person, and every instance (on any machine) reads it from Net2.
const LeaseMarker = "BOOKINGSYNC-LEASE"

// LeaseConfig configures a Lease.
type LeaseConfig struct {
	// MarkerField is the resolved marker field id (access.marker_field).
	MarkerField int
	// TTL is how long the lease lasts after its last renewal; a holder that stops renewing
	// (crashed, powered off) is taken over after it. Zero means 30 minutes (3 × the default
	// fetch interval); the service uses 3 × access.fetch_interval.
	TTL time.Duration
	// Settle is how long a process waits after writing the lease before reading it back to
	// be sure no other process wrote it at the same moment (Net2 has no compare-and-swap:
	// the last writer wins, and both read the winner). Zero means 2 seconds.
	Settle time.Duration
	// Holder names this process in the lease; "" means host name, process id and a random
	// part.
	Holder string
	// Logger receives takeovers; nil discards them.
	Logger *slog.Logger
}

// Lease is the accessplan.Lease held in Net2 (DESIGN invariant 9).
type Lease struct {
	c   *Client
	cfg LeaseConfig
	log *slog.Logger

	mu sync.Mutex
	id int // Net2 user id of the lease record, once known
}

var _ accessplan.Lease = (*Lease)(nil)

// NewLease returns the lease of client's site.
func NewLease(c *Client, cfg LeaseConfig) (*Lease, error) {
	if cfg.MarkerField < 1 || cfg.MarkerField > 14 || cfg.MarkerField == MemoField {
		return nil, fmt.Errorf("net2: lease: marker field %d is not a custom field id 1–14 other than 13", cfg.MarkerField)
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 30 * time.Minute
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 2 * time.Second
	}
	if cfg.Holder == "" {
		cfg.Holder = ProcessName()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Lease{c: c, cfg: cfg, log: log}, nil
}

// ProcessName names this process for a lease or lock: host, process id and a random part
// (so two processes with one pid on two machines, or after a restart, differ).
func ProcessName() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "unknown-host"
	}
	b := make([]byte, 3)
	rand.Read(b)
	return fmt.Sprintf("%s pid %d (%s)", host, os.Getpid(), hex.EncodeToString(b))
}

// Holder is this process's name in the lease.
func (l *Lease) Holder() string { return l.cfg.Holder }

// leaseRecord is the lease as its memo holds it.
type leaseRecord struct {
	Holder                  string
	Since, Renewed, Expires time.Time
	Requests                []accessplan.LeaseRequest
}

const leaseHeader = "net2booking lease: only the process named below writes to this Net2 site. Do not edit; delete it only when no net2booking runs."

func (r leaseRecord) format() string {
	lines := []string{leaseHeader}
	if r.Holder != "" {
		lines = append(lines, "holder: "+r.Holder, "since: "+r.Since.UTC().Format(time.RFC3339), "renewed: "+r.Renewed.UTC().Format(time.RFC3339), "expires: "+r.Expires.UTC().Format(time.RFC3339))
	}
	for _, q := range r.Requests {
		line := fmt.Sprintf("request: %s %s %s by %s", q.ID, q.Kind, q.At.UTC().Format(time.RFC3339), q.By)
		if !q.Done.IsZero() {
			line += " done " + q.Done.UTC().Format(time.RFC3339)
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\r\n")
}

func parseLease(memo string) leaseRecord {
	var r leaseRecord
	for _, line := range strings.Split(strings.ReplaceAll(memo, "\r\n", "\n"), "\n") {
		key, val, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok {
			continue
		}
		t, _ := time.Parse(time.RFC3339, strings.TrimSpace(val))
		switch key {
		case "holder":
			r.Holder = strings.TrimSpace(val)
		case "since":
			r.Since = t
		case "renewed":
			r.Renewed = t
		case "expires":
			r.Expires = t
		case "request":
			// request: ID KIND AT by BY [done AT]
			f := strings.Fields(val)
			if len(f) < 5 || f[3] != "by" {
				continue
			}
			q := accessplan.LeaseRequest{ID: f[0], Kind: f[1]}
			q.At, _ = time.Parse(time.RFC3339, f[2])
			rest := strings.Join(f[4:], " ")
			if by, done, ok := strings.Cut(rest, " done "); ok {
				q.By = by
				q.Done, _ = time.Parse(time.RFC3339, strings.TrimSpace(done))
			} else {
				q.By = rest
			}
			r.Requests = append(r.Requests, q)
		}
	}
	return r
}

// state turns a record into what the lease says to this process at now.
func (l *Lease) state(r leaseRecord, now time.Time) accessplan.LeaseState {
	st := accessplan.LeaseState{Requests: slices.DeleteFunc(slices.Clone(r.Requests), func(q accessplan.LeaseRequest) bool { return !q.Done.IsZero() })}
	if r.Holder != "" && now.Before(r.Expires) {
		st.Holder, st.Since, st.Renewed, st.Expires = r.Holder, r.Since, r.Renewed, r.Expires
		st.Held = r.Holder == l.cfg.Holder
	}
	return st
}

func (l *Lease) isLease(u User) bool {
	return strings.EqualFold(strings.TrimSpace(u.Field(l.cfg.MarkerField)), LeaseMarker)
}

// find reads the lease record: by its id when known (one small request), else from the user
// list. Several records (two processes created one at the same moment) are cut down to the
// one with the lowest id. found is false when there is none.
func (l *Lease) find(ctx context.Context) (User, bool, error) {
	l.mu.Lock()
	id := l.id
	l.mu.Unlock()
	if id != 0 {
		u, err := l.c.User(ctx, id)
		if err == nil && l.isLease(u) {
			return u, true, nil
		}
		if err != nil && !IsNotFound(err) {
			return User{}, false, err
		}
	}
	users, err := l.c.Users(ctx)
	if err != nil {
		return User{}, false, err
	}
	var found []User
	for _, u := range users {
		if l.isLease(u) {
			found = append(found, u)
		}
	}
	if len(found) == 0 {
		l.setID(0)
		return User{}, false, nil
	}
	slices.SortFunc(found, func(a, b User) int { return a.ID - b.ID })
	for _, extra := range found[1:] {
		if err := l.c.DeleteUser(ctx, extra.ID); err != nil && !IsNotFound(err) {
			return User{}, false, fmt.Errorf("net2: removing a second lease record (user %d): %w", extra.ID, err)
		}
	}
	u, err := l.c.User(ctx, found[0].ID) // a fresh, whole record for read-modify-write
	if err != nil {
		return User{}, false, err
	}
	l.setID(u.ID)
	return u, true, nil
}

func (l *Lease) setID(id int) { l.mu.Lock(); l.id = id; l.mu.Unlock() }

// write stores r on the lease record u (read-modify-write), or creates the record.
func (l *Lease) write(ctx context.Context, u User, found bool, r leaseRecord) error {
	if !found {
		from := time.Date(2000, 1, 1, 0, 0, 0, 0, l.c.Location())
		until := from.AddDate(0, 0, 1)
		n := User{FirstName: "net2booking", LastName: "lease (do not delete)", ActivateDate: from, ExpiryDate: &until}
		n.SetField(l.cfg.MarkerField, LeaseMarker)
		n.SetField(MemoField, r.format())
		created, err := l.c.CreateUser(ctx, n)
		if err != nil {
			return fmt.Errorf("net2: creating the lease record: %w", err)
		}
		l.setID(created.ID)
		return nil
	}
	u.SetField(MemoField, r.format())
	if _, err := l.c.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("net2: writing the lease record (user %d): %w", u.ID, err)
	}
	return nil
}

// Check reads the lease.
func (l *Lease) Check(ctx context.Context) (accessplan.LeaseState, error) {
	u, found, err := l.find(ctx)
	if err != nil || !found {
		return accessplan.LeaseState{}, err
	}
	return l.state(parseLease(u.Field(MemoField)), l.c.now()), nil
}

// Hold acquires the lease when it is free or lapsed, and renews it when this process holds it
// and a third of its TTL has passed (so a steady cycle writes nothing). Taking it is a write,
// a pause of Settle and a read back: only if the read still names this process is it held.
func (l *Lease) Hold(ctx context.Context) (accessplan.LeaseState, error) {
	u, found, err := l.find(ctx)
	if err != nil {
		return accessplan.LeaseState{}, err
	}
	now := l.c.now()
	rec := parseLease(u.Field(MemoField))
	st := l.state(rec, now)
	switch {
	case st.Held:
		if now.Sub(rec.Renewed) < l.cfg.TTL/3 {
			return st, nil
		}
		rec.Renewed, rec.Expires = now, now.Add(l.cfg.TTL)
		if err := l.write(ctx, u, found, rec); err != nil {
			return accessplan.LeaseState{}, err
		}
		return l.state(rec, now), nil
	case st.Holder != "":
		return st, nil // another process holds it
	}
	previous := rec.Holder
	rec.Holder, rec.Since, rec.Renewed, rec.Expires = l.cfg.Holder, now, now, now.Add(l.cfg.TTL)
	if err := l.write(ctx, u, found, rec); err != nil {
		return accessplan.LeaseState{}, err
	}
	if err := l.c.wait(ctx, l.cfg.Settle); err != nil {
		return accessplan.LeaseState{}, err
	}
	l.setID(0) // read the list again: another process may have created a record too
	u, found, err = l.find(ctx)
	if err != nil {
		return accessplan.LeaseState{}, err
	}
	st = l.state(parseLease(u.Field(MemoField)), l.c.now())
	if st.Held {
		st.Acquired = true
		if previous != "" {
			l.log.Warn("took over the lease: its holder stopped renewing it", "previous_holder", previous)
		}
	}
	return st, nil
}

// Release gives the lease up if this process holds it.
func (l *Lease) Release(ctx context.Context) error {
	u, found, err := l.find(ctx)
	if err != nil || !found {
		return err
	}
	rec := parseLease(u.Field(MemoField))
	if rec.Holder != l.cfg.Holder {
		return nil
	}
	rec.Holder, rec.Since, rec.Renewed, rec.Expires = "", time.Time{}, time.Time{}, time.Time{}
	return l.write(ctx, u, found, rec)
}

// Request hands an operator's one-off to the holder: it is added to the lease record and read
// back. It fails when no process holds the lease (then the caller can do the work itself).
func (l *Lease) Request(ctx context.Context, kind string) (string, accessplan.LeaseState, error) {
	for attempt := 0; attempt < 3; attempt++ {
		u, found, err := l.find(ctx)
		if err != nil {
			return "", accessplan.LeaseState{}, err
		}
		rec := parseLease(u.Field(MemoField))
		now := l.c.now()
		st := l.state(rec, now)
		if !found || st.Holder == "" {
			return "", st, fmt.Errorf("net2: no running net2booking holds the lease")
		}
		b := make([]byte, 4)
		rand.Read(b)
		id := hex.EncodeToString(b)
		rec.Requests = append(pruneRequests(rec.Requests, now), accessplan.LeaseRequest{ID: id, Kind: kind, By: l.cfg.Holder, At: now})
		if err := l.write(ctx, u, found, rec); err != nil {
			return "", st, err
		}
		if back, err := l.Check(ctx); err == nil && slices.ContainsFunc(back.Requests, func(q accessplan.LeaseRequest) bool { return q.ID == id }) {
			return id, back, nil
		}
		// The holder rewrote the record at the same moment: add it again.
	}
	return "", accessplan.LeaseState{}, fmt.Errorf("net2: the request could not be added to the lease record")
}

// Done marks a request handled.
func (l *Lease) Done(ctx context.Context, id string) error {
	u, found, err := l.find(ctx)
	if err != nil || !found {
		return err
	}
	rec := parseLease(u.Field(MemoField))
	now := l.c.now()
	for i := range rec.Requests {
		if rec.Requests[i].ID == id {
			rec.Requests[i].Done = now
		}
	}
	rec.Requests = pruneRequests(rec.Requests, now)
	return l.write(ctx, u, found, rec)
}

// RequestDone reports whether request id has been handled (or is gone).
func (l *Lease) RequestDone(ctx context.Context, id string) (bool, error) {
	u, found, err := l.find(ctx)
	if err != nil || !found {
		return false, err
	}
	for _, q := range parseLease(u.Field(MemoField)).Requests {
		if q.ID == id {
			return !q.Done.IsZero(), nil
		}
	}
	return true, nil
}

// pruneRequests drops requests handled more than a day ago.
func pruneRequests(qs []accessplan.LeaseRequest, now time.Time) []accessplan.LeaseRequest {
	return slices.DeleteFunc(qs, func(q accessplan.LeaseRequest) bool { return !q.Done.IsZero() && now.Sub(q.Done) > 24*time.Hour })
}
