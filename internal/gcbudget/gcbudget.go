// Package gcbudget tunes the garbage collector of a short-lived command. A one-shot command
// (preview, sync, check) reads whole feeds once and exits: with Go's default (GOGC=100) it
// spends about a third of its time collecting a heap that grows from nothing, cycle after
// cycle. Here nothing is collected (GOGC=off) until the heap reaches a soft limit that keeps
// the peak near MinLimit, so an input that fits under the limit is not collected at all.
// (GOGC=400 under the limit, as before, still collected the 100,000-event feed twice while
// it was small: its whole preview took 0.37 s median, 0.31 s without them, for 11 MB more
// peak.)
//
// Above MinLimit the limit follows the live heap up, to one and a half times it after each
// collection (as GOGC=50 would). There memory wins over time, because a feed's peak must stay
// within about three times its size (issue 11): at twice the live heap (GOGC=100) the
// garbage of 125,000 VTIMEZONEs took a 50 MB feed's preview to 163 MB, and 200,000 bookings
// with a VALARM each to 211 MB; at one and a half times they peak at 131 and 159 MB. The
// price is more collections of a large heap: those two take 0-15% longer, and 1.4 million
// distinct attendees (1.6 GB instead of 1.8) 24-26 s instead of 21.
//
// The long-running service keeps Go's defaults. Set GOGC or GOMEMLIMIT in the environment
// and this package leaves the collector alone.
package gcbudget

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// MinLimit is the soft memory limit while the live heap is below growthDen/growthNum of it.
const MinLimit = 112 << 20

// growthNum/growthDen is the limit over the live heap after a collection.
const growthNum, growthDen = 3, 2

// percent is the GOGC used below the limit: off, so that only the limit triggers collection.
const percent = -1

// ForBatch applies the budget of a one-shot command, unless GOGC or GOMEMLIMIT is set. It
// returns whether it did.
func ForBatch() bool {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return false
	}
	debug.SetGCPercent(percent)
	debug.SetMemoryLimit(MinLimit)
	follow()
	return true
}

// follow raises the limit after each collection to growthNum/growthDen of the live heap
// when that is above MinLimit. A finalizer runs once per collection, on an object that is
// garbage as soon as it is made; it re-arms itself.
func follow() {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var arm func()
	arm = func() {
		sentinel := new([32]byte)
		runtime.SetFinalizer(sentinel, func(*[32]byte) {
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				debug.SetMemoryLimit(max(MinLimit, growthNum*int64(sample[0].Value.Uint64())/growthDen))
			}
			arm()
		})
	}
	arm()
}
