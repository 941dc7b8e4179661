package logfile_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/natefinch/lumberjack.v2"

	"github.com/net2booking/net2booking/logfile"
)

func TestRotationKeepsABoundedNumberOfFilesInOrder(t *testing.T) {
	dir := t.TempDir()
	w, err := logfile.Open(dir, logfile.Options{MaxSizeMB: 1, MaxBackups: 2})
	require.NoError(t, err)
	log := slog.New(logfile.Handler(w, slog.LevelInfo))
	pad := strings.Repeat("x", 1000)
	const n = 4000 // about 4 MB: at least three rotations
	for i := range n {
		log.Info("line", "i", i, "pad", pad)
	}
	require.NoError(t, w.Close())
	// lumberjack removes the files past MaxBackups in a goroutine of its own after a rotation,
	// which Close does not wait for: right after Close a fourth file may still be there.
	var files []string
	require.Eventually(t, func() bool {
		files, err = logfile.Files(dir)
		return err == nil && len(files) <= 3
	}, 10*time.Second, 10*time.Millisecond, "rotated files past MaxBackups are removed")
	assert.Len(t, files, 3, "two rotated files kept, plus the current one")
	assert.Equal(t, logfile.Name, filepath.Base(files[len(files)-1]))
	for _, f := range files {
		st, err := os.Stat(f)
		require.NoError(t, err)
		assert.LessOrEqual(t, st.Size(), int64(1<<20))
	}
	recs, err := logfile.Read(dir, logfile.Filter{})
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	assert.Equal(t, fmt.Sprint(n-1), recs[len(recs)-1].Get("i"), "newest last")
	for i := 1; i < len(recs); i++ {
		a, b := recs[i-1].Get("i"), recs[i].Get("i")
		var x, y int
		fmt.Sscan(a, &x)
		fmt.Sscan(b, &y)
		require.Equal(t, x+1, y, "records read in the order written, across files")
	}
}

func TestTailFiltersAreANDedCaseInsensitiveWithLevel(t *testing.T) {
	dir := t.TempDir()
	w, err := logfile.Open(dir, logfile.Options{})
	require.NoError(t, err)
	log := slog.New(logfile.Handler(w, slog.LevelDebug))
	log.Debug("fetching", "source", "skedda")
	log.Info("applied", "action", "set-permissions", "email", "ann@example.com")
	log.Warn("booking source failed", "source", "Skedda", "error", "timeout")
	log.Error("Net2 write failed", "email", "ann@example.com")
	log.Warn("booking source failed", "source", "outlook", "error", "401")
	require.NoError(t, w.Close())

	got := func(f logfile.Filter, n int) []string {
		recs, err := logfile.Tail(dir, n, f)
		require.NoError(t, err)
		var out []string
		for _, r := range recs {
			out = append(out, r.Msg+"/"+r.Get("source")+r.Get("email"))
		}
		return out
	}
	assert.Equal(t, []string{"booking source failed/Skedda", "Net2 write failed/ann@example.com", "booking source failed/outlook"}, got(logfile.Filter{MinLevel: slog.LevelWarn}, 0))
	assert.Equal(t, []string{"fetching/skedda", "booking source failed/Skedda"}, got(logfile.Filter{Terms: []string{"SKEDDA"}, MinLevel: slog.LevelDebug}, 0))
	assert.Equal(t, []string{"booking source failed/Skedda"}, got(logfile.Filter{Terms: []string{"skedda", "timeout"}}, 0))
	assert.Equal(t, []string{"Net2 write failed/ann@example.com"}, got(logfile.Filter{Terms: []string{"ANN@"}, MinLevel: slog.LevelWarn}, 0))
	assert.Equal(t, []string{"booking source failed/outlook"}, got(logfile.Filter{}, 1), "the last n, newest last")
	line := logfile.Format(logfile.Parse(`{"time":"2026-03-02T08:30:00Z","level":"WARN","msg":"source failed","source":"a b","n":3}`), time.UTC)
	assert.Equal(t, `2026-03-02 08:30:00 WARN  source failed source="a b" n=3`, line)
}

