// Package engine runs the flow of net2booking: fetch every booking source, plan with
// accessplan, apply the plan through an AccessController, and do it again at the next
// instant the plan changes (SPEC B2) and on every fetch interval. It is level-triggered: each
// cycle reads the desired state (bookings) and the observed state (Net2) afresh, so a crash
// at any point converges on the next cycle.
//
// It holds the service's state between cycles: each source's last good fetch, kept in force
// while the source fails (SPEC B3), the backoff of writes that failed, and which problems it
// has already logged. Fetching runs in the background (Run); writes happen only while this
// process holds the site's lease (DESIGN invariant 9); owed emails go out after the doors.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/identifier"
)

// Options wires a Syncer.
type Options struct {
	Sources    []booking.BookingSource
	Controller accessplan.AccessController
	Allocator  identifier.CodeAllocator
	Policy     accessplan.Policy
	// FetchInterval is how often sources are fetched (access.fetch_interval).
	FetchInterval time.Duration
	// MaxShrink is the share of a source's recorded upcoming bookings it may drop in one
	// fetch before its revocations are held (safety.max_shrink).
	MaxShrink float64
	// PreviousNames maps a source's name to the names it had before (config previous_names),
	// so bookings recorded under an old name count as that source's, with no hold.
	PreviousNames map[string][]string
	// Notifier, when set, sends the emails the plan owes (Policy.Notify): after the person's
	// Net2 writes, and then recorded as sent in the memo (DESIGN invariant 5).
	Notifier accessplan.Notifier
	// Alerts, when set, tells the admins about failing sources, Net2 and mail, held
	// revocations and refused writes (SPEC F20; notify.Alerts): a condition is raised while
	// it lasts and cleared when it ends, and Flush at the end of every cycle sends what is due.
	Alerts Alerter
	// Lease, when set, makes sure only one process writes to the site (DESIGN invariant 9):
	// a cycle writes only while this process holds it (net2.Lease).
	Lease accessplan.Lease
	// VerifyEvery is how often the controller reads back every detail of Net2 (drift repair).
	VerifyEvery time.Duration
	// Logger receives the engine's log; nil discards it.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// NewTimer returns a channel that receives once d has passed on the clock Now reads, and a
	// stop function; nil means the real time.NewTimer. Tests inject a fake clock's timers, so
	// the exact-instant behaviour of Run is deterministic.
	NewTimer func(d time.Duration) (<-chan time.Time, func() bool)
	// AfterCycle, when set, is called by Run after every cycle with its report (nil) or error:
	// how tests (and later the status page) learn what the loop did.
	AfterCycle func(*Report, error)
}

// Syncer performs cycles. Methods must not be called concurrently.
type Syncer struct {
	opts       Options
	log        *slog.Logger
	sources    []*sourceState
	lastVerify time.Time
	warned     map[string]bool // problems already logged, so a persisting one does not flood
	// backoff holds, per person (email), a write that failed and when it may be tried again,
	// so a write Net2 always refuses is neither retried every cycle nor logged every time.
	backoff map[string]*personBackoff
	// kicks wake each source's fetch loop at once (Run only).
	kicks []chan struct{}
}

// sourceState is what the engine remembers of one source between cycles.
type sourceState struct {
	// failingSince is when the source started failing (zero while it answers).
	failingSince time.Time
	src          booking.BookingSource
	known        bool
	bookings     []booking.Booking
	lastGood     time.Time
	lastErr      error
}

