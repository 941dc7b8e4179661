package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2/net2sim"
)

// lines collects a process's log lines and lets a test wait for one.
type lines struct {
	ch  chan string
	all []string
}

func follow(t *testing.T, r io.Reader) *lines {
	l := &lines{ch: make(chan string, 1000)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l.ch <- sc.Text()
		}
		close(l.ch)
	}()
	return l
}

// waitLine waits (bounded) for a line containing want.
func (l *lines) waitLine(t *testing.T, want string) string {
	t.Helper()
	bound := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-l.ch:
			if !ok {
				t.Fatalf("the process ended without logging %q; it logged:\n%s", want, strings.Join(l.all, "\n"))
			}
			l.all = append(l.all, line)
			if strings.Contains(line, want) {
				return line
			}
		case <-bound:
			t.Fatalf("no line with %q; so far:\n%s", want, strings.Join(l.all, "\n"))
		}
	}
}

// TestRunWaitsForNet2AtStart: `run` started before Net2 (the PC booted first) says it is
// waiting, and converges once Net2 answers, without a restart; SIGTERM then stops it cleanly.
func TestRunWaitsForNet2AtStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there yet

	now := time.Now().UTC().Truncate(time.Minute)
	feed := fmt.Sprintf("BEGIN:VCALENDAR\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\nVERSION:2.0\r\n"+
		"BEGIN:VEVENT\r\nATTENDEE;CN=Ann Example:mailto:ann@example.com\r\nDTSTART:%s\r\nDTEND:%s\r\nRESOURCES:Studio 1\r\nUID:a1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		now.Add(-time.Hour).Format("20060102T150405Z"), now.Add(time.Hour).Format("20060102T150405Z"))
	feedLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	feedSrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, feed) })}
	go feedSrv.Serve(feedLn)
	t.Cleanup(func() { feedSrv.Close() })
	cfg := writeConfig(t, fmt.Sprintf(`
net2:
  url: http://%s/api/v1
  operator: %s
  password: %s
  client_id: %s
site: {timezone: Europe/Amsterdam}
sources:
  - {type: ical, name: skedda, dialect: skedda, url: "http://%s/ical"}
resources:
  "Studio 1": [Front door, Studio 1]
access: {identifier: pin}
logging: {level: info}
`, addr, net2sim.DemoOperator, net2sim.DemoPassword, net2sim.DemoClientID, feedLn.Addr()))

	cmd := exec.Command(binary, "run", "--config", cfg)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	log := follow(t, stderr)
	log.waitLine(t, "Net2 is not reachable yet; waiting for it")

	sim := net2sim.NewDemo(net2sim.Options{})
	simLn, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	simSrv := &http.Server{Handler: sim}
	go simSrv.Serve(simLn)
	t.Cleanup(func() { simSrv.Close() })

	log.waitLine(t, "action=set-permissions email=ann@example.com")
	require.Len(t, managedUsers(sim), 1)
	ok, why := sim.Permitted(managedUsers(sim)[0].ID, net2sim.DemoStudio1, time.Now())
	assert.True(t, ok, why)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	log.waitLine(t, "stopping")
	require.NoError(t, cmd.Wait(), "a SIGTERM is a normal stop (exit 0)")
	for _, line := range log.all {
		assert.NotContains(t, line, "level=ERROR", "no ERROR on a normal start and stop")
	}
}

// TestTwoRunsAndASyncShareOneSite: two `run` processes as on two machines (separate cache and
// lock files) and an operator's `sync` against one emulator: only the lease holder writes,
// the other waits saying who holds the lease, the sync is handed to the running service, and
// `check` shows the lease. No duplicate user or code, ever.
func TestTwoRunsAndASyncShareOneSite(t *testing.T) {
	sim, cfgA := simSite(t, "logging: {level: info}\n")
	text, err := os.ReadFile(cfgA)
	require.NoError(t, err)
	cfgB := writeConfig(t, string(text)) // another folder: another cache file and lock, as on another machine

	start := func(cfg string) (*exec.Cmd, *lines) {
		cmd := exec.Command(binary, "run", "--config", cfg)
		stderr, err := cmd.StderrPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd, follow(t, stderr)
	}
	a, logA := start(cfgA)
	logA.waitLine(t, "action=set-permissions email=bo@example.com")
	_, logB := start(cfgB)
	logB.waitLine(t, "standby: another net2booking holds the lease")

	r := runCLI(t, "check", "--config", cfgA)
	assert.Contains(t, r.stdout, "Net2: lease held by ")
	assert.Contains(t, r.stdout, "only it writes to this site")

	// A sync on the first machine (its lock is held by the run) is handed over.
	r = runCLI(t, "sync", "--config", cfgA)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "net2booking is running:")
	assert.Contains(t, r.stdout, `Handed "sync" to it instead of competing with it`)
	logA.waitLine(t, "an operator's one-off was handed to this service")

	// The first run stops cleanly: it releases the lease and the second takes over.
	require.NoError(t, a.Process.Signal(syscall.SIGTERM))
	require.NoError(t, a.Wait())
	logB.waitLine(t, "holding the lease of this Net2 site: this process writes")

	emails, pins := map[string]int{}, map[string]int{}
	for _, u := range managedUsers(sim) {
		emails[u.CustomFields[13]]++
		pins[u.PIN]++
	}
	assert.Len(t, managedUsers(sim), 2)
	for _, n := range pins {
		assert.Equal(t, 1, n)
	}
}
