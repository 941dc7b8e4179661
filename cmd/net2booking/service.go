package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	kservice "github.com/kardianos/service"

	"github.com/net2booking/net2booking/config"
)

// Names of the installed service. Windows shows and addresses it as "Net2 Booking Server",
// next to Net2's own services; a systemd unit name has no spaces.
const (
	windowsServiceName = "Net2 Booking Server"
	systemdServiceName = "net2booking"
	serviceDisplayName = "Net2 Booking Server"
	serviceDescription = "Turns room and desk bookings into Paxton Net2 door access (net2booking)."
)

// stopWait bounds how long a stop from the service manager waits for the engine to finish
// the write in progress; Windows gives a service about 20 seconds by default.
const stopWait = 20 * time.Second

// Seams for tests: the service manager is never touched by the tests.
var (
	newSystemService    = kservice.New
	underServiceManager = func() bool { return runtime.GOOS == "windows" && !kservice.Interactive() }
	executable          = func() (string, error) {
		exe, err := os.Executable()
		if err != nil {
			return "", err
		}
		if r, err := filepath.EvalSymlinks(exe); err == nil {
			exe = r
		}
		return filepath.Abs(exe)
	}
	exitProcess = os.Exit
)

// serviceActions are the subcommands of `net2booking service`.
var serviceActions = []string{"install", "uninstall", "start", "stop", "restart", "status"}

// runServiceCmd installs, removes, starts, stops or shows the system service that runs
// `net2booking run --config F` (SPEC F21).
func runServiceCmd(ctx context.Context, env *cliEnv, args []string) error {
	usage := "say what to do: service " + strings.Join(serviceActions, "|") + " --config F"
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		return badInput(errors.New(usage))
	}
	action := args[0]
	known := false
	for _, a := range serviceActions {
		known = known || a == action
	}
	if !known {
		return badInput(fmt.Errorf("unknown action %q; %s", action, usage))
	}
	cfg, err := parseWithConfig("service "+action, env, args[1:], nil)
	if err != nil {
		return err
	}
	exe, err := executable()
	if err != nil {
		return fmt.Errorf("cannot find this program's path for the service: %w", err)
	}
	sc, err := serviceConfig(runtime.GOOS, cfg, exe)
	if err != nil {
		return badInput(err)
	}
	s, err := newSystemService(&program{parent: ctx}, sc)
	if err != nil {
		return fmt.Errorf("no service manager to install into on this system: %w", err)
	}
	name := fmt.Sprintf("%q", sc.Name)
	switch action {
	case "status":
		st, err := s.Status()
		switch {
		case errors.Is(err, kservice.ErrNotInstalled):
			fmt.Fprintf(env.stdout, "service %s: not installed (net2booking service install --config %s)\n", name, cfg.Path)
			return nil
		case err != nil:
			return fmt.Errorf("service %s: %w", name, err)
		}
		state := map[kservice.Status]string{kservice.StatusRunning: "running", kservice.StatusStopped: "stopped"}[st]
		if state == "" {
			state = "state unknown"
		}
		fmt.Fprintf(env.stdout, "service %s: %s\n", name, state)
		return nil
	case "install":
		if err := s.Install(); err != nil {
			return fmt.Errorf("installing service %s (needs an administrator / root): %w", name, err)
		}
		fmt.Fprintf(env.stdout, "Installed service %s: %s %s\n", name, exe, strings.Join(sc.Arguments, " "))
		switch {
		case runtime.GOOS != "windows":
		case cfg.Service.Start == config.ServiceStartDelayed:
			fmt.Fprintln(env.stdout, "It starts automatically (delayed) after boot and waits for Net2 to answer.")
		default:
			fmt.Fprintf(env.stdout, "It starts after the Net2 service %q (service.net2_service) and waits for Net2 to answer.\n", cfg.Service.Net2Service)
		}
		fmt.Fprintln(env.stdout, "Start it now with: net2booking service start --config "+cfg.Path)
		return nil
	default:
		if err := kservice.Control(s, action); err != nil {
			return fmt.Errorf("service %s: %w", name, err)
		}
		fmt.Fprintf(env.stdout, "service %s: %s done\n", name, action)
		return nil
	}
}

