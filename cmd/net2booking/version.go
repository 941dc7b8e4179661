package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// readBuildInfo is runtime/debug.ReadBuildInfo, replaceable in tests.
var readBuildInfo = debug.ReadBuildInfo

// versionString is the one line `net2booking --version` prints: the module version the
// binary was built from ("devel" for a build from a work tree), with the VCS revision when
// the build recorded one, and the Go version.
func versionString() string {
	version, revision, modified := "devel", "", false
	if bi, ok := readBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if revision != "" && version == "devel" {
		if len(revision) > 12 {
			revision = revision[:12]
		}
		if modified {
			revision += "-dirty"
		}
		version += " (" + revision + ")"
	}
	return fmt.Sprintf("net2booking %s, %s %s/%s", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func runVersion(_ context.Context, env *cliEnv, args []string) error {
	if len(args) > 0 {
		return badInput(fmt.Errorf("takes no arguments (got %q)", args[0]))
	}
	fmt.Fprintln(env.stdout, versionString())
	return nil
}
