package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/config"
	"github.com/net2booking/net2booking/engine"
	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/status"
)

func runSync(ctx context.Context, env *cliEnv, args []string) error {
	var dryRun, accept bool
	cfg, err := parseWithConfig("sync", env, args, func(fs *flag.FlagSet) {
		fs.BoolVar(&dryRun, "dry-run", false, "print every action with its reason and change nothing")
		fs.BoolVar(&accept, "accept-shrink", false, "apply a source that dropped a suspicious share of its bookings as it is")
	})
	if err != nil {
		return err
	}
	fileLog, closer, err := openLogFile(cfg)
	if err != nil {
		return err
	}
	defer closer.Close()
	logger := newLogger(env.stderr, cfg, slog.LevelWarn, fileLog)
	svc, err := newService(ctx, cfg, logger)
	if err != nil {
		return err
	}
	kind := accessplan.RequestSync
	if accept {
		kind = accessplan.RequestAcceptShrink
	}
	if !dryRun {
		// One writer per site: on this machine the lock, across machines the lease in Net2.
		// A running service gets the operator's one-off instead of competing with it.
		lock, holder, err := engine.TryLocalLock(lockPath(cfg), "sync", net2.ProcessName(), time.Now())
		if err != nil {
			return err
		}
		if lock == nil {
			if engine.HolderIsRun(holder) {
				return handOver(ctx, env, svc, kind, holder)
			}
			return fmt.Errorf("%w (%s); try again when it has finished", engine.ErrLocked, holder)
		}
		defer lock.Unlock()
	}
	rep, err := svc.syncer.Cycle(ctx, engine.CycleOptions{Fetch: true, DryRun: dryRun, AcceptShrink: accept, FullVerify: true, OneShot: true})
	if err != nil {
		return err
	}
	if rep.Standby != nil {
		return handOver(ctx, env, svc, kind, rep.Standby.Holder)
	}
	printReport(env.stdout, rep, dryRun, cfg.Site.Location)
	var problems []error
	for _, s := range rep.Sources {
		if s.LastError != nil {
			problems = append(problems, fmt.Errorf("source %s failed (its bookings recorded in Net2 stay in force)", s.Name))
		}
		if s.Vanished && s.Held {
			problems = append(problems, fmt.Errorf("Net2 records bookings of source %q, which is no longer configured; they stay in force (declare a rename with previous_names, or rerun with --accept-shrink to let them go)", s.Name))
			continue
		}
		if s.Held {
			problems = append(problems, fmt.Errorf("source %s dropped %d of %d recorded bookings; revocations held (rerun with --accept-shrink if that is real)", s.Name, s.Missing, s.Recorded))
		}
	}
	if len(rep.Failed) > 0 {
		problems = append(problems, fmt.Errorf("%d Net2 write(s) failed; they are retried by the next sync", len(rep.Failed)))
	}
	return errors.Join(problems...)
}

// handOver gives an operator's one-off to the running service that holds the lease, and
// waits (bounded) until it says it is done.
func handOver(ctx context.Context, env *cliEnv, svc *service, kind, holder string) error {
	id, st, err := svc.lease.Request(ctx, kind)
	if err != nil {
		return fmt.Errorf("%s holds this Net2 site, but the request could not be handed to it: %w", holder, err)
	}
	if st.Holder != "" {
		holder = fmt.Sprintf("%s (holding the lease since %s)", st.Holder, formatTime(st.Since, svc.cfg.Site.Location))
	}
	fmt.Fprintf(env.stdout, "net2booking is running: %s writes to this Net2 site.\nHanded %q to it instead of competing with it", holder, kind)
	deadline := time.Now().Add(handOverWait)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			fmt.Fprintln(env.stdout, "; it will be done at the service's next cycle.")
			return nil
		case <-time.After(2 * time.Second):
		}
		if done, err := svc.lease.RequestDone(ctx, id); err == nil && done {
			fmt.Fprintln(env.stdout, "; the service has done it.")
			return nil
		}
	}
	fmt.Fprintln(env.stdout, "; not confirmed yet: it is done at the service's next cycle (within about a minute).")
	return nil
}

// handOverWait bounds how long sync waits for the running service to confirm a request.
const handOverWait = 75 * time.Second

