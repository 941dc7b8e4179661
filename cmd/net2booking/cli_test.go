package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// binary is the net2booking command built once for the CLI tests, which run it as a user
// would: arguments in, exit code, stdout and stderr out.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "net2booking-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "net2booking")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		panic("building net2booking: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{code, out.String(), errOut.String()}
}

// writeConfig writes a configuration next to copies of the given testdata feeds.
func writeConfig(t *testing.T, yaml string, feeds ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range feeds {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o600))
	}
	path := filepath.Join(dir, "net2booking.yaml")
	require.NoError(t, os.WriteFile(path, []byte(yaml), 0o600))
	return path
}

func TestPreviewSeedSkeddaJSON(t *testing.T) {
	r := runCLI(t, "preview", "--config", "testdata/seed.yaml", "--at", "2021-04-14T12:00:00Z", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var got []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, []map[string]any{{
		"email":     "some.user@somedomain.com",
		"name":      "Some User",
		"doors":     []any{1484506.0, 7001001.0},
		"resources": []any{"Room #4"},
		"from":      "2021-04-14T10:25:00Z", // 10:30Z − 5 min grace
		"until":     "2021-04-14T20:10:00Z", // 20:00Z + 10 min grace
	}}, got)
}

func TestPreviewSeedBookedAndNobody(t *testing.T) {
	r := runCLI(t, "preview", "--config", "testdata/seed.yaml", "--at", "2023-07-02T13:59:59Z", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var got []struct {
		Email string `json:"email"`
		Doors []int  `json:"doors"`
		From  string `json:"from"`
		Until string `json:"until"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	require.Len(t, got, 1)
	assert.Equal(t, "some.user@somedomain.com", got[0].Email)
	assert.Equal(t, []int{1484506, 6612642}, got[0].Doors)
	assert.Equal(t, "2023-07-02T07:55:00Z", got[0].From)
	assert.Equal(t, "2023-07-02T14:10:00Z", got[0].Until)

	r = runCLI(t, "preview", "--config", "testdata/seed.yaml", "--at", "2023-07-02T14:10:00Z", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "[]\n", r.stdout, "an empty answer is an empty array, not null")
}

func TestPreviewHumanTable(t *testing.T) {
	r := runCLI(t, "preview", "--config", "testdata/seed.yaml", "--at", "2021-04-14T12:00:00Z")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Access at Wed 2021-04-14 14:00:00 CEST (Europe/Amsterdam)")
	assert.Regexp(t, `some\.user@somedomain\.com\s+Some User\s+1484506, 7001001\s+Room #4\s+2021-04-14 12:25\s+2021-04-14 22:10`, r.stdout)
}

func TestPreviewWarnsAboutUnmappedResources(t *testing.T) {
	cfg := writeConfig(t, `
site: {timezone: UTC}
sources:
  - {type: ical, dialect: skedda, url: skedda-seed.ics}
resources:
  "Room #1": [1]
`, "skedda-seed.ics")
	r := runCLI(t, "preview", "--config", cfg, "--at", "2021-04-14T12:00:00Z", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "[]\n", r.stdout)
	assert.Contains(t, r.stderr, `warning: resource "Room #4" (1 booking(s) in ical, e.g. UID 24600000_637539930000000000) maps to no door`)
}

func TestExitCodesAndErrors(t *testing.T) {
	badKey := writeConfig(t, "site: {timezone: UTC}\nsources:\n  - {type: ical, url: x.ics}\nresources:\n  A: [1]\naccess:\n  grace_befor: 5m\n")
	truncated := writeConfig(t, "sources:\n  - {type: ical, url: truncated.ics}\nresources:\n  A: [1]\n", "truncated.ics")
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) }))
	defer down.Close()
	httpFail := writeConfig(t, "sources:\n  - {type: ical, url: \""+down.URL+"/ical?i=SECRET-TOKEN\"}\nresources:\n  A: [1]\n")

	cases := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"no command", nil, 2, nil},
		{"unknown command", []string{"frobnicate"}, 2, []string{`unknown command "frobnicate"`}},
		{"missing config flag", []string{"preview"}, 2, []string{"--config is required"}},
		{"missing file", []string{"validate", "--config", "does-not-exist.yaml"}, 2, []string{"does-not-exist.yaml"}},
		{"unknown key", []string{"validate", "--config", badKey}, 2, []string{"net2booking.yaml:7: access.grace_befor: unknown key"}},
		{"bad --at", []string{"preview", "--config", "testdata/seed.yaml", "--at", "tomorrow"}, 2, []string{`--at "tomorrow" is not an RFC 3339 instant`}},
		{"stray argument", []string{"preview", "--config", "testdata/seed.yaml", "extra"}, 2, []string{`unexpected argument "extra"`}},
		{"truncated feed", []string{"preview", "--config", truncated}, 2, []string{"truncated"}},
		{"feed server error", []string{"preview", "--config", httpFail}, 1, []string{"500"}},
		{"valid", []string{"validate", "--config", "testdata/seed.yaml"}, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, c.args...)
			assert.Equal(t, c.code, r.code, "stderr: %s", r.stderr)
			for _, s := range c.stderr {
				assert.Contains(t, r.stderr, s)
			}
			assert.NotContains(t, r.stderr+r.stdout, "SECRET-TOKEN", "feed URL secrets never appear")
			if c.code != 0 && len(c.stderr) > 0 {
				assert.True(t, strings.HasPrefix(r.stderr, "net2booking"), "errors start with the program name: %q", r.stderr)
			}
		})
	}
}
