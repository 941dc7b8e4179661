package arena

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Slices are cut at their length and clipped: writing or appending to one never changes
// another, however many chunks they come from; a request larger than a chunk gets its own.
func TestSlicesAreSeparate(t *testing.T) {
	a := Arena[int]{Chunk: 8}
	assert.Nil(t, a.Make(0))
	assert.Nil(t, a.Copy(nil))
	var got [][]int
	for i := range 20 {
		s := a.Make(i%5 + 1)
		assert.Len(t, s, i%5+1)
		assert.Equal(t, len(s), cap(s), "clipped")
		for j := range s {
			s[j] = i
		}
		got = append(got, s)
	}
	big := a.Copy([]int{7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7})
	assert.Equal(t, []int{7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}, big)
	for i, s := range got {
		_ = append(s, -1) // copies: the next slice keeps its values
		for _, v := range s {
			assert.Equal(t, i, v)
		}
	}
}
