package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/config"
	"github.com/net2booking/net2booking/logfile"
	"github.com/net2booking/net2booking/net2"
)

// multiFlag collects a repeated string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// runLogs shows the log files of logging.dir readably, newest last (SPEC F23).
func runLogs(ctx context.Context, env *cliEnv, args []string) error {
	var (
		lines   int
		filters multiFlag
		level   string
		follow  bool
	)
	cfg, err := parseWithConfig("logs", env, args, func(fs *flag.FlagSet) {
		fs.IntVar(&lines, "lines", 500, "how many of the last matching lines to show (0: all)")
		fs.Var(&filters, "filter", "show only lines containing this term, case-insensitive (repeat: all must match)")
		fs.StringVar(&level, "level", "", "show only records at this level or above: debug, info, warn, error")
		fs.BoolVar(&follow, "follow", false, "keep printing new lines until interrupted")
	})
	if err != nil {
		return err
	}
	f := logfile.Filter{Terms: filters, MinLevel: slog.LevelDebug}
	if level != "" {
		if err := f.MinLevel.UnmarshalText([]byte(level)); err != nil {
			return badInput(fmt.Errorf("--level %q: use debug, info, warn or error", level))
		}
	}
	loc := cfg.Site.Location
	recs, err := logfile.Tail(cfg.Logging.Dir, lines, f)
	if err != nil {
		return err
	}
	if len(recs) == 0 && !follow {
		fmt.Fprintf(env.stderr, "no matching log lines in %s\n", cfg.Logging.Dir)
	}
	for _, r := range recs {
		fmt.Fprintln(env.stdout, logfile.Format(r, loc))
	}
	if !follow {
		return nil
	}
	return logfile.Follow(ctx, cfg.Logging.Dir, f, func(r logfile.Record) {
		fmt.Fprintln(env.stdout, logfile.Format(r, loc))
	})
}

// runWhy answers from the log files why a person could or could not open a door at an
// instant: the applied Net2 writes that gave or took it, with their reasons (bookings).
func runWhy(ctx context.Context, env *cliEnv, args []string) error {
	var email, door, at string
	cfg, err := parseWithConfig("why", env, args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the person's email address (required)")
		fs.StringVar(&door, "door", "", "the Net2 door id as in resources (or a resource name) (required)")
		fs.StringVar(&at, "at", "", "the instant, RFC 3339 (2026-03-02T09:30:00+01:00) or local \"2006-01-02 15:04\" (required)")
	})
	if err != nil {
		return err
	}
	if email == "" || door == "" || at == "" {
		return badInput(fmt.Errorf("--email, --door and --at are all required"))
	}
	loc := cfg.Site.Location
	if loc == nil {
		loc = time.Local
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		if t, err = time.ParseInLocation("2006-01-02 15:04", at, loc); err != nil {
			return badInput(fmt.Errorf("--at %q: give RFC 3339 (2026-03-02T09:30:00+01:00) or \"2026-03-02 09:30\" in the site's time zone", at))
		}
	}
	recs, err := logfile.Read(cfg.Logging.Dir, logfile.Filter{MinLevel: slog.LevelDebug})
	if err != nil {
		return err
	}
	fmt.Fprint(env.stdout, logfile.Why(recs, email, door, t).Explain(email, door, t, loc))
	if cfg.Net2.Present {
		whyFromMemos(ctx, env.stdout, cfg, email, door, t, loc)
	}
	return nil
}

// whyFromMemos adds what the person's Net2 memo records: the bookings granted, and which of
// them give the door at t (after grace). The memo is the durable record, also for times the
// log files no longer cover.
func whyFromMemos(ctx context.Context, w io.Writer, cfg *config.Config, email, door string, t time.Time, loc *time.Location) {
	logger := slog.New(slog.DiscardHandler)
	policy, err := previewPolicy(ctx, cfg, logger)
	var client *net2.Client
	if err == nil {
		client, err = newNet2Client(cfg, logger)
	}
	var users []net2.User
	if err == nil {
		users, err = client.Users(ctx)
	}
	if err != nil {
		fmt.Fprintf(w, "\nNet2 memos: not read (%v).\n", err)
		return
	}
	opens := func(resource string) bool {
		for name, doors := range policy.Doors {
			if !strings.EqualFold(strings.TrimSpace(name), strings.TrimSpace(resource)) {
				continue
			}
			for _, d := range doors {
				if fmt.Sprint(d) == strings.TrimSpace(door) {
					return true
				}
			}
		}
		return strings.EqualFold(strings.TrimSpace(resource), strings.TrimSpace(door))
	}
	found := false
	for _, u := range users {
		m, _ := accessplan.ParseMemo(u.Field(net2.MemoField))
		if !strings.EqualFold(m.Email, strings.TrimSpace(email)) || m.Email == "" {
			continue
		}
		found = true
		fmt.Fprintf(w, "\nNet2 user %d's memo records %d booking(s):\n", u.ID, len(m.Records))
		for _, r := range m.Records {
			from, until := r.Start.Add(-cfg.Access.GraceBefore), r.End.Add(cfg.Access.GraceAfter)
			mark := " "
			for _, res := range r.Resources {
				if opens(res) && !t.Before(from) && t.Before(until) {
					mark = "*"
				}
			}
			fmt.Fprintf(w, " %s %s/%s %s: %s – %s (doors open %s – %s)\n", mark, r.Source, r.Key, strings.Join(r.Resources, ", "),
				r.Start.In(loc).Format("2006-01-02 15:04"), r.End.In(loc).Format("15:04"), from.In(loc).Format("15:04"), until.In(loc).Format("15:04"))
		}
		fmt.Fprintln(w, "   (* = this booking gives door "+door+" at "+t.In(loc).Format("2006-01-02 15:04")+")")
	}
	if !found {
		fmt.Fprintf(w, "\nNet2 memos: no managed user for %s now (removed, or never created).\n", email)
	}
}
