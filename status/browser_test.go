package status_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromium finds the Debian chromium binary. Without it the test fails in CI (CI=true, where
// .ci/run installs it) and is skipped locally, naming the binary.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("the status page browser test needs the chromium binary (apt-get install -y chromium), and CI must have it")
	}
	t.Skip("skipped: the chromium binary is not installed (apt-get install -y chromium)")
	return ""
}

// TestStatusPageInARealBrowser: the page loads in headless chromium without console errors,
// shows who has access now from a real engine cycle against the emulator, and the filter box
// filters the recent warnings.
func TestStatusPageInARealBrowser(t *testing.T) {
	exe := chromium(t)
	f := newFixture(t)
	f.cycle(t)
	f.logger.Warn("booking source failed; its last good bookings stay in force", "source", "skedda", "error", "timeout")
	f.logger.Error("Net2 write failed; retried with backoff", "email", "bo@example.com")
	srv := httptest.NewServer(f.st.Handler())
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()

	var mu sync.Mutex
	var problems []string
	msgs := chromedp.Console(ctx) // subscribed before the navigation: its messages are buffered
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || m.Type == chromedp.ConsoleWarning {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()

	visibleJS := `[...document.querySelectorAll("#recent tr.entry")].filter(r => r.style.display !== "none").length`
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("#access")))
	access, err := chromedp.Run(ctx, chromedp.Text("#access"))
	require.NoError(t, err)
	health, err := chromedp.Run(ctx, chromedp.Text("#health"))
	require.NoError(t, err)
	visible, err := chromedp.Run(ctx, chromedp.Evaluate[int](visibleJS))
	require.NoError(t, err)
	assert.Contains(t, access, "ann@example.com")
	assert.Contains(t, access, "Ann Example")
	assert.NotContains(t, access, "bo@example.com", "Bo's booking starts later")
	assert.Contains(t, health, "Healthy")
	assert.GreaterOrEqual(t, visible, 2, "the engine's warnings and the two logged here")
	all := visible

	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys("#filter", "BO@EXAMPLE")))
	visible, err = chromedp.Run(ctx, chromedp.Evaluate[int](visibleJS))
	require.NoError(t, err)
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#recent tr.entry")].filter(r => r.style.display !== "none").map(r => r.textContent).join("|")`))
	require.NoError(t, err)
	assert.Less(t, visible, all, "the filter box hides the entries that do not match")
	assert.Positive(t, visible)
	for _, row := range strings.Split(shown, "|") {
		assert.Contains(t, strings.ToLower(row), "bo@example", "only matching entries stay visible")
	}
	assert.Contains(t, shown, "Net2 write failed")

	transitions, err := chromedp.Run(ctx, chromedp.Text("#transitions"))
	require.NoError(t, err)
	assert.Contains(t, transitions, "bo@example.com")
	assert.Contains(t, transitions, "opens")

	// A round trip after everything: console messages of the page have arrived by then.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[int](`1`))
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, problems, "the page loads without console errors")
}
