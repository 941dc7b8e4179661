package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVersionFlagAndCommand(t *testing.T) {
	for _, arg := range []string{"--version", "version"} {
		r := runCLI(t, arg)
		require.Equal(t, 0, r.code, r.stderr)
		// A build from a work tree says devel; from a clean checkout Go stamps a
		// pseudo-version (v0.0.0-<time>-<revision>).
		assert.True(t, strings.HasPrefix(r.stdout, "net2booking devel") || strings.HasPrefix(r.stdout, "net2booking v"), r.stdout)
		assert.Contains(t, r.stdout, runtime.Version())
		assert.Equal(t, 1, strings.Count(r.stdout, "\n"))
	}
	r := runCLI(t, "version", "extra")
	assert.Equal(t, 2, r.code)
}

func TestVersionStringFromBuildInfo(t *testing.T) {
	orig := readBuildInfo
	t.Cleanup(func() { readBuildInfo = orig })

	readBuildInfo = func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "v1.4.2"}}, true
	}
	assert.Equal(t, "net2booking v1.4.2, "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH, versionString())

	readBuildInfo = func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}, true
	}
	assert.True(t, strings.HasPrefix(versionString(), "net2booking devel (0123456789ab-dirty), "), versionString())

	readBuildInfo = func() (*debug.BuildInfo, bool) { return nil, false }
	assert.True(t, strings.HasPrefix(versionString(), "net2booking devel, go"), versionString())
}
