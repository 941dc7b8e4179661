package accessplan

import (
	"context"
	"time"
)

// Lease is the right to write to one access-control site, held where every instance can see
// it (in Net2 itself, see net2.Lease), so that at most one process writes at any time (DESIGN
// invariant 9): a second `run` (a standby on another machine) waits and takes over when the
// holder stops renewing; an operator's one-off `sync` hands its request to the holder.
type Lease interface {
	// Hold acquires the lease if it is free or has lapsed, or renews it when this process
	// holds it; State.Held reports the outcome and, when another process holds it, who and
	// until when.
	Hold(ctx context.Context) (LeaseState, error)
	// Check reads the lease without changing it (requests handed to the holder, a takeover).
	Check(ctx context.Context) (LeaseState, error)
	// Release gives the lease up (a clean stop, or the end of a one-shot sync).
	Release(ctx context.Context) error
	// Request hands an operator's one-off to the holder ("accept-shrink" or "sync") and
	// returns its id; Done marks a request handled (by the holder).
	Request(ctx context.Context, kind string) (string, LeaseState, error)
	Done(ctx context.Context, id string) error
}

// LeaseState is what the lease says.
type LeaseState struct {
	// Held is true when this process holds the lease; Acquired when it has just taken it (the
	// previous holder may have written since this process last read the site).
	Held, Acquired bool
	// Holder names the holding process (host and process id) and Since, Renewed and Expires
	// say when it took the lease, last renewed it, and when it lapses; zero when free.
	Holder                  string
	Since, Renewed, Expires time.Time
	// Requests are the operator's one-offs handed to the holder and not done yet.
	Requests []LeaseRequest
}

// LeaseRequest is an operator's one-off handed to the lease holder.
type LeaseRequest struct {
	ID   string
	Kind string // "accept-shrink" or "sync"
	By   string
	At   time.Time
	// Done is when the holder handled it; zero while it is waiting.
	Done time.Time
}

// The kinds of LeaseRequest.
const (
	RequestAcceptShrink = "accept-shrink"
	RequestSync         = "sync"
)
