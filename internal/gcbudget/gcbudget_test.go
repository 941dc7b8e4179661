package gcbudget

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The budget turns GOGC off under MinLimit, and the limit follows a live heap larger than
// growthDen/growthNum of it to growthNum/growthDen times the live heap: a large input is not
// collected over and over, nor allowed twice its live heap.
func TestBudgetFollowsTheLiveHeap(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	require.True(t, ForBatch())
	assert.Equal(t, percent, debug.SetGCPercent(percent), "GOGC while the heap is small")
	assert.Equal(t, int64(MinLimit), debug.SetMemoryLimit(-1))

	live := make([][]byte, 0, 64)
	for range 64 {
		live = append(live, make([]byte, 4<<20)) // 256 MiB live
	}
	deadline := time.Now().Add(10 * time.Second)
	for debug.SetMemoryLimit(-1) < growthNum*256<<20/growthDen && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // the finalizer runs on its own goroutine
	}
	assert.GreaterOrEqual(t, debug.SetMemoryLimit(-1), int64(growthNum*256<<20/growthDen), "limit follows the live heap")
	// and no further: the garbage allowed on top of a large live heap is what bounds the peak.
	assert.LessOrEqual(t, debug.SetMemoryLimit(-1), int64(growthNum*(256+32)<<20/growthDen), "limit over the live heap")
	runtime.KeepAlive(live)
}

// Under the limit nothing is collected: 64 MiB of garbage in 1 MiB pieces, which GOGC=100 or
// 400 would collect several times from a small heap, runs no cycle.
func TestNoCollectionUnderTheLimit(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	debug.FreeOSMemory() // start from a small heap, its free pages returned (the limit counts them)
	require.True(t, ForBatch())
	// Cycles the heap started (its goal or the limit), not forced ones (runtime.GC,
	// FreeOSMemory): counted with NumGC, one more cycle showed up in 1 of 40 runs on a loaded
	// machine, and the forced collections before the test are the likely source.
	automatic := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/cycles/automatic:gc-cycles"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	before := automatic()
	for range 64 {
		sink = make([]byte, 1<<20)
	}
	assert.Equal(t, before, automatic(), "collections under the limit")
}

var sink []byte

// GOGC or GOMEMLIMIT in the environment is the user's choice: nothing is changed.
func TestEnvironmentWins(t *testing.T) {
	t.Setenv("GOGC", "150")
	before := debug.SetGCPercent(-1)
	debug.SetGCPercent(before)
	assert.False(t, ForBatch())
	assert.Equal(t, before, debug.SetGCPercent(before))
}
