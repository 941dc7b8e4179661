package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/net2"
)

// runCheck validates the configuration, logs in to Net2, resolves every name the
// configuration uses, and fetches each source, printing a checklist with the reason of every
// failure. It changes nothing.
func runCheck(ctx context.Context, env *cliEnv, args []string) error {
	cfg, err := parseWithConfig("check", env, args, nil)
	if err != nil {
		return err
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
	for _, u := range accessplan.Compute(accessplan.Input{Now: now, Policy: policy, Sources: states}).Unmapped {
		fmt.Fprintf(env.stdout, "       warning: resource %q (%d booking(s) in %s) maps to no door\n", u.Resource, u.Bookings, strings.Join(u.Sources, ", "))
	}

	if n := cfg.Email.Notifications; n.Enabled {
		for _, t := range []struct{ key, path string }{
			{"email.notifications.text_template", n.TextTemplate},
			{"email.notifications.html_template", n.HTMLTemplate},
		} {
			_, err := os.Stat(t.path)
			item(err == nil, "%s %s: %s", t.key, t.path, okOr(err, "readable"))
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d check(s) failed", failed)
	}
	fmt.Fprintln(env.stdout, "All checks passed.")
	return nil
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
