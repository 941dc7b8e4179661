package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2/net2sim"
)

// TestLogFilesLogsAndWhyFromALifecycle: a real sync against the emulator writes JSON log
// lines to logging.dir with the feed's secret masked; `logs` shows them filtered, `why`
// answers who could open which door from them, and says when the logs do not cover T.
func TestLogFilesLogsAndWhyFromALifecycle(t *testing.T) {
	_, cfg := simSite(t, "logging: {level: info}\n")
	logDir := filepath.Join(filepath.Dir(cfg), "logs")

	// logs --follow is running while the sync happens, and sees its lines.
	follower := exec.Command(binary, "logs", "--config", cfg, "--lines", "0", "--follow", "--filter", "applied", "--filter", "ANN@EXAMPLE.COM")
	out, err := follower.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, follower.Start())
	defer follower.Process.Kill()
	followed := follow(t, out)

	r := runCLI(t, "sync", "--config", cfg)
	require.Equal(t, 0, r.code, r.stderr)

	line := followed.waitLine(t, "set-permissions")
	assert.Contains(t, line, "ann@example.com")
	require.NoError(t, follower.Process.Signal(syscall.SIGINT))
	require.NoError(t, follower.Wait(), "logs --follow ends cleanly on SIGINT")

	data, err := os.ReadFile(filepath.Join(logDir, "net2booking.log"))
	require.NoError(t, err)
	assert.Contains(t, string(data), `"msg":"applied"`)
	assert.NotContains(t, string(data), "FEEDSECRET", "secrets are masked in the log files as on stderr")
	assert.NotContains(t, string(data), net2sim.DemoPassword)

	r = runCLI(t, "logs", "--config", cfg, "--filter", "applied", "--filter", "bo@")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "INFO  applied action=create-user email=bo@example.com")
	assert.NotContains(t, r.stdout, "ann@example.com")
	r = runCLI(t, "logs", "--config", cfg, "--lines", "1", "--filter", "applied")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(r.stdout), "\n")+1, r.stdout)
	r = runCLI(t, "logs", "--config", cfg, "--level", "error")
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stdout, "applied")

	now := time.Now().UTC().Add(time.Second).Format(time.RFC3339)
	r = runCLI(t, "why", "--config", cfg, "--email", "ann@example.com", "--door", itoa(net2sim.DemoStudio1), "--at", now)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "COULD open door "+itoa(net2sim.DemoStudio1))
	assert.Contains(t, r.stdout, "a1 (Studio 1)")
	assert.Contains(t, r.stdout, "memo records 1 booking(s)", "and from the Net2 memo")
	assert.Regexp(t, `\* skedda/a1 Studio 1: `, r.stdout, "the memo's booking that gives the door now is marked")

	r = runCLI(t, "why", "--config", cfg, "--email", "bo@example.com", "--door", itoa(net2sim.DemoMeetingRoomA), "--at", now)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "could NOT open door")
	assert.Contains(t, r.stdout, "fallback access level")

	before := time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339)
	r = runCLI(t, "why", "--config", cfg, "--email", "ann@example.com", "--door", itoa(net2sim.DemoStudio1), "--at", before)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "The logs do not cover")
	assert.Regexp(t, `\n   skedda/a1 Studio 1: `, r.stdout, "the memo still says which bookings exist; none gives the door then")
}

func itoa(n int) string { return strconv.Itoa(n) }
