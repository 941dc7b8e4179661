package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/config"
	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/notify"
)

// runCheck validates the configuration, logs in to Net2, resolves every name the
// configuration uses, and fetches each source, printing a checklist with the reason of every
// failure. It changes nothing.
//
// With --live it then runs the live self-test (net2.SelfTest) on one marked probe user, which
// it deletes again unless --keep, and prints what this server did for each open assumption
// and the configuration that implies: the first step on a new site.
func runCheck(ctx context.Context, env *cliEnv, args []string) error {
	var live, keep bool
	cfg, err := parseWithConfig("check", env, args, func(fs *flag.FlagSet) {
		fs.BoolVar(&live, "live", false, "also try every assumption about this Net2 server on a probe user, and report")
		fs.BoolVar(&keep, "keep", false, "with --live: leave the probe user in Net2 for inspection")
	})
	if err != nil {
		return err
	}
	if keep && !live {
		return badInput(fmt.Errorf("--keep only goes with --live"))
	}
	failed := 0
	item := func(ok bool, format string, a ...any) {
		mark := "[ok]  "
		if !ok {
			mark = "[FAIL]"
			failed++
		}
		fmt.Fprintf(env.stdout, "%s %s\n", mark, fmt.Sprintf(format, a...))
	}
	item(true, "configuration %s is valid (%d source(s), %d resource(s))", cfg.Path, len(cfg.Sources), len(cfg.Resources))

	logger := cliLogger(env.stderr, cfg)
	var resolved *net2.Site
	var liveClient *net2.Client
	var liveSite net2.Site
	if live && !cfg.Net2.Present {
		return badInput(fmt.Errorf("%s has no net2 section: check --live tests a Net2 server", cfg.Path))
	}
	if !cfg.Net2.Present {
		item(false, "Net2: the configuration has no net2 section")
	} else if client, err := newNet2Client(cfg, logger); err != nil {
		item(false, "Net2: %v", err)
	} else if _, err := client.Users(ctx); err != nil {
		item(false, "Net2: cannot log in and read users at %s: %v", client.BaseURL(), err)
	} else {
		item(true, "Net2: logged in at %s as %q and read the users", client.BaseURL(), cfg.Net2.Operator)
		s, errs := net2.ResolveSite(ctx, client, siteNames(cfg))
		for _, e := range errs {
			item(false, "Net2: %v", e)
		}
		liveClient, liveSite = client, s
		if s.MarkerField != 0 {
			if l, err := net2.NewLease(client, net2.LeaseConfig{MarkerField: s.MarkerField}); err == nil {
				switch st, err := l.Check(ctx); {
				case err != nil:
					item(false, "Net2: reading the lease: %v", err)
				case st.Holder == "":
					item(true, "Net2: lease free: no net2booking writes to this site now")
				default:
					item(true, "Net2: lease held by %s since %s (lapses %s unless renewed): only it writes to this site",
						st.Holder, formatTime(st.Since, cfg.Site.Location), formatTime(st.Expires, cfg.Site.Location))
				}
			}
		}
		if len(errs) == 0 {
			resolved = &s
			what := fmt.Sprintf("all %d configured door(s) exist", countTargets(s.Resources))
			if s.Grant == accessplan.GrantAccessLevels {
				what = fmt.Sprintf("all %d configured access level(s) exist", countTargets(s.Resources))
			} else if s.DoorAreas != nil {
				what += fmt.Sprintf(" and match %d reader area(s) (net2.permission_ids: area)", countAreas(s.DoorAreas))
			}
			item(true, "Net2: department %d, fallback access level %d, always timezone %d, marker field %d; %s",
				s.Department, s.FallbackLevel, s.AlwaysTimezone, s.MarkerField, what)
		}
	}

	sources, err := buildSources(cfg, logger)
	if err != nil {
		item(false, "sources: %v", err)
	}
	now := time.Now()
	if resolved == nil {
		if err := needsNet2ForNames(cfg); err != nil {
			item(false, "resources: %v", err)
		}
	}
	policy := policyFromConfig(cfg, resolved)
	var states []accessplan.SourceState
	for _, f := range booking.FetchAll(ctx, sources, policy.Window(now)) {
		if f.Err != nil {
			item(false, "source %s: %v", f.Source.Name(), f.Err)
			continue
		}
		item(true, "source %s: %d booking(s) in the planning window, %d warning(s)", f.Source.Name(), len(f.Result.Bookings), len(f.Result.Warnings))
		for _, w := range f.Result.Warnings {
			fmt.Fprintf(env.stdout, "       warning: %s\n", w)
		}
		states = append(states, accessplan.SourceState{Name: f.Source.Name(), Known: true, Bookings: f.Result.Bookings})
	}
	for _, u := range accessplan.ComputeAccess(accessplan.Input{Now: now, Policy: policy, Sources: states}).Unmapped {
		fmt.Fprintf(env.stdout, "       warning: resource %q (%d booking(s) in %s) maps to no door\n", u.Resource, u.Bookings, strings.Join(u.Sources, ", "))
	}

	if n := cfg.Email.Notifications; cfg.Email.Present {
		// Every placeholder must be known: a typo would reach every booker verbatim.
		_, err := notify.LoadTemplates(n.TextTemplate, n.HTMLTemplate)
		which := "the built-in default templates"
		if n.TextTemplate != "" || n.HTMLTemplate != "" {
			which = fmt.Sprintf("templates %s, %s", orDefault(n.TextTemplate), orDefault(n.HTMLTemplate))
		}
		item(err == nil, "email: %s: %s", which, okOr(err, "every placeholder is known"))
	}
	if live {
		if liveClient == nil {
			item(false, "live self-test: not run, since Net2 could not be reached")
		} else {
			failed += runLive(ctx, env, liveClient, cfg, liveSite, keep)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d check(s) failed", failed)
	}
	fmt.Fprintln(env.stdout, "All checks passed.")
	return nil
}

// runLive runs the live self-test and prints its report; it returns the number of problems.
func runLive(ctx context.Context, env *cliEnv, client *net2.Client, cfg *config.Config, s net2.Site, keep bool) int {
	w := env.stdout
	fmt.Fprintf(w, "\nLive self-test against %s (one probe user, which can never open a door):\n", client.BaseURL())
	rep, err := net2.SelfTest(ctx, client, net2.SelfTestOptions{
		MarkerField: s.MarkerField, Department: s.Department, PermissionIDs: net2.PermissionIDs(cfg.Net2.PermissionIDs),
		Keep: keep, Location: cfg.Site.Location,
	})
	if rep != nil {
		for _, f := range rep.Findings {
			mark := "[ok]  "
			if f.Problem {
				mark = "[FAIL]"
			}
			fmt.Fprintf(w, "%s %s\n       this server: %s\n", mark, f.Assumption, f.Observed)
			if f.Implies != "" {
				fmt.Fprintf(w, "       so: %s\n", f.Implies)
			}
		}
		switch {
		case rep.Cleanup != nil:
			fmt.Fprintf(w, "[FAIL] %v\n", rep.Cleanup)
		case rep.Kept:
			fmt.Fprintf(w, "The probe user %d is kept for inspection (--keep); delete it when done.\n", rep.ProbeID)
		case rep.ProbeID != 0:
			fmt.Fprintf(w, "The probe user %d was deleted.\n", rep.ProbeID)
		}
		if len(rep.Config) > 0 {
			fmt.Fprintln(w, "Configuration this server implies:")
			for _, line := range rep.Config {
				fmt.Fprintf(w, "  %s\n", line)
			}
		}
	}
	if err != nil {
		fmt.Fprintf(w, "[FAIL] the self-test could not run: %v\n", err)
		return 1
	}
	return rep.Problems()
}

func orDefault(path string) string {
	if path == "" {
		return "(default)"
	}
	return path
}

func okOr(err error, ok string) string {
	if err != nil {
		return err.Error()
	}
	return ok
}

func countTargets(rs map[string][]int) int {
	seen := map[int]bool{}
	for _, ids := range rs {
		for _, d := range ids {
			seen[d] = true
		}
	}
	return len(seen)
}

func countAreas(m map[int][]int) int {
	n := 0
	for _, a := range m {
		n += len(a)
	}
	return n
}
