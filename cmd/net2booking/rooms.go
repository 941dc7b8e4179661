package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/net2booking/net2booking/booking/graph"
	"github.com/net2booking/net2booking/config"
)

// runRooms lists the tenant's rooms and room lists for each outlook source (or the one named
// with --source), and says which configuration lines to paste.
func runRooms(ctx context.Context, env *cliEnv, args []string) error {
	var only string
	cfg, err := parseWithConfig("rooms", env, args, func(fs *flag.FlagSet) {
		fs.StringVar(&only, "source", "", "name of the outlook source to use (default: every outlook source)")
	})
	if err != nil {
		return err
	}
	logger := cliLogger(env.stderr, cfg)
	found := false
	var errs []error
	for _, s := range cfg.Sources {
		if s.Type != config.SourceOutlook || (only != "" && s.Name != only) {
			continue
		}
		found = true
		rooms, lists, err := graph.ListRooms(ctx, graphOptions(cfg, s, logger))
		if err != nil {
			errs = append(errs, fmt.Errorf("source %s: %w", s.Name, err))
			continue
		}
		fmt.Fprintf(env.stdout, "Source %s (tenant %s):\n", s.Name, s.Tenant)
		graph.WriteRooms(env.stdout, rooms, lists)
	}
	if !found {
		if only != "" {
			return badInput(fmt.Errorf("%s has no outlook source named %q", cfg.Path, only))
		}
		return badInput(fmt.Errorf("%s has no outlook source: add one under sources: (type: outlook, tenant, client_id, client_secret) first", cfg.Path))
	}
	return errors.Join(errs...)
}