// printReport writes what a cycle planned or did, one line per source and per action.
func printReport(w io.Writer, rep *engine.Report, dryRun bool, loc *time.Location) {
	fmt.Fprintf(w, "Sync at %s\n", formatTime(rep.Now, loc))
	for _, s := range rep.Sources {
		switch {
		case s.Vanished:
			state := "kept in force, revocations HELD"
			if !s.Held {
				state = "let go (accepted)"
			}
			fmt.Fprintf(w, "  source %s: NOT CONFIGURED any more: %d upcoming recorded booking(s) %s\n", s.Name, s.Recorded, state)
			continue
		case s.LastError != nil:
			fmt.Fprintf(w, "  source %s: FAILED: %v\n", s.Name, s.LastError)
		default:
			fmt.Fprintf(w, "  source %s: %d booking(s)\n", s.Name, s.Bookings)
		}
		if s.Held {
			fmt.Fprintf(w, "  source %s: dropped %d of %d recorded upcoming bookings: revocations HELD\n", s.Name, s.Missing, s.Recorded)
		}
	}
	for _, u := range rep.Plan.Unmapped {
		fmt.Fprintf(w, "  warning: resource %q maps to no door (%d booking(s))\n", u.Resource, u.Bookings)
	}
	for _, u := range rep.Plan.Orphans {
		fmt.Fprintf(w, "  warning: Net2 user %d has the marker but no email in its memo; left untouched\n", u.ID)
	}
	if dryRun {
		fmt.Fprintf(w, "Dry run: nothing was changed. %d action(s) would be applied:\n", len(rep.Plan.Actions))
		for _, a := range rep.Plan.Actions {
			fmt.Fprintf(w, "  would %s\n", a)
		}
		return
	}
	for _, a := range rep.Applied {
		fmt.Fprintf(w, "  done   %s\n", a)
	}
	for _, f := range rep.Failed {
		fmt.Fprintf(w, "  FAILED %s: %v\n", f.Action, f.Err)
	}
	fmt.Fprintf(w, "%d action(s) applied, %d failed.\n", len(rep.Applied), len(rep.Failed))
}

func runRun(ctx context.Context, env *cliEnv, args []string) error {
	cfg, err := parseWithConfig("run", env, args, nil)
	if err != nil {
		return err
	}
	fileLog, closer, err := openLogFile(cfg)
	if err != nil {
		return err
	}
	defer closer.Close()
	if cfg.Status.Listen == "" {
		logger := newLogger(env.stderr, cfg, logLevel(cfg), fileLog)
		return runManaged(ctx, cfg, logger, func(ctx context.Context) error { return runEngine(ctx, cfg, logger) })
	}
	// The status server (SPEC B6): refused before anything starts when it would be open to
	// other machines without a token; it stops with run.
	if err := status.CheckListen(cfg.Status.Listen, cfg.Status.Token); err != nil {
		return badInput(fmt.Errorf("%s: %w", cfg.Path, err))
	}
	st := status.New(status.Options{FetchInterval: cfg.Access.FetchInterval, Location: cfg.Site.Location, Token: cfg.Status.Token})
	logger := newLogger(env.stderr, cfg, logLevel(cfg), fileLog, st.LogHandler())
	ln, err := net.Listen("tcp", cfg.Status.Listen)
	if err != nil {
		return fmt.Errorf("status.listen %s: %w", cfg.Status.Listen, err)
	}
	return runManaged(ctx, cfg, logger, func(ctx context.Context) error {
		sctx, stop := context.WithCancel(ctx)
		served := make(chan struct{})
		go func() { defer close(served); st.Serve(sctx, ln, logger) }()
		defer func() { stop(); <-served }()
		logger.Info("status server listening", "listen", ln.Addr().String())
		return runEngine(ctx, cfg, logger, serviceExtras{wrapNet2: st.Transport, afterCycle: st.Observe})
	})
}

// runEngine is the engine of `run`, in the foreground or as the system service: it takes
// the local lock (waiting for another `run`), waits for Net2 to answer, then runs cycles
// until ctx ends.
func runEngine(ctx context.Context, cfg *config.Config, logger *slog.Logger, extras ...serviceExtras) error {
	// One `run` per machine and site: a second one waits for the first to stop.
	for announced := false; ; {
		lock, holder, err := engine.TryLocalLock(lockPath(cfg), "run", net2.ProcessName(), time.Now())
		if err != nil {
			return err
		}
		if lock != nil {
			defer lock.Unlock()
			break
		}
		if !announced {
			logger.Warn("another net2booking writes to this Net2 site from this machine; waiting for it to stop", "holder", holder, "lock", lockPath(cfg))
			announced = true
		}
		select {
		case <-ctx.Done():
			logger.Info("stopping: context ended")
			return nil
		case <-time.After(5 * time.Second):
		}
	}
	// Net2 may not be up yet (the PC booted before Net2): wait for it, saying so, instead of
	// exiting; a wrong configuration still stops at once.
	var (
		svc *service
		err error
	)
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		svc, err = newService(ctx, cfg, logger, extras...)
		if err == nil || !net2.IsUnavailable(err) {
			break
		}
		logger.Warn("Net2 is not reachable yet; waiting for it", "error", err.Error(), "retry_in", wait.String())
		select {
		case <-ctx.Done():
			logger.Info("stopping: context ended")
			return nil
		case <-time.After(wait):
		}
	}
	if err != nil {
		return err
	}
	logger.Info("net2booking running", "sources", len(svc.sources), "resources", len(cfg.Resources), "fetch_interval", cfg.Access.FetchInterval.String())
	return svc.syncer.Run(ctx)
}
