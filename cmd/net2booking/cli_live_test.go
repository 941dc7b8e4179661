package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

// probes returns the probe users the live self-test left in the emulator.
func probes(sim *net2sim.Sim) []net2sim.User {
	var out []net2sim.User
	for _, u := range sim.State().Users {
		if strings.HasPrefix(u.CustomFields[13], net2.ProbeMemo) {
			out = append(out, u)
		}
	}
	return out
}

// TestCheckLiveReportsEveryKnob runs `check --live` against the emulator in each setting of
// the knobs for what is unknown about real servers: the report must say what the emulated
// server does, imply the right configuration, and leave no probe user behind.
func TestCheckLiveReportsEveryKnob(t *testing.T) {
	cases := []struct {
		name  string
		opts  net2sim.Options
		extra string // appended to the configuration
		net2  string // net2.permission_ids in the configuration
		want  []string
		code  int
	}{
		{name: "defaults (areas, truncated expiry)", want: []string{
			"[ok]   individual permissions take reader-area ids",
			"[ok]   individual permissions take door ids, ACU serials (net2.permission_ids: door)\n       this server: door 1484506: refused (400",
			"truncated to the start of the day",
			"Configuration this server implies:\n  net2.permission_ids: area",
			"Net2 refuses a token value another user holds\n       this server: refused with 400: \"Card ",
			"names are stored as written\n       this server: stored as written",
			"listed 5 users, the new probe among them",
			"PIN another user holds\n       this server: accepted: two users may hold one PIN",
			"\"None\" is not listed",
			"The probe user",
		}},
		{name: "door ids", opts: net2sim.Options{PermissionIDs: "door"}, net2: "door", want: []string{
			"areas [2 1] of door 1484506 \"Front door\": refused (400",
			"door 1484506 accepted",
			"Configuration this server implies:\n  net2.permission_ids: door",
		}},
		{name: "door ids but configured as areas", opts: net2sim.Options{PermissionIDs: "door"}, code: 1, want: []string{
			"[FAIL] individual permissions take reader-area ids",
			"so: the configuration says net2.permission_ids: area; set net2.permission_ids: door",
		}},
		{name: "expiry time kept", opts: net2sim.Options{KeepExpiryTime: true}, want: []string{": time of day kept"}},
		{name: "names normalised", opts: net2sim.Options{NormaliseNames: true}, want: []string{`stored "net2booking" / "probe user"`}},
		{name: "unique PINs", opts: net2sim.Options{UniquePINs: true, DuplicatePINMessage: "Duplicate PIN"}, want: []string{`refused with 400: "Duplicate PIN"`}},
		{name: "duplicate tokens allowed", opts: net2sim.Options{AllowDuplicateTokens: true}, want: []string{"accepted: two users may hold one card value"}},
		{name: "other duplicate wording", opts: net2sim.Options{DuplicateTokenMessage: "Token number in use"}, want: []string{`refused with 400: "Token number in use"`}},
		{name: "level 0 read back empty", opts: net2sim.Options{NoAccessAsEmpty: true}, want: []string{`read back accessLevels [] individualPermissions []`}},
		{name: "reordered read-back", opts: net2sim.Options{ReorderPermissions: true}, want: []string{"individual permissions read back as [1 2] (net2booking compares sets, in any order)"}},
		{name: "None department listed", opts: net2sim.Options{ListNoneDepartment: true}, want: []string{"\"None\" is listed"}},
		{name: "paged user list", opts: net2sim.Options{UsersPageSize: 3}, code: 1, want: []string{"without the new probe: the list is cut or paged"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			extra := tc.extra
			sim, cfg := simSiteWith(t, tc.opts, extra)
			if tc.net2 != "" {
				cfg = withPermissionIDs(t, cfg, tc.net2)
			}
			r := runCLI(t, "check", "--config", cfg, "--live")
			require.Equal(t, tc.code, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			for _, w := range tc.want {
				assert.Contains(t, r.stdout, w)
			}
			assert.Contains(t, r.stdout, "was deleted.")
			assert.Empty(t, probes(sim), "the probe user is gone")
			for _, u := range sim.State().Users {
				assert.NotEqual(t, net2.Marker, u.CustomFields[10], "no marked user is left")
			}
		})
	}
}

// TestCheckLiveCleansUpWhenAWriteFailsHalfWay: Net2 fails (after storing it) the permission
// write of the probe; the probe is still deleted and the failure is reported.
func TestCheckLiveCleansUpWhenAWriteFailsHalfWay(t *testing.T) {
	for _, route := range []string{"PUT /users/{id}/doorpermissionset", "PUT /users/{id}/departments", "PUT /users/{id}"} {
		t.Run(route, func(t *testing.T) {
			sim, cfg := simSite(t, "")
			sim.FailAfter(route, 500, 100)
			r := runCLI(t, "check", "--config", cfg, "--live")
			assert.Equal(t, 1, r.code, r.stdout)
			assert.Contains(t, r.stdout, "[FAIL]")
			assert.Contains(t, r.stdout, "was deleted.")
			assert.Empty(t, probes(sim))
		})
	}
}

func TestCheckLiveKeepLeavesTheProbe(t *testing.T) {
	sim, cfg := simSite(t, "")
	r := runCLI(t, "check", "--config", cfg, "--live", "--keep")
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	require.Len(t, probes(sim), 1)
	p := probes(sim)[0]
	assert.Contains(t, r.stdout, "is kept for inspection (--keep)")
	// The probe can never open a door: it is not active yet.
	for _, d := range []int{net2sim.DemoFrontDoor, net2sim.DemoStudio1} {
		ok, why := sim.Permitted(p.ID, d, timeNow())
		assert.False(t, ok, why)
	}
	// A later run removes the leftover probe before making its own.
	r = runCLI(t, "check", "--config", cfg, "--live")
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "removed the probe user")
	assert.Empty(t, probes(sim))
}

