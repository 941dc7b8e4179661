package engine

import (
	"context"
	"time"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/booking"
)

// Run keeps Net2 in step until ctx ends (SIGINT/SIGTERM in the service) and returns nil on a
// graceful stop.
//
// Fetching is off the reconcile path (DESIGN): every source is fetched in the background on
// the fetch interval and its last good bookings replaced when an answer arrives, which wakes
// the loop. The loop reconciles at the plan's next transition (SPEC B2), on new data, when a
// backed-off write is due, and at the next verification, whichever comes first, so a feed that
// hangs never delays a door. When Net2 cannot be read (not up yet after a reboot, a network
// fault) the loop says so and tries again with a doubling wait, up to retryCeiling.
func (s *Syncer) Run(ctx context.Context) error {
	results := make(chan fetchResult)
	fctx, stopFetching := context.WithCancel(ctx)
	defer stopFetching()
	s.kicks = make([]chan struct{}, len(s.sources))
	for i := range s.sources {
		s.kicks[i] = make(chan struct{}, 1)
		go s.fetchLoop(fctx, i, results)
	}
	defer s.releaseLease(ctx)

	var plan *accessplan.Plan
	failures := 0
	wake := s.opts.Now() // the first cycle runs at once, on the memo stand-ins (SPEC B3)
	nextPoll := wake.Add(leasePoll)
	for {
		next := wake
		if s.opts.Lease != nil && nextPoll.Before(next) {
			next = nextPoll
		}
		cycle := true
		if d := next.Sub(s.opts.Now()); d > 0 {
			timer, stop := s.opts.NewTimer(d)
			select {
			case <-ctx.Done():
				stop()
				return s.stopped()
			case r := <-results:
				stop()
				s.store(r.i, r.f, r.at)
				s.drain(results)
			case <-timer:
				cycle = !s.opts.Now().Before(wake)
			}
		}
		if ctx.Err() != nil {
			return s.stopped()
		}
		if !cycle { // only the lease poll is due: a cycle only if something waits for one
			nextPoll = s.opts.Now().Add(leasePoll)
			if !s.leaseWantsCycle(ctx) {
				continue
			}
		}
		now := s.opts.Now()
		rep, err := s.Cycle(ctx, CycleOptions{})
		if ctx.Err() != nil {
			return s.stopped() // a stop in the middle of a cycle is a normal stop
		}
		// What is said of a cycle is said before AfterCycle, so that whoever is told of the
		// cycle can read it.
		var retry time.Duration
		if err != nil {
			failures++
			retry = min(retryCeiling, retryAfterFailure<<min(failures-1, 6))
			if failures == 1 || failures%10 == 0 {
				s.log.Error("cannot read Net2; nothing changes until it answers, and the last plan's doors stay as they are; retrying",
					"error", err.Error(), "retry_in", retry.String(), "attempt", failures)
			}
		} else if failures > 0 {
			s.log.Info("Net2 answers again", "after_attempts", failures)
			failures = 0
		}
		if s.opts.AfterCycle != nil {
			s.opts.AfterCycle(rep, err)
		}
		if err != nil {
			wake = now.Add(retry)
			continue
		}
		plan = rep.Plan
		wake = s.nextWake(now, plan)
		if rep.Standby != nil && !rep.Standby.Expires.IsZero() && rep.Standby.Expires.Before(wake) {
			wake = rep.Standby.Expires // take over as soon as the holder's lease lapses
		}
	}
}

// leasePoll is how often a running service reads the lease record (one small request) for
// operators' one-offs handed to it, and for a holder that gave the lease up.
const leasePoll = 10 * time.Second

// leaseWantsCycle reads the lease and reports whether a cycle is due: a request waits, or the
// lease is free while this process is on standby.
func (s *Syncer) leaseWantsCycle(ctx context.Context) bool {
	st, err := s.opts.Lease.Check(ctx)
	if err != nil {
		return false // the next cycle reports Net2's state
	}
	return (st.Held && len(st.Requests) > 0) || (!st.Held && st.Holder == "")
}

// releaseLease gives the lease up at a graceful stop, so a standby takes over at once.
func (s *Syncer) releaseLease(ctx context.Context) {
	if s.opts.Lease == nil {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.opts.Lease.Release(rctx); err != nil {
		s.log.Warn("could not release the lease at stop; it lapses by itself", "error", err.Error())
	}
}

// stopped logs a graceful stop.
func (s *Syncer) stopped() error {
	s.log.Info("stopping: context ended")
	return nil
}

// fetchResult is one source's answer, delivered to the loop.
type fetchResult struct {
	i  int
	f  booking.Fetched
	at time.Time
}

// fetchLoop fetches source i now and then every fetch interval, handing each answer to the
// loop, until ctx ends.
func (s *Syncer) fetchLoop(ctx context.Context, i int, out chan<- fetchResult) {
	src := s.sources[i].src
	for {
		now := s.opts.Now()
		res, err := src.Fetch(ctx, s.opts.Policy.Window(now))
		if ctx.Err() != nil {
			return
		}
		select {
		case out <- fetchResult{i: i, f: booking.Fetched{Source: src, Result: res, Err: err}, at: s.opts.Now()}:
		case <-ctx.Done():
			return
		}
		timer, stop := s.opts.NewTimer(s.opts.FetchInterval)
		select {
		case <-ctx.Done():
			stop()
			return
		case <-s.kicks[i]: // an operator's forced sync
			stop()
		case <-timer:
		}
	}
}

// drain takes every answer already waiting, so several sources answering together cost one
// cycle.
func (s *Syncer) drain(results <-chan fetchResult) {
	for {
		select {
		case r := <-results:
			s.store(r.i, r.f, r.at)
		default:
			return
		}
	}
}

// retryAfterFailure is the first wait after Net2 could not be read; it doubles up to
// retryCeiling.
const (
	retryAfterFailure = 5 * time.Second
	retryCeiling      = 5 * time.Minute
)

// nextWake is when Run must act next without new data: the plan's next transition, the next
// verification, or the next backed-off retry, whichever comes first.
func (s *Syncer) nextWake(now time.Time, plan *accessplan.Plan) time.Time {
	wake := s.lastVerify.Add(s.opts.VerifyEvery)
	if r := s.nextRetry(); !r.IsZero() && r.Before(wake) {
		wake = r
	}
	if plan != nil {
		if n, ok := plan.Next(now); ok && n.Before(wake) {
			wake = n
		}
	}
	if !wake.After(now) {
		wake = now.Add(time.Second) // never spin
	}
	return wake
}
