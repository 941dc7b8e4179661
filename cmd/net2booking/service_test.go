package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	kservice "github.com/kardianos/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/config"
)

const serviceBaseConfig = "sources: [{type: ical, url: feed.ics}]\nresources: {Room: [1]}\n"

// serviceTestConfig loads a configuration file written in a fresh folder.
func serviceTestConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "net2booking.yaml")
	require.NoError(t, os.WriteFile(path, []byte(yaml), 0o600))
	cfg, err := config.Load(path)
	require.NoError(t, err)
	return cfg
}

func TestWindowsServiceDependsOnNet2ByDefault(t *testing.T) {
	cfg := serviceTestConfig(t, serviceBaseConfig)
	sc, err := serviceConfig("windows", cfg, `C:\Program Files\net2booking\net2booking.exe`)
	require.NoError(t, err)
	assert.Equal(t, "Net2 Booking Server", sc.Name)
	assert.Equal(t, "Net2 Booking Server", sc.DisplayName)
	assert.NotEmpty(t, sc.Description)
	assert.Equal(t, `C:\Program Files\net2booking\net2booking.exe`, sc.Executable)
	assert.Equal(t, []string{"run", "--config", cfg.Path}, sc.Arguments)
	assert.True(t, filepath.IsAbs(sc.Arguments[2]))
	assert.Equal(t, []string{"Net2 Service"}, sc.Dependencies)
	assert.NotContains(t, sc.Option, "DelayedAutoStart")
	assert.Equal(t, "automatic", sc.Option["StartType"])
	assert.Equal(t, "restart", sc.Option["OnFailure"])
	assert.NotContains(t, sc.Option, "SystemdScript")
}

func TestWindowsServiceNamedNet2ServiceOrDelayedStart(t *testing.T) {
	cfg := serviceTestConfig(t, serviceBaseConfig+"service:\n  net2_service: Paxton Net2 Server\n")
	sc, err := serviceConfig("windows", cfg, `C:\nb.exe`)
	require.NoError(t, err)
	assert.Equal(t, []string{"Paxton Net2 Server"}, sc.Dependencies)

	cfg = serviceTestConfig(t, serviceBaseConfig+"service:\n  start: delayed\n")
	sc, err = serviceConfig("windows", cfg, `C:\nb.exe`)
	require.NoError(t, err)
	assert.Empty(t, sc.Dependencies, "a delayed start has no dependency on Net2")
	assert.Equal(t, true, sc.Option["DelayedAutoStart"])
	assert.Equal(t, []string{"run", "--config", cfg.Path}, sc.Arguments)
}

func TestSystemdUnit(t *testing.T) {
	cfg := serviceTestConfig(t, serviceBaseConfig+"service:\n  start: delayed\n")
	sc, err := serviceConfig("linux", cfg, "/usr/local/bin/net2booking")
	require.NoError(t, err)
	assert.Equal(t, "net2booking", sc.Name)
	assert.Equal(t, "Net2 Booking Server", sc.DisplayName)
	assert.Equal(t, []string{"run", "--config", cfg.Path}, sc.Arguments)
	assert.Equal(t, "/usr/local/bin/net2booking", sc.Executable)
	want := `[Unit]
Description=Net2 Booking Server: Turns room and desk bookings into Paxton Net2 door access (net2booking).
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart="/usr/local/bin/net2booking" "run" "--config" "` + cfg.Path + `"
Restart=on-failure
RestartSec=30
KillSignal=SIGTERM
TimeoutStopSec=30

[Install]
WantedBy=multi-user.target
`
	assert.Equal(t, want, sc.Option["SystemdScript"])

	// Spaces, quotes, specifiers and variables stay literal.
	unit, err := systemdUnit(`/opt/my apps/net2booking`, []string{"run", "--config", `/etc/nb/50%$HOME"x\y.yaml`})
	require.NoError(t, err)
	assert.Contains(t, unit, "\nExecStart=\"/opt/my apps/net2booking\" \"run\" \"--config\" \"/etc/nb/50%%$$HOME\\\"x\\\\y.yaml\"\n")

	_, err = systemdUnit("/usr/bin/nb", []string{"run", "--config", "/etc/{{Name}}.yaml"})
	assert.Error(t, err)
	_, err = systemdUnit("/usr/bin/nb", []string{"run", "--config", "/etc/a\nExecStartPre=/bin/evil"})
	assert.Error(t, err)
}

// fakeService is a service manager entry that records what was asked of it.
type fakeService struct {
	i      kservice.Interface
	calls  []string
	status kservice.Status
	err    error
	run    func(s *fakeService) error
}

func (f *fakeService) Run() error {
	f.calls = append(f.calls, "run")
	return f.run(f)
}
func (f *fakeService) Start() error     { f.calls = append(f.calls, "start"); return f.err }
func (f *fakeService) Stop() error      { f.calls = append(f.calls, "stop"); return f.err }
func (f *fakeService) Restart() error   { f.calls = append(f.calls, "restart"); return f.err }
func (f *fakeService) Install() error   { f.calls = append(f.calls, "install"); return f.err }
func (f *fakeService) Uninstall() error { f.calls = append(f.calls, "uninstall"); return f.err }
func (f *fakeService) Logger(chan<- error) (kservice.Logger, error) {
	return nil, errors.New("no logger")
}
func (f *fakeService) SystemLogger(chan<- error) (kservice.Logger, error) {
	return nil, errors.New("no logger")
}
func (f *fakeService) String() string   { return "fake" }
func (f *fakeService) Platform() string { return "fake" }
func (f *fakeService) Status() (kservice.Status, error) {
	f.calls = append(f.calls, "status")
	return f.status, f.err
}

