package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/net2booking/net2booking/net2"
)

// net2Lists are the `net2 <what>` listings that help fill in the configuration.
var net2Lists = []string{"doors", "areas", "access-levels", "departments", "fields", "operators", "timezones"}

func runNet2(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		return badInput(fmt.Errorf("say what to list: net2 doors|areas|access-levels|departments|fields|operators|timezones --config F"))
	}
	what := args[0]
	cfg, err := parseWithConfig("net2 "+what, env, args[1:], nil)
	if err != nil {
		return err
	}
	client, err := newNet2Client(cfg, cliLogger(env.stderr, cfg))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	named := func(list []net2.Named, err error) error {
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, "ID\tNAME")
		for _, n := range list {
			fmt.Fprintf(tw, "%d\t%s\n", n.ID, n.Name)
		}
		return nil
	}
	switch what {
	case "doors":
		// Each door with the reader areas it resolves to (net2.DoorAreas): what individual
		// permissions name on servers with net2.permission_ids: area.
		doors, err := client.Doors(ctx)
		if err != nil {
			return err
		}
		areas, aerr := client.Areas(ctx)
		match := net2.DoorAreas(doors, areas)
		fmt.Fprintln(tw, "ID\tNAME\tREADER AREAS")
		for _, d := range doors {
			col := "none matched"
			switch {
			case aerr != nil:
				col = "unknown (areas not readable)"
			case len(match[d.ID]) > 0:
				col = joinIDs(match[d.ID])
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\n", d.ID, d.Name, col)
		}
		if aerr != nil {
			tw.Flush()
			fmt.Fprintf(env.stderr, "warning: reading the reader areas failed: %v\n", aerr)
		}
		return nil
	case "areas":
		areas, err := client.Areas(ctx)
		if err != nil {
			return err
		}
		doors, derr := client.Doors(ctx)
		door := map[int]string{}
		if derr == nil {
			for d, ids := range net2.DoorAreas(doors, areas) {
				for _, a := range ids {
					door[a] = fmt.Sprint(d)
				}
			}
		}
		fmt.Fprintln(tw, "AREA ID\tNAME\tDOOR")
		for _, a := range areas {
			d := door[a.ID]
			if d == "" {
				d = "-"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\n", a.ID, a.Name, d)
		}
		return nil
	case "access-levels":
		return named(client.AccessLevels(ctx))
	case "departments":
		return named(client.Departments(ctx))
	case "timezones":
		return named(client.Timezones(ctx))
	case "fields":
		fields, err := client.CustomFieldNames(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, "ID\tNAME\tMAX LENGTH")
		for _, f := range fields {
			max := fmt.Sprint(f.MaxLength)
			if f.MaxLength == 0 {
				max = "unlimited"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\n", f.ID, f.Name, max)
		}
		return nil
	case "operators":
		ops, err := client.Operators(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, "ID\tNAME (use as net2.operator)")
		for _, o := range ops {
			fmt.Fprintf(tw, "%d\t%s\n", o.UserID, o.DisplayName)
		}
		return nil
	}
	return badInput(fmt.Errorf("unknown list %q: choose one of %v", what, net2Lists))
}

func joinIDs(ids []int) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, ", ")
}
