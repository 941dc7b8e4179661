package ical

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// splitLines is every logical line bodyLines gives for a body in pieces, as text.
func splitLines(pieces [][]byte) []string {
	var bl bodyLines
	bl.reset(pieces, 10)
	var out []string
	for {
		ll, ok := bl.next()
		if !ok {
			return out
		}
		out = append(out, fmt.Sprintf("%d-%d %v %q", ll.line, ll.after, ll.tooLong, ll.text))
	}
}

// A body held in chunks (eventBytes) splits into the same logical lines as the same body
// in one slice, wherever the chunks end: inside a line, between CR and LF, at a fold's space,
// inside a folded line of a property that is read and of one that is not.
func TestBodyInPiecesSplitsTheSame(t *testing.T) {
	body := []byte("UID:abc-1\r\nDESCRIPTION:a long\r\n  text\r\n\tgoes on\r\nATTENDEE;CN=X\r\n :mailto:x@example.org\r\n" +
		"\n\nEXDATE:20260101T090000Z,20260108T090000Z\r\nRESOURCES:Room 1\nX-LAST:no line end")
	whole := splitLines([][]byte{body})
	require.Len(t, whole, 8)
	for i := 0; i <= len(body); i++ {
		for j := i; j <= len(body); j++ {
			pieces := [][]byte{body[:i], body[i:j], body[j:]}
			require.Equal(t, whole, splitLines(pieces), "pieces end at %d and %d", i, j)
		}
	}
	// One byte a piece.
	var bytesOf [][]byte
	for i := range body {
		bytesOf = append(bytesOf, body[i:i+1])
	}
	assert.Equal(t, whole, splitLines(bytesOf))
}

// eventBytes gives back what was written, from any offset, in pieces: a batch that grows past
// batchBytes continues in chunks instead of being copied to grow.
func TestEventBytesKeepsWhatWasWritten(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	var e eventBytes
	var want bytes.Buffer
	for want.Len() < 3*bodyChunk {
		p := make([]byte, rnd.IntN(200_000))
		for i := range p {
			p[i] = byte(rnd.IntN(256))
		}
		e.write(p...)
		want.Write(p)
	}
	require.Equal(t, want.Len(), e.size())
	assert.GreaterOrEqual(t, len(e.chunks), 2, "continued in chunks")
	for _, c := range e.chunks[1:] {
		assert.LessOrEqual(t, cap(c), bodyChunk+200_000, "a chunk is not grown")
	}
	for range 200 {
		off := rnd.IntN(want.Len())
		n := rnd.IntN(want.Len() - off + 1)
		got := bytes.Join(e.pieces(nil, off, n), nil)
		require.True(t, bytes.Equal(want.Bytes()[off:off+n], got), "bytes %d to %d", off, off+n)
	}
	e.reset(maxReusedBatch)
	assert.Zero(t, e.size())
	assert.Empty(t, e.chunks)
}