// withFakeService replaces the service manager for one test and returns what it recorded.
func withFakeService(t *testing.T, f *fakeService) *[]*kservice.Config {
	t.Helper()
	orig := newSystemService
	t.Cleanup(func() { newSystemService = orig })
	var configs []*kservice.Config
	newSystemService = func(i kservice.Interface, c *kservice.Config) (kservice.Service, error) {
		f.i = i
		configs = append(configs, c)
		return f, nil
	}
	return &configs
}

func runInProcess(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), &cliEnv{stdout: &out, stderr: &errOut, getenv: func(string) (string, bool) { return "", false }}, args)
	return code, out.String(), errOut.String()
}

func TestServiceCommands(t *testing.T) {
	f := &fakeService{status: kservice.StatusRunning}
	configs := withFakeService(t, f)
	cfg := serviceTestConfig(t, serviceBaseConfig)
	// A relative --config is installed as an absolute path.
	wd, err := os.Getwd()
	require.NoError(t, err)
	t.Chdir(filepath.Dir(cfg.Path))
	rel := filepath.Base(cfg.Path)

	code, out, stderr := runInProcess("service", "install", "--config", rel)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, []string{"install"}, f.calls)
	require.Len(t, *configs, 1)
	assert.Equal(t, []string{"run", "--config", cfg.Path}, (*configs)[0].Arguments)
	assert.Contains(t, out, "Installed service")
	assert.Contains(t, out, cfg.Path)

	for _, action := range []string{"start", "stop", "restart", "uninstall", "status"} {
		f.calls = nil
		code, out, stderr = runInProcess("service", action, "--config", rel)
		require.Equal(t, 0, code, stderr)
		assert.Equal(t, []string{action}, f.calls)
	}
	assert.Contains(t, out, ": running")

	f.err = kservice.ErrNotInstalled
	code, out, _ = runInProcess("service", "status", "--config", rel)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "not installed")

	f.err = errors.New("access denied")
	code, _, stderr = runInProcess("service", "install", "--config", rel)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "access denied")

	f.calls = nil
	t.Chdir(wd)
	for _, args := range [][]string{{"service"}, {"service", "reinstall", "--config", cfg.Path}, {"service", "install"}, {"service", "--config", cfg.Path}} {
		code, _, _ = runInProcess(args...)
		assert.Equal(t, 2, code, args)
	}
	assert.Empty(t, f.calls, "bad usage touches no service")
}

func TestProgramStopsTheEngineGracefully(t *testing.T) {
	stopped := make(chan struct{})
	p := &program{parent: context.Background(), logger: serviceTestLogger(), body: func(ctx context.Context) error {
		<-ctx.Done()
		close(stopped)
		return nil
	}}
	origExit := exitProcess
	t.Cleanup(func() { exitProcess = origExit })
	exitProcess = func(code int) { t.Errorf("exit(%d) on a requested stop", code) }

	require.NoError(t, p.Start(nil))
	require.NoError(t, p.Stop(nil))
	select {
	case <-stopped:
	default:
		t.Fatal("Stop returned before the engine finished")
	}
}

func TestProgramExitsWhenTheEngineGivesUp(t *testing.T) {
	exited := make(chan int, 1)
	origExit := exitProcess
	t.Cleanup(func() { exitProcess = origExit })
	exitProcess = func(code int) { exited <- code }
	p := &program{parent: context.Background(), logger: serviceTestLogger(), body: func(context.Context) error {
		return errors.New("the configuration does not match Net2")
	}}
	require.NoError(t, p.Start(nil))
	assert.Equal(t, 1, <-exited)
}

func TestRunUnderTheServiceManager(t *testing.T) {
	origUnder := underServiceManager
	t.Cleanup(func() { underServiceManager = origUnder })
	cfg := serviceTestConfig(t, serviceBaseConfig)

	// In the foreground the engine runs directly.
	underServiceManager = func() bool { return false }
	ran := false
	require.NoError(t, runManaged(context.Background(), cfg, serviceTestLogger(), func(context.Context) error { ran = true; return nil }))
	assert.True(t, ran)

	// Under the manager it runs between the manager's start and stop.
	underServiceManager = func() bool { return true }
	f := &fakeService{run: func(f *fakeService) error {
		if err := f.i.Start(f); err != nil {
			return err
		}
		return f.i.Stop(f)
	}}
	configs := withFakeService(t, f)
	var sawStop bool
	err := runManaged(context.Background(), cfg, serviceTestLogger(), func(ctx context.Context) error {
		<-ctx.Done()
		sawStop = true
		return nil
	})
	require.NoError(t, err)
	assert.True(t, sawStop)
	assert.Equal(t, []string{"run"}, f.calls)
	require.Len(t, *configs, 1)
	if runtime.GOOS == "windows" {
		assert.Equal(t, "Net2 Booking Server", (*configs)[0].Name)
	}
}

func serviceTestLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
