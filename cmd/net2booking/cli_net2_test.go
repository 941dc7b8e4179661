package main

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

// simSite starts the Net2 emulator with the demo site and a feed server with one booking in
// progress and one tomorrow, and writes a configuration for both.
func simSite(t *testing.T, extra string) (*net2sim.Sim, string) {
	t.Helper()
	return simSiteWith(t, net2sim.Options{}, extra)
}

// simSiteWith is simSite with the emulator's knobs set as opts says.
func simSiteWith(t *testing.T, opts net2sim.Options, extra string) (*net2sim.Sim, string) {
	t.Helper()
	sim := net2sim.NewDemo(opts)
	net2srv := httptest.NewServer(sim)
	t.Cleanup(net2srv.Close)
	now := time.Now().UTC().Truncate(time.Minute)
	feed := fmt.Sprintf("BEGIN:VCALENDAR\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\nVERSION:2.0\r\n"+
		"BEGIN:VEVENT\r\nATTENDEE;CN=Ann Example:mailto:ann@example.com\r\nDTSTART:%s\r\nDTEND:%s\r\nRESOURCES:Studio 1\r\nUID:a1\r\nEND:VEVENT\r\n"+
		"BEGIN:VEVENT\r\nATTENDEE;CN=Bo Example:mailto:bo@example.com\r\nDTSTART:%s\r\nDTEND:%s\r\nRESOURCES:Meeting room A\r\nUID:b1\r\nEND:VEVENT\r\n"+
		"END:VCALENDAR\r\n",
		now.Add(-time.Hour).Format("20060102T150405Z"), now.Add(time.Hour).Format("20060102T150405Z"),
		now.Add(24*time.Hour).Format("20060102T150405Z"), now.Add(25*time.Hour).Format("20060102T150405Z"))
	feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, feed) }))
	t.Cleanup(feedSrv.Close)
	cfg := writeConfig(t, fmt.Sprintf(`
net2:
  url: %s/api/v1
  operator: %s
  password: %s
  client_id: %s
site: {timezone: Europe/Amsterdam}
sources:
  - {type: ical, name: skedda, dialect: skedda, url: "%s/ical?i=FEEDSECRET"}
resources:
  "Studio 1": [%d, %d]
  "Meeting room A": [%d, %d]
access:
  identifier: pin
  department: Booking
  marker_field: Position
%s`, net2srv.URL, net2sim.DemoOperator, net2sim.DemoPassword, net2sim.DemoClientID, feedSrv.URL,
		net2sim.DemoFrontDoor, net2sim.DemoStudio1, net2sim.DemoFrontDoor, net2sim.DemoMeetingRoomA, extra))
	return sim, cfg
}

func managedUsers(sim *net2sim.Sim) []net2sim.User {
	var out []net2sim.User
	for _, u := range sim.State().Users {
		if u.CustomFields[10] == net2.Marker {
			out = append(out, u)
		}
	}
	return out
}

func TestSyncDryRunThenSync(t *testing.T) {
	sim, cfg := simSite(t, "")
	r := runCLI(t, "sync", "--config", cfg, "--dry-run")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Dry run: nothing was changed. 8 action(s) would be applied:")
	assert.Regexp(t, `would create-user ann@example.com: booking skedda/a1 \(Studio 1\)`, r.stdout)
	assert.Regexp(t, `would set-permissions ann@example.com: window open: doors 1484506, 6612642`, r.stdout)
	assert.Regexp(t, `would set-permissions bo@example.com: no window open: fallback access level 0`, r.stdout)
	assert.Equal(t, 0, sim.Writes(), "a dry run changes nothing")
	assert.Empty(t, managedUsers(sim))

	r = runCLI(t, "sync", "--config", cfg)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "8 action(s) applied, 0 failed.")
	require.Len(t, managedUsers(sim), 2)

	sim.ResetLog()
	r = runCLI(t, "sync", "--config", cfg)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "0 action(s) applied, 0 failed.")
	assert.Equal(t, 0, sim.Writes())
	assert.NotContains(t, r.stdout+r.stderr, "FEEDSECRET")
	assert.NotContains(t, r.stdout+r.stderr, net2sim.DemoPassword)
}

func TestCheckChecklist(t *testing.T) {
	_, cfg := simSite(t, "")
	r := runCLI(t, "check", "--config", cfg)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "[ok]   Net2: logged in at")
	assert.Contains(t, r.stdout, "[ok]   Net2: department 1, fallback access level 0, always timezone 1, marker field 10; all 3 configured door(s) exist")
	assert.Contains(t, r.stdout, "[ok]   source skedda: 2 booking(s)")
	assert.Contains(t, r.stdout, "All checks passed.")

	_, bad := simSite(t, "  fallback_access_level: Nobody\n  always_timezone: Never ever\n")
	r = runCLI(t, "check", "--config", bad)
	assert.Equal(t, 1, r.code)
	assert.Regexp(t, `\[FAIL\] Net2: access.fallback_access_level: .*Nobody`, r.stdout)
	assert.Regexp(t, `\[FAIL\] Net2: access.always_timezone: .*Never ever`, r.stdout)
	assert.Contains(t, r.stderr, "2 check(s) failed")
}

func TestNet2Listings(t *testing.T) {
	_, cfg := simSite(t, "")
	r := runCLI(t, "net2", "doors", "--config", cfg)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `1484506\s+Front door`, r.stdout)
	r = runCLI(t, "net2", "fields", "--config", cfg)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `13\s+Notes\s+unlimited`, r.stdout)
	for _, what := range []string{"access-levels", "departments", "operators", "timezones"} {
		r = runCLI(t, "net2", what, "--config", cfg)
		assert.Equal(t, 0, r.code, "%s: %s", what, r.stderr)
	}
	r = runCLI(t, "net2", "cards", "--config", cfg)
	assert.Equal(t, 2, r.code)
	r = runCLI(t, "net2", "doors", "--config", "testdata/seed.yaml")
	assert.Equal(t, 2, r.code, "a configuration without net2 section is refused: %s", r.stderr)
	assert.Contains(t, r.stderr, "has no net2 section")
}

func TestDemo(t *testing.T) {
	r := runCLI(t, "demo")
	require.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{"One sync fetched", "create-user alex@example.com", "Personal codes now in Net2", "Alex Example",
		"1 person(s) have access.", "Next transitions", "opens for sam@example.org", `resource "Roof terrace" maps to no door`} {
		assert.Contains(t, r.stdout, want)
	}
	assert.NotContains(t, r.stdout, "casey@example.net", "a cancelled booking gives nobody anything")
	assert.Regexp(t, regexp.MustCompile(`Alex Example\s+\d{6}\s`), r.stdout, "a six-digit PIN was issued")
}

func TestSimServesAndStopsOnSignal(t *testing.T) {
	cmd := exec.Command(binary, "sim", "--listen", "127.0.0.1:0", "--seed", "demo")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(out)
	var base string
	for sc.Scan() {
		if _, url, ok := strings.Cut(sc.Text(), "base URL:"); ok {
			base = strings.TrimSpace(url)
			break
		}
	}
	require.NotEmpty(t, base)
	resp, err := http.Get(base + "/operators")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	assert.NoError(t, cmd.Wait(), "a signal stops the emulator gracefully (exit 0)")
}

func TestRoomsNeedsAnOutlookSource(t *testing.T) {
	r := runCLI(t, "rooms", "--config", "testdata/seed.yaml")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "has no outlook source")
}