func TestCheckLiveSaysMFA(t *testing.T) {
	sim, cfg := simSite(t, "")
	sim.RequireMFA(net2sim.DemoOperator)
	r := runCLI(t, "check", "--config", cfg, "--live")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "multi-factor authentication (MFA) enabled")
	assert.Contains(t, r.stdout, "use an operator without MFA")
	assert.NotContains(t, r.stdout, "no access token")
}

func TestKeepNeedsLive(t *testing.T) {
	_, cfg := simSite(t, "")
	r := runCLI(t, "check", "--config", cfg, "--keep")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--keep only goes with --live")
}

// withPermissionIDs rewrites a configuration written by simSite with net2.permission_ids.
func withPermissionIDs(t *testing.T, path, ids string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	text := strings.Replace(string(b), "\nsite:", "\n  permission_ids: "+ids+"\nsite:", 1)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func timeNow() time.Time { return time.Now() }

// TestADoorWithoutReaderAreaIsAConfigError: in area mode a configured door that matches no
// reader area stops sync and check with a message naming the door.
func TestADoorWithoutReaderAreaIsAConfigError(t *testing.T) {
	sim, cfg := simSite(t, "")
	for _, a := range sim.Areas() {
		if a.Door == net2sim.DemoStudio1 {
			sim.SetAreaName(a.AreaID, "Reader 17")
		}
	}
	for _, args := range [][]string{{"check"}, {"sync", "--dry-run"}} {
		r := runCLI(t, append(args, "--config", cfg)...)
		assert.Equal(t, 1, r.code, r.stdout+r.stderr)
		assert.Contains(t, r.stdout+r.stderr, `resources."Studio 1" (line 11): door 6612642 "Studio 1" matches no reader area`)
	}
	assert.Equal(t, 0, sim.Writes())
}

// TestALoginFailureIsReportedOnce: a wrong password is one problem, not one per name the
// configuration asks Net2 for.
func TestALoginFailureIsReportedOnce(t *testing.T) {
	_, cfg := simSite(t, "")
	b, err := os.ReadFile(cfg)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(string(b), "password: "+net2sim.DemoPassword, "password: wrong-password", 1)), 0o600))
	r := runCLI(t, "check", "--config", cfg)
	assert.Equal(t, 1, r.code)
	assert.Equal(t, 1, strings.Count(r.stdout, "[FAIL] Net2"), r.stdout)
	assert.NotContains(t, r.stdout+r.stderr, "wrong-password")
	r = runCLI(t, "sync", "--config", cfg, "--dry-run")
	assert.Equal(t, 1, r.code)
	assert.Equal(t, 1, strings.Count(r.stderr, "log in"), r.stderr)
}