// New checks opts and returns a Syncer.
func New(opts Options) (*Syncer, error) {
	if len(opts.Sources) == 0 {
		return nil, errors.New("engine: at least one booking source is needed")
	}
	if opts.Controller == nil {
		return nil, errors.New("engine: an access controller is needed")
	}
	if opts.Allocator == nil {
		opts.Allocator = identifier.Manual{}
	}
	if err := sameCodeKind(opts); err != nil {
		return nil, err
	}
	if opts.FetchInterval <= 0 {
		opts.FetchInterval = 10 * time.Minute
	}
	if opts.MaxShrink <= 0 || opts.MaxShrink > 1 {
		opts.MaxShrink = 0.5
	}
	if opts.VerifyEvery <= 0 {
		opts.VerifyEvery = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Alerts == nil {
		opts.Alerts = noAlerts{}
	}
	if opts.NewTimer == nil {
		opts.NewTimer = func(d time.Duration) (<-chan time.Time, func() bool) {
			t := time.NewTimer(d)
			return t.C, t.Stop
		}
	}
	s := &Syncer{opts: opts, log: log, warned: map[string]bool{}, backoff: map[string]*personBackoff{}}
	if v, ok := opts.Controller.(interface{ VerifiedAt() time.Time }); ok {
		s.lastVerify = v.VerifiedAt() // a one-shot sync continues the schedule of the last run
	}
	for _, src := range opts.Sources {
		s.sources = append(s.sources, &sourceState{src: src})
	}
	return s, nil
}

// sourceAlertAfter is how long a source must have been failing before the admins are told.
const sourceAlertAfter = 15 * time.Minute

// sameCodeKind refuses a policy, allocator and controller that disagree on the code kind:
// a QR controller with a PIN allocator would store PINs as card tokens. Controllers and
// allocators that do not name their kind (an integrator's own) are not checked.
func sameCodeKind(opts Options) error {
	policy := opts.Policy.Code
	if policy == "" {
		policy = accessplan.CodeManual
	}
	if k := identifier.KindOf(opts.Allocator); k != "" && k != string(policy) {
		return fmt.Errorf("engine: the code allocator issues %s codes but the policy's identifier is %s", k, policy)
	}
	if c, ok := opts.Controller.(interface{ CodeKind() accessplan.CodeKind }); ok && c.CodeKind() != policy {
		return fmt.Errorf("engine: the access controller stores %s codes but the policy's identifier is %s", c.CodeKind(), policy)
	}
	return nil
}

// Alerter is what the engine needs of the admins' alerts (notify.Alerts implements it).
type Alerter interface {
	Raise(key, summary, detail string)
	Clear(key string)
	Flush(ctx context.Context) error
	// Keys lists the keys of the active conditions, so a level-triggered caller clears those
	// it no longer observes, also after a restart.
	Keys() []string
}

// noAlerts is the Alerter of a site without admins: conditions go nowhere but the log.
type noAlerts struct{}

func (noAlerts) Raise(string, string, string) {}
func (noAlerts) Clear(string)                 {}
func (noAlerts) Flush(context.Context) error  { return nil }
func (noAlerts) Keys() []string               { return nil }

// persister is a controller that keeps what it knows between runs (net2.Controller's cache).
type persister interface{ Persist() error }

// SourceStatus describes one source after a fetch.
type SourceStatus struct {
	Name      string
	Known     bool // has produced a good fetch since start-up
	Bookings  int  // bookings in force
	LastGood  time.Time
	LastError error // the last fetch's error, nil when it succeeded
	// Held is true when the source shrank suspiciously (or answered empty) and its
	// revocations are held.
	Held bool
	// Vanished is true for a source Net2 memos record bookings for that is no longer
	// configured: its bookings stay in force (Held) until an operator accepts it.
	Vanished bool
	// Missing and Recorded are the shrink measurement (see accessplan.Shrinkage).
	Missing, Recorded int
}

// Fetch fetches every source in parallel over the policy's window at the current time. A
// failed source keeps its last good bookings in force (SPEC B3); its error is logged and
// reported in Sources.
func (s *Syncer) Fetch(ctx context.Context) {
	now := s.opts.Now()
	for i, f := range booking.FetchAll(ctx, s.opts.Sources, s.opts.Policy.Window(now)) {
		s.store(i, f, now)
	}
}

// store takes one source's fetch: a good one replaces its bookings in force, a failed one
// leaves the last good bookings in force (SPEC B3).
func (s *Syncer) store(i int, f booking.Fetched, now time.Time) {
	st := s.sources[i]
	st.lastErr = f.Err
	if f.Err != nil {
		s.log.Warn("booking source failed; its last good bookings stay in force", "source", st.src.Name(), "error", f.Err.Error(), "known", st.known)
		if st.failingSince.IsZero() {
			st.failingSince = now
		}
		// A blip is not worth an email: the admins hear of a source failing for a while (or
		// at once when this process has never had an answer from it, e.g. a one-off sync).
		if now.Sub(st.failingSince) >= sourceAlertAfter || !st.known {
			s.opts.Alerts.Raise("source:"+st.src.Name(), "booking source "+st.src.Name()+" fails since "+st.failingSince.UTC().Format(time.RFC3339)+"; its last good bookings stay in force", f.Err.Error())
		}
		return
	}
	st.failingSince = time.Time{}
	s.opts.Alerts.Clear("source:" + st.src.Name())
	st.known, st.bookings, st.lastGood = true, f.Result.Bookings, now
	for _, w := range f.Result.Warnings {
		s.warnOnce("warning:"+w.String(), "booking skipped or partly read", "source", w.Source, "uid", w.UID, "reason", w.Reason)
	}
	for _, n := range f.Result.Notes {
		s.log.Debug(n, "source", st.src.Name())
	}
}

// CycleOptions selects what a cycle does.
type CycleOptions struct {
	// Fetch fetches the sources first; otherwise the bookings in force are re-planned.
	Fetch bool
	// DryRun plans and reports without writing anything.
	DryRun bool
	// AcceptShrink applies a suspiciously shrunk source as it is (an operator's decision).
	AcceptShrink bool
	// FullVerify reads back every detail of Net2 even if VerifyEvery has not passed.
	FullVerify bool
	// OneShot is a one-off `sync`: with a lease it takes the lease only when there is
	// something to write, and gives it up at the end. Otherwise (Run) the lease is held and
	// renewed every cycle, and a cycle without it only plans.
	OneShot bool
}

// Report is what one cycle planned and did.
type Report struct {
	Now     time.Time
	Plan    *accessplan.Plan
	Sources []SourceStatus
	// Applied are the actions performed; Failed those that failed, with their errors; with
	// DryRun both are empty and Plan.Actions lists what would be done. Deferred are actions of
	// persons whose earlier failure is still backed off (not tried this cycle).
	Applied  []accessplan.Action
	Failed   []ActionError
	Deferred []ActionError
	// Verified is true when the cycle read back every detail of Net2.
	Verified bool
	// Standby is set when another process holds the lease: nothing was written.
	Standby *accessplan.LeaseState
}

// ActionError is an action that failed.
type ActionError struct {
	Action accessplan.Action
	Err    error
}

// Cycle runs one cycle: optionally fetch, read Net2, plan, and (unless DryRun) apply. An
// error means Net2 could not be read; failures of single actions are in the report and
// retried by the next cycle, and never block other persons.
func (s *Syncer) Cycle(ctx context.Context, o CycleOptions) (*Report, error) {
	if o.Fetch {
		s.Fetch(ctx)
	}
	lease := s.opts.Lease
	var held *accessplan.LeaseState
	if lease != nil && !o.DryRun && !o.OneShot {
		st, err := lease.Hold(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the lease in Net2: %w", err)
		}
		held = &st
		if st.Held {
			o = s.takeRequests(ctx, st, o)
			o.FullVerify = o.FullVerify || st.Acquired // the previous holder may have written
		}
	}
	rep, err := s.plan(ctx, o)
	if err != nil || o.DryRun {
		s.persist() // only what was read: a dry run writes nothing to Net2
		return rep, err
	}
	defer s.flushAlerts(ctx) // the admins hear what is due, whatever this cycle wrote
	if lease != nil {
		switch {
		case held != nil && !held.Held:
			rep.Standby = held
			s.standby(*held)
			return rep, nil
		case o.OneShot && len(rep.Plan.Actions) == 0:
			s.persist()
			return rep, nil // nothing to write: no need to take the lease
		case o.OneShot:
			st, err := lease.Hold(ctx)
			if err != nil {
				return nil, fmt.Errorf("reading the lease in Net2: %w", err)
			}
			if !st.Held {
				rep.Standby = &st
				return rep, nil
			}
			defer func() {
				if err := lease.Release(context.WithoutCancel(ctx)); err != nil {
					s.log.Warn("could not release the lease; it lapses by itself", "error", err.Error())
				}
			}()
			if st.Acquired && !rep.Verified {
				o.FullVerify = true // another process may have written since the first read
				if rep, err = s.plan(ctx, o); err != nil {
					return nil, err
				}
			}
		}
		s.clearStandby()
	}
	s.apply(ctx, rep.Plan, rep)
	s.persist()
	if held != nil {
		for _, q := range held.Requests {
			if err := lease.Done(ctx, q.ID); err != nil {
				s.log.Warn("could not mark an operator's request as done", "request", q.Kind, "error", err.Error())
			}
		}
	}
	return rep, nil
}

// takeRequests applies the operator's one-offs handed over through the lease (a `sync
// --accept-shrink` or a plain `sync` run while this service holds it) to this cycle.
func (s *Syncer) takeRequests(ctx context.Context, st accessplan.LeaseState, o CycleOptions) CycleOptions {
	for _, q := range st.Requests {
		s.log.Warn("an operator's one-off was handed to this service; doing it now", "request", q.Kind, "by", q.By, "at", q.At)
		switch q.Kind {
		case accessplan.RequestAcceptShrink:
			o.AcceptShrink = true
		case accessplan.RequestSync:
			o.FullVerify = true
			if s.kicks != nil {
				for _, k := range s.kicks { // fetch now, in the background: no transition waits
					select {
					case k <- struct{}{}:
					default:
					}
				}
			} else if !o.Fetch {
				s.Fetch(ctx)
			}
		}
	}
	return o
}

// standby logs, once per holder, that another process holds the lease.
func (s *Syncer) standby(st accessplan.LeaseState) {
	s.alertOnceInfo("standby:"+st.Holder, "standby: another net2booking holds the lease of this Net2 site and writes; this one waits and takes over if it stops renewing",
		"holder", st.Holder, "since", st.Since, "expires", st.Expires)
}

func (s *Syncer) clearStandby() {
	for k := range s.warned {
		if strings.HasPrefix(k, "info:standby:") {
			delete(s.warned, k)
			s.log.Info("holding the lease of this Net2 site: this process writes")
		}
	}
}

func (s *Syncer) alertOnceInfo(key, msg string, args ...any) {
	if s.warned["info:"+key] {
		return
	}
	s.warned["info:"+key] = true
	s.log.Warn(msg, args...)
}

// plan reads Net2 and computes the plan of one cycle.
func (s *Syncer) plan(ctx context.Context, o CycleOptions) (*Report, error) {
	now := s.opts.Now()
	full := o.FullVerify || s.lastVerify.IsZero() || now.Sub(s.lastVerify) >= s.opts.VerifyEvery
	state, err := s.opts.Controller.Snapshot(ctx, full)
	if err != nil {
		if ctx.Err() == nil {
			s.opts.Alerts.Raise("net2", "Net2 cannot be read; nothing changes in Net2 until it answers", err.Error())
			s.flushAlerts(ctx)
		}
		return nil, fmt.Errorf("reading Net2: %w", err)
	}
	s.opts.Alerts.Clear("net2")
	s.refusedAddresses(state)
	if full {
		s.lastVerify = now
	}
	rep := &Report{Now: now, Verified: full}
	inputs := make([]accessplan.SourceState, 0, len(s.sources))
	for _, st := range s.sources {
		in := accessplan.SourceState{Name: st.src.Name(), Known: st.known, Bookings: st.bookings, PreviousNames: s.opts.PreviousNames[st.src.Name()]}
		status := SourceStatus{Name: in.Name, Known: st.known, Bookings: len(st.bookings), LastGood: st.lastGood, LastError: st.lastErr}
		if st.known {
			status.Missing, status.Recorded = accessplan.Shrinkage(in, state, now)
			empty := len(st.bookings) == 0 && status.Missing > 0 // a valid but empty calendar
			if status.Recorded > 0 && (empty || float64(status.Missing)/float64(status.Recorded) > s.opts.MaxShrink) {
				if o.AcceptShrink {
					s.log.Warn("source shrank suspiciously; applying it as it is because the operator accepted it", "source", in.Name, "missing", status.Missing, "recorded", status.Recorded)
				} else {
					in.HoldRevocations, status.Held = true, true
					why := "source dropped a suspicious share of its upcoming bookings"
					if empty {
						why = "source answered with an empty calendar"
					}
					s.alertOnce("shrink:"+in.Name, "ALERT: "+why+"; their access is held until it recovers or an operator runs `net2booking sync --accept-shrink`",
						"source", in.Name, "missing", status.Missing, "recorded", status.Recorded, "max_shrink", s.opts.MaxShrink)
				}
			} else {
				s.clearAlert("shrink:" + in.Name)
			}
		}
		inputs = append(inputs, in)
		rep.Sources = append(rep.Sources, status)
	}
	plan := accessplan.Compute(accessplan.Input{Now: now, Policy: s.opts.Policy, Sources: inputs, Net2: state, AcceptVanished: o.AcceptShrink})
	rep.Plan = plan
	for _, v := range plan.Vanished {
		rep.Sources = append(rep.Sources, SourceStatus{Name: v.Name, Vanished: true, Held: !o.AcceptShrink, Recorded: v.Upcoming, Missing: v.Upcoming})
		if o.AcceptShrink {
			s.log.Warn("bookings recorded under a source that is no longer configured are let go, as the operator accepted", "source", v.Name, "bookings", v.Bookings)
			continue
		}
		s.alertOnce("vanished:"+v.Name, "ALERT: Net2 records bookings of a source that is no longer configured; they stay in force until the source comes back (declare a rename with previous_names) or an operator runs `net2booking sync --accept-shrink`",
			"source", v.Name, "bookings", v.Bookings, "upcoming", v.Upcoming)
	}
	s.reportProblems(plan)
	return rep, nil
}

// persist saves the controller's cache, if it has one; a failure costs a full read next time.
func (s *Syncer) persist() {
	if p, ok := s.opts.Controller.(persister); ok {
		if err := p.Persist(); err != nil {
			s.warnOnce("persist:"+err.Error(), "could not save the Net2 cache; the next run reads Net2 in full", "error", err.Error())
		}
	}
}

// reportProblems logs unmapped resources and orphaned users once each.
func (s *Syncer) reportProblems(plan *accessplan.Plan) {
	for _, u := range plan.Unmapped {
		s.warnOnce("unmapped:"+u.Resource, "resource maps to no door; add it under resources: in the configuration",
			"resource", u.Resource, "sources", u.Sources, "example_uids", u.UIDs, "bookings", u.Bookings)
	}
	for _, u := range plan.Orphans {
		s.warnOnce(fmt.Sprintf("orphan:%d", u.ID), "marked Net2 user has no email in its memo; left untouched, fix or delete it by hand",
			"user_id", u.ID, "memo_problems", u.MemoProblems)
	}
}

// alertOnce logs an ALERT when a condition starts (not every cycle while it lasts);
// clearAlert ends it, so a new start is logged again.
func (s *Syncer) alertOnce(key, msg string, args ...any) {
	s.opts.Alerts.Raise(key, strings.TrimPrefix(msg, "ALERT: "), detail(args))
	if s.warned["alert:"+key] {
		return
	}
	s.warned["alert:"+key] = true
	s.log.Error(msg, args...)
}

func (s *Syncer) clearAlert(key string) {
	s.opts.Alerts.Clear(key)
	if s.warned["alert:"+key] {
		delete(s.warned, "alert:"+key)
		s.log.Info("cleared: "+strings.SplitN(key, ":", 2)[0]+" condition ended", "key", key)
	}
}

// refusedAddresses keeps one admin condition per booker whose address the mail server
// refused for good (recorded in their memo), until an operator clears the memo line.
func (s *Syncer) refusedAddresses(state accessplan.Net2State) {
	now := map[string]bool{}
	for _, u := range state.Users {
		if u.Memo.MailRefused != "" {
			now[s.raiseRefused(u.Memo.Email, u.ID, u.Memo.MailRefused)] = true
		}
	}
	for _, key := range s.opts.Alerts.Keys() {
		if strings.HasPrefix(key, "mail-refused:") && !now[key] {
			s.opts.Alerts.Clear(key)
		}
	}
}

// raiseRefused raises the condition of one refused address and returns its key.
func (s *Syncer) raiseRefused(email string, userID int, detail string) string {
	key := "mail-refused:" + email
	s.opts.Alerts.Raise(key, "the mail server refused the address of "+email+" for good; fix the address in the booking system and clear the \"mail refused\" line of Net2 user "+fmt.Sprint(userID)+"'s memo", detail)
	return key
}

// detail renders log attributes as lines for an alert's body.
func detail(args []any) string {
	var b strings.Builder
	for i := 0; i+1 < len(args); i += 2 {
		fmt.Fprintf(&b, "%v: %v\n", args[i], args[i+1])
	}
	return b.String()
}

// flushAlerts sends the admins' alerts that are due (bounded: mail never holds a door).
func (s *Syncer) flushAlerts(ctx context.Context) {
	fctx, cancel := context.WithTimeout(ctx, mailBudget)
	defer cancel()
	if err := s.opts.Alerts.Flush(fctx); err != nil && ctx.Err() == nil {
		s.warnOnce("alerts:"+err.Error(), "could not email the admins' alert; it is sent again at the next cycle", "error", err.Error())
	}
}

func (s *Syncer) warnOnce(key, msg string, args ...any) {
	if s.warned[key] {
		return
	}
	s.warned[key] = true
	s.log.Warn(msg, args...)
}

// maxCodeAttempts bounds how often a collision reported by Net2 leads to a new code.
const maxCodeAttempts = 5

// apply performs the plan's actions person by person, in order. A failure stops that
// person's remaining actions for this cycle (their order matters for crash safety) and backs
// that person off (see personBackoff); other persons go on.
func (s *Syncer) apply(ctx context.Context, plan *accessplan.Plan, rep *Report) {
	ctl := s.opts.Controller
	now := rep.Now
	var inUse map[string]bool
	failedEmail := map[string]bool{}
	newIDs := map[string]int{}
	codes := map[string]string{} // issued in this cycle, for the email
	var mails []accessplan.Action
	defer func() { s.sendMail(ctx, plan, mails, codes, rep) }()
	s.forgetSettled(plan)
	for _, a := range plan.Actions {
		if failedEmail[a.Email] {
			continue
		}
		if ctx.Err() != nil {
			return
		}
		if b := s.backoff[a.Email]; b != nil {
			if b.key == actionKey(a) && now.Before(b.until) {
				failedEmail[a.Email] = true // wait; nothing about this write has changed
				rep.Deferred = append(rep.Deferred, ActionError{Action: a, Err: b.err})
				continue
			}
			if b.key != actionKey(a) {
				delete(s.backoff, a.Email) // something changed: try at once
				s.opts.Alerts.Clear("write:" + a.Email)
			}
		}
		id := a.UserID
		if id == 0 {
			id = newIDs[a.Email]
		}
		var err error
		switch a.Kind {
		case accessplan.ActCreateUser:
			id, err = ctl.CreateUser(ctx, a.Email, a.Spec)
			newIDs[a.Email] = id
		case accessplan.ActUpdateUser:
			err = ctl.UpdateUser(ctx, id, a.Spec)
		case accessplan.ActSetDepartment:
			err = ctl.SetDepartment(ctx, id, a.Spec.Department)
		case accessplan.ActSetPermissions:
			err = ctl.SetPermissions(ctx, id, a.Spec.Permissions)
		case accessplan.ActDeleteUser:
			err = ctl.DeleteUser(ctx, id)
		case accessplan.ActAssignCode:
			if inUse == nil {
				if inUse, err = ctl.CodesInUse(ctx); err != nil {
					break
				}
			}
			var code string
			code, err = s.assignCode(ctx, id, inUse)
			codes[a.Email] = code
		case accessplan.ActNotify:
			a.UserID = id
			if s.opts.Notifier != nil {
				mails = append(mails, a) // after every door of this cycle (owed mail never delays a door)
			}
			continue
		default:
			err = fmt.Errorf("unknown action %q", a.Kind)
		}
		a.UserID = id
		if err != nil {
			if ctx.Err() != nil {
				return // stopping: an interrupted write is not a failure, the next start re-plans
			}
			failedEmail[a.Email] = true
			rep.Failed = append(rep.Failed, ActionError{Action: a, Err: err})
			s.noteFailure(a, err, now)
			continue
		}
		if b := s.backoff[a.Email]; b != nil && b.key == actionKey(a) {
			s.log.Info("Net2 write succeeded after failing before", "action", string(a.Kind), "email", a.Email, "user_id", id, "failures", b.failures)
			delete(s.backoff, a.Email)
			s.opts.Alerts.Clear("write:" + a.Email)
		}
		rep.Applied = append(rep.Applied, a)
		s.log.Info("applied", "action", string(a.Kind), "email", a.Email, "user_id", id, "reason", a.Reason)
	}
}

// forgetSettled drops the backoff of persons the plan asks nothing of any more (the write
// became unnecessary, or the person is gone), and ends their admin condition.
func (s *Syncer) forgetSettled(plan *accessplan.Plan) {
	if len(s.backoff) == 0 {
		return
	}
	pending := map[string]bool{}
	for _, a := range plan.Actions {
		pending[a.Email] = true
	}
	for email := range s.backoff {
		if !pending[email] {
			delete(s.backoff, email)
			s.opts.Alerts.Clear("write:" + email)
		}
	}
}

// personBackoff is a person's write that failed: it is tried again at until (doubling from
// 30 s up to an hour for a transient failure, hourly for one Net2 refuses for good), at once
// when the plan wants something else for that person, and logged once, then at most hourly.
type personBackoff struct {
	key        string
	failures   int
	until      time.Time
	err        error
	lastLogged time.Time
}

// Backoff bounds: the first retry of a transient failure, the longest wait, and how often a
// persisting failure is logged again.
const (
	firstRetry  = 30 * time.Second
	longestWait = time.Hour
	relogEvery  = time.Hour
)

// actionKey identifies what a write does, so a changed plan is told from a retry.
func actionKey(a accessplan.Action) string {
	return fmt.Sprintf("%s|%d|%+v", a.Kind, a.UserID, a.Spec)
}

func (s *Syncer) noteFailure(a accessplan.Action, err error, now time.Time) {
	key := actionKey(a)
	b := s.backoff[a.Email]
	if b == nil || b.key != key {
		b = &personBackoff{key: key}
		s.backoff[a.Email] = b
	}
	b.failures++
	b.err = err
	permanent := errors.Is(err, accessplan.ErrPermanent) || errors.Is(err, accessplan.ErrNotManaged)
	wait := longestWait
	if !permanent {
		wait = min(longestWait, firstRetry<<min(b.failures-1, 10))
	}
	b.until = now.Add(wait)
	if b.failures == 1 || now.Sub(b.lastLogged) >= relogEvery {
		b.lastLogged = now
		if a.Kind == accessplan.ActNotify {
			s.log.Error("email could not be sent; it stays owed and is retried with backoff", "email", a.Email, "failures", b.failures, "retry_in", wait.String(), "error", err.Error())
			return
		}
		if permanent {
			s.log.Error("Net2 refuses this write; it is retried hourly, and at once when the plan for this person changes; other persons go on",
				"action", string(a.Kind), "email", a.Email, "user_id", a.UserID, "failures", b.failures, "error", err.Error())
			if a.Kind != accessplan.ActNotify {
				s.opts.Alerts.Raise("write:"+a.Email, "Net2 refuses a write for "+a.Email+" ("+string(a.Kind)+")", err.Error())
			}
		} else {
			s.log.Error("Net2 write failed; retried with backoff", "action", string(a.Kind), "email", a.Email, "user_id", a.UserID,
				"failures", b.failures, "retry_in", wait.String(), "error", err.Error())
		}
		return
	}
	s.log.Debug("Net2 write failed again", "action", string(a.Kind), "email", a.Email, "failures", b.failures, "error", err.Error())
}

// nextRetry is the earliest instant a backed-off write may be tried again (zero: none).
func (s *Syncer) nextRetry() time.Time {
	var next time.Time
	for _, b := range s.backoff {
		if next.IsZero() || b.until.Before(next) {
			next = b.until
		}
	}
	return next
}

// assignCode draws a code and writes it, drawing again when Net2 reports a collision, at
// most maxCodeAttempts times. It returns the code issued.
func (s *Syncer) assignCode(ctx context.Context, id int, inUse map[string]bool) (string, error) {
	for range maxCodeAttempts {
		code, err := s.opts.Allocator.Allocate(inUse)
		if err != nil {
			return "", fmt.Errorf("choosing a code: %w", err)
		}
		if code == "" {
			return "", nil // manual: nothing to issue
		}
		err = s.opts.Controller.AssignCode(ctx, id, code)
		inUse[code] = true
		if errors.Is(err, accessplan.ErrCodeTaken) {
			s.log.Warn("Net2 reports the chosen code as taken; drawing another", "user_id", id)
			continue
		}
		if err != nil {
			return "", err
		}
		return code, nil
	}
	return "", fmt.Errorf("Net2 refused %d codes in a row as already taken; giving up until the next cycle", maxCodeAttempts)
}

// mailBudget bounds the mail of one cycle (and the admins' alerts): what is not sent by then
// stays owed for the next cycle, so a slow or hanging mail server never holds a door.
const mailBudget = 2 * time.Minute

// sendMail sends the emails the plan owes, after every Net2 write of the cycle, and records
// each as sent in the memo once the server accepted it (DESIGN invariant 5). A failed send
// stays owed and backs off per person; a permanent refusal is recorded in the memo (no email
// is owed while it is there) and the admins are told. A crash between a send and its memo
// write repeats at most that one email.
func (s *Syncer) sendMail(ctx context.Context, plan *accessplan.Plan, mails []accessplan.Action, codes map[string]string, rep *Report) {
	if len(mails) == 0 || ctx.Err() != nil {
		return
	}
	budget := mailBudget
	if next, ok := plan.Next(rep.Now); ok {
		budget = min(budget, next.Sub(rep.Now)-2*time.Second) // the next door comes first
	}
	if budget <= 0 {
		return // a transition is due: the mail goes out after it
	}
	mctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	failed, sent := false, false
	for _, a := range mails {
		if mctx.Err() != nil {
			break
		}
		if b := s.backoff[a.Email]; b != nil && b.key == actionKey(a) && rep.Now.Before(b.until) {
			rep.Deferred = append(rep.Deferred, ActionError{Action: a, Err: b.err})
			continue
		}
		n := *a.Notification
		if n.Code == "" {
			n.Code = codes[a.Email]
		}
		if n.Code == "" && n.CodeKind != string(accessplan.CodeManual) {
			continue // no code yet (its assignment failed): owed next cycle
		}
		err := s.opts.Notifier.Notify(mctx, n)
		switch {
		case err == nil:
			sent = true
			delete(s.backoff, a.Email)
			rep.Applied = append(rep.Applied, a)
			s.log.Info("emailed", "email", a.Email, "reason", a.Reason)
			if werr := s.opts.Controller.UpdateUser(ctx, a.UserID, a.Spec); werr != nil {
				s.log.Error("email sent but not recorded in Net2; it may be sent once more", "email", a.Email, "user_id", a.UserID, "error", werr.Error())
			}
		case errors.Is(err, accessplan.ErrPermanent):
			rep.Failed = append(rep.Failed, ActionError{Action: a, Err: err})
			refused := a.Spec
			refused.Memo.CodeNotified = false
			refused.Memo.MailRefused = rep.Now.UTC().Format(time.RFC3339) + " " + err.Error()
			refused.Memo.Records = unmarked(a.Spec.Memo.Records, a.Notification)
			s.log.Error("ALERT: the mail server refused a booker's address for good; it is recorded in the user's memo and no email is sent to it until an operator clears that line",
				"email", a.Email, "user_id", a.UserID, "error", err.Error())
			s.raiseRefused(a.Email, a.UserID, refused.Memo.MailRefused)
			if werr := s.opts.Controller.UpdateUser(ctx, a.UserID, refused); werr != nil {
				s.log.Error("could not record the refused address in Net2; the email is tried again", "email", a.Email, "error", werr.Error())
			}
		default:
			if ctx.Err() != nil {
				return
			}
			failed = true
			rep.Failed = append(rep.Failed, ActionError{Action: a, Err: err})
			s.noteFailure(a, err, rep.Now)
		}
	}
	switch {
	case failed:
		s.alertOnce("mail", "ALERT: emails to bookers cannot be sent; they stay owed and are retried", "error", rep.Failed[len(rep.Failed)-1].Err.Error())
	case sent:
		s.clearAlert("mail")
	}
}

// unmarked returns records with the flags of the bookings n was about cleared again.
func unmarked(recs []accessplan.MemoRecord, n *accessplan.Notification) []accessplan.MemoRecord {
	out := make([]accessplan.MemoRecord, len(recs))
	copy(out, recs)
	for i := range out {
		for _, b := range n.Bookings {
			if out[i].Source == b.Source && out[i].Key == b.UID {
				out[i].Notified = false
			}
		}
	}
	return out
}
