// Package arena cuts many small slices out of a few large ones. A parse or a plan makes
// tens of thousands of slices of a few elements each (an event's resources, a person's
// access windows) that all live as long as the result: made one by one they cost an
// allocation each, and the allocator's rounding.
//
// A slice from an arena is clipped to its length: an append copies it, and never writes
// into the next one. The arena is not safe for concurrent use: give each goroutine its own.
package arena

// Arena hands out slices of T cut from chunks of at least Chunk elements (1024 when 0).
type Arena[T any] struct {
	Chunk int
	free  []T
}

// Make returns a slice of n zero elements (nil for 0), clipped to n.
func (a *Arena[T]) Make(n int) []T {
	if n <= 0 {
		return nil
	}
	if n > len(a.free) {
		chunk := a.Chunk
		if chunk == 0 {
			chunk = 1024
		}
		a.free = make([]T, max(chunk, n))
	}
	s := a.free[:n:n]
	a.free = a.free[n:]
	return s
}

// Copy returns a copy of items cut from the arena (nil for none).
func (a *Arena[T]) Copy(items []T) []T {
	s := a.Make(len(items))
	copy(s, items)
	return s
}
