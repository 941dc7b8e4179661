package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/config"
)

// previewEntry is one element of `preview --json`: a person with at least one door open at the
// instant, the doors (ascending), the resources whose bookings cover the instant, and the
// merged access window containing it, in RFC 3339 UTC.
type previewEntry struct {
	Email     string   `json:"email"`
	Name      string   `json:"name"`
	Doors     []int    `json:"doors"`
	Resources []string `json:"resources"`
	From      string   `json:"from"`
	Until     string   `json:"until"`
}

func runPreview(ctx context.Context, env *cliEnv, args []string) error {
	var atFlag string
	var asJSON bool
	cfg, err := parseWithConfig("preview", env, args, func(fs *flag.FlagSet) {
		fs.StringVar(&atFlag, "at", "", "instant to answer for, RFC 3339 (default: now)")
		fs.BoolVar(&asJSON, "json", false, "print a JSON array sorted by email")
	})
	if err != nil {
		return err
	}
	at := time.Now()
	if atFlag != "" {
		if at, err = time.Parse(time.RFC3339, atFlag); err != nil {
			return badInput(fmt.Errorf("--at %q is not an RFC 3339 instant (write e.g. 2026-12-01T09:30:00Z or 2026-12-01T10:30:00+01:00)", atFlag))
		}
	}
	logger := cliLogger(env.stderr, cfg)
	sources, err := buildSources(cfg, logger)
	if err != nil {
		return badInput(err)
	}
	policy, err := previewPolicy(ctx, cfg, logger)
	if err != nil {
		return err
	}
	states, err := fetchAll(ctx, env.stderr, sources, policy.Window(at))
	if err != nil {
		return err
	}
	plan := accessplan.ComputeAccess(accessplan.Input{Now: at, Policy: policy, Sources: states})
	warnUnmapped(env.stderr, plan.Unmapped)

	access := plan.Preview(at)
	if asJSON {
		return printPreviewJSON(env.stdout, access)
	}
	printPreviewTable(env.stdout, at, cfg.Site.Location, access)
	return nil
}

// fetchAll fetches every source over window and reports their warnings and notes on w. A
// failed source fails the whole answer: a preview that silently left out a feed would show
// too little access.
func fetchAll(ctx context.Context, w io.Writer, sources []booking.BookingSource, window booking.Window) ([]accessplan.SourceState, error) {
	var states []accessplan.SourceState
	var errs []error
	for _, f := range booking.FetchAll(ctx, sources, window) {
		name := f.Source.Name()
		if f.Err != nil {
			err := f.Err
			if !strings.Contains(err.Error(), name) {
				err = fmt.Errorf("source %s: %w", name, err)
			}
			if errors.Is(f.Err, booking.ErrUnusable) {
				err = badInput(err)
			}
			errs = append(errs, err)
			continue
		}
		for _, n := range f.Result.Notes {
			fmt.Fprintf(w, "note: %s: %s\n", name, n)
		}
		for _, warn := range f.Result.Warnings {
			fmt.Fprintf(w, "warning: %s\n", warn)
		}
		states = append(states, accessplan.SourceState{Name: name, Known: true, Bookings: f.Result.Bookings})
	}
	if len(errs) > 0 {
		return nil, firstCoded(errs)
	}
	return states, nil
}

// firstCoded joins errors, keeping exit code 2 only when every failure is bad input.
func firstCoded(errs []error) error {
	joined := errors.Join(errs...)
	for _, err := range errs {
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != 2 {
			return joined
		}
	}
	return badInput(joined)
}

func warnUnmapped(w io.Writer, unmapped []accessplan.Unmapped) {
	for _, u := range unmapped {
		fmt.Fprintf(w, "warning: resource %q (%d booking(s) in %s, e.g. UID %s) maps to no door; add it under \"resources:\" in the configuration\n",
			u.Resource, u.Bookings, strings.Join(u.Sources, ", "), strings.Join(u.UIDs, ", "))
	}
}

func printPreviewJSON(w io.Writer, access []accessplan.Access) error {
	out := make([]previewEntry, 0, len(access))
	for _, a := range access {
		out = append(out, previewEntry{
			Email: a.Email, Name: a.Name, Doors: a.Doors, Resources: a.Resources,
			From: a.Window.Start.UTC().Format(time.RFC3339), Until: a.Window.End.UTC().Format(time.RFC3339),
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func printPreviewTable(out io.Writer, at time.Time, loc *time.Location, access []accessplan.Access) {
	// tabwriter writes cell by cell: buffered, a table of many persons is a few writes, not
	// one system call a cell.
	w := bufio.NewWriter(out)
	defer w.Flush()
	if loc == nil {
		loc = time.Local
	}
	fmt.Fprintf(w, "Access at %s (%s)\n", at.In(loc).Format("Mon 2006-01-02 15:04:05 MST"), loc)
	if len(access) == 0 {
		fmt.Fprintln(w, "Nobody has access at this instant.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tNAME\tDOORS\tRESOURCES\tFROM\tUNTIL")
	for _, a := range access {
		doors := make([]string, len(a.Doors))
		for i, d := range a.Doors {
			doors[i] = fmt.Sprint(d)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.Email, a.Name, strings.Join(doors, ", "), strings.Join(a.Resources, ", "),
			a.Window.Start.In(loc).Format("2006-01-02 15:04"), a.Window.End.In(loc).Format("2006-01-02 15:04"))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d person(s) have access.\n", len(access))
}

func runValidate(_ context.Context, env *cliEnv, args []string) error {
	cfg, err := parseWithConfig("validate", env, args, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%s is valid: %d source(s), %d resource(s), identifier %s.\n", cfg.Path, len(cfg.Sources), len(cfg.Resources), cfg.Access.Identifier)
	return nil
}

// newFlagSet makes a flag set whose errors and help go to the command's stderr.
func newFlagSet(name string, env *cliEnv) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	return fs
}

// parseFlags parses args and maps flag mistakes to exit code 2. Positional arguments are
// refused: every command takes flags only.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return badInput(fmt.Errorf("help requested"))
		}
		return badInput(err)
	}
	if fs.NArg() > 0 {
		return badInput(fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	return nil
}

// parseWithConfig parses a command's flags (--config and those define adds) and loads the
// configuration.
func parseWithConfig(name string, env *cliEnv, args []string, define func(*flag.FlagSet)) (*config.Config, error) {
	fs := newFlagSet(name, env)
	path := fs.String("config", "", "configuration file (required)")
	if define != nil {
		define(fs)
	}
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	return loadConfig(*path)
}

// loadConfig loads and validates the configuration; every problem is bad input (exit 2).
func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return nil, badInput(fmt.Errorf("--config is required (the path of your configuration file)"))
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, badInput(err)
	}
	return cfg, nil
}
