package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/net2booking/net2booking/config"
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
	if !cfg.Net2.Present {
		item(false, "Net2: the configuration has no net2 section")
	} else if client, err := newNet2Client(cfg, logger); err != nil {
		item(false, "Net2: %v", err)
	} else if _, err := client.Users(ctx); err != nil {
		item(false, "Net2: cannot log in and read users at %s: %v", client.BaseURL(), err)
	} else {
		item(true, "Net2: logged in at %s as %q and read the users", client.BaseURL(), cfg.Net2.Operator)
		ids, errs := resolveSite(ctx, client, cfg)
		for _, e := range errs {
			item(false, "Net2: %v", e)
		}
		if len(errs) == 0 {
			item(true, "Net2: department %d, fallback access level %d, always timezone %d, marker field %d; all %d configured door(s) exist",
				ids.department, ids.fallbackLevel, ids.alwaysTimezone, ids.markerField, countDoors(cfg.Resources))
		}
	}

	sources, err := buildSources(cfg, logger)
	if err != nil {
		item(false, "sources: %v", err)
	}
	policy := policyFromConfig(cfg, site{})
	window := policy.Window(time.Now())
	for _, s := range sources {
		res, err := s.Fetch(ctx, window)
		if err != nil {
			item(false, "source %s: %v", s.Name(), err)
			continue
		}
		item(true, "source %s: %d booking(s) in the planning window, %d warning(s)", s.Name(), len(res.Bookings), len(res.Warnings))
		for _, w := range res.Warnings {
			fmt.Fprintf(env.stdout, "       warning: %s\n", w)
		}
		unmapped := map[string]bool{}
		for _, b := range res.Bookings {
			for _, r := range b.Resources {
				if _, ok := policy.DoorsFor(r); !ok && !unmapped[r] {
					unmapped[r] = true
					fmt.Fprintf(env.stdout, "       warning: resource %q maps to no door\n", r)
				}
			}
		}
	}

	if cfg.Email.Notifications.Enabled {
		for key, path := range map[string]string{"email.notifications.text_template": cfg.Email.Notifications.TextTemplate, "email.notifications.html_template": cfg.Email.Notifications.HTMLTemplate} {
			_, err := os.Stat(path)
			item(err == nil, "%s %s: %s", key, path, okOr(err, "readable"))
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

func countDoors(rs []config.Resource) int {
	seen := map[int]bool{}
	for _, r := range rs {
		for _, d := range r.Doors {
			seen[d] = true
		}
	}
	return len(seen)
}
