package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/net2booking/net2booking/net2"
)

// net2Lists are the `net2 <what>` listings that help fill in the configuration.
var net2Lists = []string{"doors", "access-levels", "departments", "fields", "operators", "timezones"}

func runNet2(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		return badInput(fmt.Errorf("say what to list: net2 doors|access-levels|departments|fields|operators|timezones --config F"))
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
		return named(client.Doors(ctx))
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