func TestFollowPrintsNewLinesAcrossARotation(t *testing.T) {
	dir := t.TempDir()
	w, err := logfile.Open(dir, logfile.Options{})
	require.NoError(t, err)
	defer w.Close()
	log := slog.New(logfile.Handler(w, slog.LevelInfo))
	log.Info("before follow") // not printed: Follow starts at the end

	got := make(chan string, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		close(ready)
		done <- logfile.Follow(ctx, dir, logfile.Filter{Terms: []string{"keep"}}, func(r logfile.Record) { got <- r.Msg })
	}()
	<-ready
	wait := func(want string) {
		t.Helper()
		for {
			select {
			case m := <-got:
				if m == want {
					return
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("Follow did not print %q", want)
			}
		}
	}
	// Follow may open the file after the first write: keep writing until it is seen.
	for seen := false; !seen; {
		log.Info("keep 1")
		select {
		case m := <-got:
			seen = m == "keep 1"
		case <-time.After(logfile.FollowPoll * 3):
		}
	}
	log.Info("drop this")
	log.Info("keep 2")
	wait("keep 2")
	log.Info("keep 3 in the old file")
	require.NoError(t, w.(*lumberjack.Logger).Rotate())
	log.Info("keep 4 in the new file")
	wait("keep 3 in the old file")
	wait("keep 4 in the new file")
	files, err := logfile.Files(dir)
	require.NoError(t, err)
	assert.Len(t, files, 2, "one rotated file and the current one")
	cancel()
	require.NoError(t, <-done)
}

func TestWhyFromApplied(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 3, 2, h, 0, 0, 0, time.UTC) }
	rec := func(h int, msg string, kv ...string) logfile.Record {
		r := logfile.Record{Time: at(h), Msg: msg, Level: slog.LevelInfo}
		for i := 0; i < len(kv); i += 2 {
			r.Attrs = append(r.Attrs, logfile.Attr{Key: kv[i], Value: kv[i+1]})
		}
		return r
	}
	recs := []logfile.Record{
		rec(6, "net2booking running"),
		rec(8, "applied", "action", "create-user", "email", "ann@example.com", "user_id", "0", "reason", "booking skedda/a1 (Studio 1) …"),
		rec(8, "applied", "action", "set-permissions", "email", "ann@example.com", "user_id", "7", "reason", "window open: doors 3, 12 for a1 (Studio 1) until 2026-03-02 10:10"),
		rec(8, "applied", "action", "set-permissions", "email", "bo@example.com", "user_id", "8", "reason", "window open: doors 3 for b1 (Meeting room A) until 2026-03-02 11:00"),
		rec(10, "applied", "action", "set-permissions", "email", "ann@example.com", "user_id", "7", "reason", "no window open: fallback access level 0"),
		rec(12, "stopping"),
	}
	a := logfile.Why(recs, "ANN@example.com", "12", at(9))
	assert.True(t, a.Covered)
	assert.True(t, a.Known)
	assert.True(t, a.HadAccess)
	assert.Contains(t, a.Before.Reason, "a1 (Studio 1)")
	require.NotNil(t, a.After)
	assert.True(t, a.After.Closes)
	text := a.Explain("ann@example.com", "12", at(9), time.UTC)
	assert.Contains(t, text, "COULD open door 12")
	assert.Contains(t, text, "Next change: taken away at 2026-03-02 10:00:00 UTC")

	a = logfile.Why(recs, "ann@example.com", "12", at(11))
	assert.True(t, a.Known)
	assert.False(t, a.HadAccess)
	assert.Contains(t, a.Explain("ann@example.com", "12", at(11), time.UTC), "could NOT open door 12")

	a = logfile.Why(recs, "bo@example.com", "12", at(9))
	assert.False(t, a.HadAccess, "Bo's doors do not include 12")

	a = logfile.Why(recs, "ann@example.com", "12", at(2))
	assert.False(t, a.Covered)
	assert.Contains(t, a.Explain("ann@example.com", "12", at(2), time.UTC), "The logs do not cover 2026-03-02 02:00:00 UTC")
}
