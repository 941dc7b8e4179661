// Command net2booking turns room and desk bookings into Paxton Net2 door access. It is a
// thin shell over the library: each subcommand wires config, booking sources, the planner and
// (later in the flow) Net2 and email, and maps failures to exit codes:
//
//	0  success (warnings such as skipped events or unmapped resources go to stderr)
//	1  failure of something outside the input (network, Net2, a server error)
//	2  bad usage, bad configuration or unusable input
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/net2booking/net2booking/internal/gcbudget"
)

// command is one subcommand: its name, a one-line summary for the usage text, and its body.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv is the process environment a command works in, replaceable in tests.
type cliEnv struct {
	stdout io.Writer
	stderr io.Writer
	getenv func(string) (string, bool)
}

func commands() []command {
	return []command{
		{"preview", "who may open which door at an instant: preview --config F [--at RFC3339] [--json]", runPreview},
		{"validate", "check a configuration file: validate --config F", runValidate},
		{"check", "check configuration, Net2 login and names, every source and the templates: check --config F [--live [--keep]]", runCheck},
		{"sync", "one cycle: fetch, plan, apply to Net2: sync --config F [--dry-run] [--accept-shrink]", runSync},
		{"run", "run in the foreground until stopped: run --config F", runRun},
		{"logs", "show the log files readably, newest last: logs --config F [--lines 500] [--filter TERM]... [--level warn] [--follow]", runLogs},
		{"why", "why a person could or could not open a door at an instant, from the logs: why --config F --email E --door D --at T", runWhy},
		{"service", "install or control the system service that runs `run`: service install|uninstall|start|stop|restart|status --config F", runServiceCmd},
		{"rooms", "list Outlook rooms and room lists, with the lines to paste: rooms --config F [--source NAME]", runRooms},
		{"net2", "list Net2 objects to fill in the configuration: net2 doors|areas|access-levels|departments|fields|operators|timezones --config F", runNet2},
		{"templates", "write the built-in email templates for editing: templates --out DIR", runTemplates},
		{"notify", "send sample emails (PIN and QR) through the configured server: notify test --config F --to ADDRESS", runNotify},
		{"demo", "see the whole product work on an emulated Net2, no setup needed: demo", runDemo},
		{"sim", "serve the Net2 emulator: sim --listen ADDR [--seed demo]", runSim},
		{"version", "print the version of this binary and the Go it was built with: version (or --version)", runVersion},
	}
}

// oneShot are the commands that read the feeds once and exit: they collect garbage on a
// batch budget (internal/gcbudget). run and service keep Go's defaults.
var oneShot = []string{"preview", "check", "sync", "validate"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if len(os.Args) > 1 && slices.Contains(oneShot, os.Args[1]) {
		gcbudget.ForBatch()
	}
	code := run(ctx, &cliEnv{stdout: os.Stdout, stderr: os.Stderr, getenv: os.LookupEnv}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit code.
func run(ctx context.Context, env *cliEnv, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		args = append([]string{"version"}, args[1:]...)
	}
	cmds := commands()
	i := slices.IndexFunc(cmds, func(c command) bool { return c.name == args[0] })
	if i < 0 {
		fmt.Fprintf(env.stderr, "net2booking: unknown command %q; run \"net2booking help\" for the list.\n", args[0])
		return 2
	}
	err := cmds[i].run(ctx, env, args[1:])
	if err == nil {
		return 0
	}
	fmt.Fprintf(env.stderr, "net2booking %s: %s\n", args[0], sentence(err))
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "net2booking turns room and desk bookings into Paxton Net2 door access.")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nExit codes: 0 success, 1 failure, 2 bad usage, configuration or input.")
}

// exitError carries the exit code a failure maps to.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// badInput marks err as bad usage, configuration or input (exit code 2).
func badInput(err error) error { return &exitError{code: 2, err: err} }

// sentence formats an error as one line ending in a full stop. Multi-problem errors (a
// configuration file with several mistakes) keep one problem per line.
func sentence(err error) string {
	s := strings.TrimSpace(err.Error())
	if s != "" && !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
