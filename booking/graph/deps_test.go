package graph

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Only this package (and the command) may compile the Graph SDK: the core packages and the
// other adapters must not depend on msgraph, kiota or azidentity (DESIGN.md), so that an
// integrator who reads iCal feeds never builds the SDK.
func TestNoOtherPackageImportsTheSDK(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not available to list package dependencies")
	}
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "module root not found")

	list := exec.Command(goCmd, "list", "-e", "-f", "{{.ImportPath}}",
		"./booking/...", "./accessplan/...", "./engine/...", "./net2/...", "./identifier/...", "./config/...")
	list.Dir = root
	out, err := list.Output()
	require.NoError(t, err, "go list: %s", exitText(err))
	var pkgs []string
	for _, p := range strings.Fields(string(out)) {
		if p == "github.com/net2booking/net2booking/booking/graph" || strings.HasPrefix(p, "github.com/net2booking/net2booking/booking/graph/") {
			continue
		}
		pkgs = append(pkgs, p)
	}
	require.NotEmpty(t, pkgs)

	deps := exec.Command(goCmd, append([]string{"list", "-e", "-deps", "-f", "{{.ImportPath}}"}, pkgs...)...)
	deps.Dir = root
	out, err = deps.Output()
	require.NoError(t, err, "go list -deps: %s", exitText(err))
	for _, dep := range strings.Fields(string(out)) {
		for _, heavy := range []string{"msgraph", "kiota", "azidentity", "azure-sdk-for-go"} {
			require.NotContains(t, dep, heavy, "a package other than booking/graph depends on the Graph SDK (%s)", dep)
		}
	}
}

func exitText(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	if err != nil {
		return err.Error()
	}
	return ""
}