// serviceConfig is the system service that runs `exe run --config <cfg.Path>` on goos: on
// Windows "Net2 Booking Server", starting after the Net2 service or with a delayed automatic
// start (service.start), restarted by Windows when it fails; elsewhere a systemd unit
// (systemdUnit) that starts after the network.
func serviceConfig(goos string, cfg *config.Config, exe string) (*kservice.Config, error) {
	if !filepath.IsAbs(cfg.Path) {
		return nil, fmt.Errorf("the configuration path %q is not absolute", cfg.Path)
	}
	args := []string{"run", "--config", cfg.Path}
	sc := &kservice.Config{
		DisplayName: serviceDisplayName,
		Description: serviceDescription,
		Executable:  exe,
		Arguments:   args,
		Option:      kservice.KeyValue{},
	}
	if goos == "windows" {
		sc.Name = windowsServiceName
		sc.Option["StartType"] = "automatic"
		if cfg.Service.Start == config.ServiceStartDelayed {
			sc.Option["DelayedAutoStart"] = true
		} else {
			sc.Dependencies = []string{cfg.Service.Net2Service}
		}
		// A crash or a start that gave up is retried a minute later.
		sc.Option["OnFailure"] = "restart"
		sc.Option["OnFailureDelayDuration"] = "1m"
		sc.Option["OnFailureResetPeriod"] = 24 * 60 * 60
		return sc, nil
	}
	sc.Name = systemdServiceName
	sc.Dependencies = []string{"Wants=network-online.target", "After=network-online.target"}
	unit, err := systemdUnit(exe, args)
	if err != nil {
		return nil, err
	}
	// kardianos renders this as a template; it has no {{ actions, so it is written as is.
	sc.Option["SystemdScript"] = unit
	return sc, nil
}

// systemdUnit is the unit file `service install` writes on a systemd system.
func systemdUnit(exe string, args []string) (string, error) {
	words := append([]string{exe}, args...)
	for i, w := range words {
		if strings.Contains(w, "{{") || strings.ContainsAny(w, "\n\r") {
			return "", fmt.Errorf("%q cannot be written into a systemd unit (no line breaks or {{)", w)
		}
		words[i] = systemdQuote(w)
	}
	return `[Unit]
Description=` + serviceDisplayName + `: ` + serviceDescription + `
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=` + strings.Join(words, " ") + `
Restart=on-failure
RestartSec=30
KillSignal=SIGTERM
TimeoutStopSec=30

[Install]
WantedBy=multi-user.target
`, nil
}

// systemdQuote quotes one word of ExecStart: backslashes and quotes escaped, and % and $
// doubled so that systemd neither expands specifiers nor variables in it.
func systemdQuote(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `"`, `\"`, `%`, `%%`, `$`, `$$`).Replace(s)
	return `"` + s + `"`
}

// runManaged runs body (the engine of `run`) in the foreground, or, when the Windows service
// manager started the process, under it: the manager's stop cancels body's context and waits
// for it to finish.
func runManaged(ctx context.Context, cfg *config.Config, logger *slog.Logger, body func(context.Context) error) error {
	if !underServiceManager() {
		return body(ctx)
	}
	exe, err := executable()
	if err != nil {
		return err
	}
	sc, err := serviceConfig(runtime.GOOS, cfg, exe)
	if err != nil {
		return err
	}
	p := &program{parent: ctx, body: body, logger: logger}
	s, err := newSystemService(p, sc)
	if err != nil {
		return err
	}
	return s.Run()
}

// program is the engine as the service manager sees it: Start returns at once with the
// engine running; Stop ends it gracefully.
type program struct {
	parent context.Context
	body   func(context.Context) error
	logger *slog.Logger

	mu       sync.Mutex
	cancel   context.CancelFunc
	done     chan struct{}
	err      error
	stopping bool
}

// Start runs the engine in the background. When it ends by itself (a configuration that does
// not match Net2, say) the process exits with 1, so that the service manager's recovery
// restarts it.
func (p *program) Start(kservice.Service) error {
	ctx, cancel := context.WithCancel(p.parent)
	p.mu.Lock()
	p.cancel, p.done = cancel, make(chan struct{})
	done := p.done
	p.mu.Unlock()
	go func() {
		defer close(done)
		err := p.body(ctx)
		p.mu.Lock()
		p.err = err
		stopping := p.stopping
		p.mu.Unlock()
		if stopping {
			return
		}
		if err == nil {
			err = errors.New("the engine ended without being asked to")
		}
		p.logger.Error("net2booking stopped; the service manager restarts it", "error", err.Error())
		exitProcess(1)
	}()
	return nil
}

// Stop cancels the engine and waits (at most stopWait) for it to finish.
func (p *program) Stop(kservice.Service) error {
	p.mu.Lock()
	p.stopping = true
	cancel, done := p.cancel, p.done
	p.mu.Unlock()
	if cancel == nil {
		return nil
	}
	p.logger.Info("stopping: the service manager asked")
	cancel()
	select {
	case <-done:
	case <-time.After(stopWait):
		return fmt.Errorf("the engine did not stop within %s", stopWait)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}
