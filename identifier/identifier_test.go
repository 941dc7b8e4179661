package identifier

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWeakPINs(t *testing.T) {
	for _, weak := range []string{"0000", "1111", "1234", "0123", "6789", "7890", "9012", "4321", "3210", "1098", "1212", "909090", "123456", "98765432"} {
		assert.True(t, Weak(weak), weak)
	}
	for _, fine := range []string{"1235", "2580", "8402", "120120", "4913", "0921"} {
		assert.False(t, Weak(fine), fine)
	}
}

func TestPINsAreUniqueNotWeakAndNoNeighbours(t *testing.T) {
	a, err := NewPIN(4)
	require.NoError(t, err)
	assert.Equal(t, rand.Reader, a.Rand, "codes come from crypto/rand")

	inUse := map[string]bool{"1275": true, "0000": true}
	for range 3000 {
		pin, err := a.Allocate(inUse)
		require.NoError(t, err)
		require.Len(t, pin, 4)
		_, err = strconv.Atoi(pin)
		require.NoError(t, err)
		require.False(t, inUse[pin], "%s is taken", pin)
		require.False(t, Weak(pin), pin)
		n, _ := strconv.Atoi(pin)
		require.False(t, inUse[fmt.Sprintf("%04d", (n+1)%10000)], "%s is next to a PIN in use", pin)
		require.False(t, inUse[fmt.Sprintf("%04d", (n+9999)%10000)], "%s is next to a PIN in use", pin)
		inUse[pin] = true
	}
	// The neighbours of 1275 were never handed out.
	assert.False(t, inUse["1274"] || inUse["1276"])
}

func TestPINSpaceExhaustionEnds(t *testing.T) {
	a, err := NewPIN(4)
	require.NoError(t, err)
	inUse := map[string]bool{}
	// Every even PIN is taken: every odd one is a neighbour of a taken one.
	for n := 0; n < 10000; n += 2 {
		inUse[fmt.Sprintf("%04d", n)] = true
	}
	_, err = a.Allocate(inUse)
	assert.ErrorIs(t, err, ErrExhausted)
}

func TestPINLengthBounds(t *testing.T) {
	for _, n := range []int{3, 9} {
		_, err := NewPIN(n)
		assert.Error(t, err, n)
	}
	a, err := NewPIN(8)
	require.NoError(t, err)
	pin, err := a.Allocate(nil)
	require.NoError(t, err)
	assert.Len(t, pin, 8)
}

func TestQRNumbersInRangeAndUnique(t *testing.T) {
	a, err := NewQR(1, Wiegand26Max)
	require.NoError(t, err)
	assert.Equal(t, rand.Reader, a.Rand)
	inUse := map[string]bool{"00042": true}
	for range 2000 {
		v, err := a.Allocate(inUse)
		require.NoError(t, err)
		n, err := strconv.ParseInt(v, 10, 64)
		require.NoError(t, err)
		require.True(t, n >= 1 && n <= Wiegand26Max, v)
		require.NotEqual(t, int64(42), n, "00042 in Net2 is token 42")
		require.Equal(t, strconv.FormatInt(n, 10), v, "no leading zeros")
		require.False(t, inUse[v])
		inUse[v] = true
	}
}

func TestQRCrowdedRangeFindsTheLastFreeNumberThenExhausts(t *testing.T) {
	a, err := NewQR(100, 199)
	require.NoError(t, err)
	inUse := map[string]bool{}
	for n := 100; n <= 199; n++ {
		if n != 150 {
			inUse[strconv.Itoa(n)] = true
		}
	}
	v, err := a.Allocate(inUse)
	require.NoError(t, err)
	assert.Equal(t, "150", v)
	inUse["150"] = true
	_, err = a.Allocate(inUse)
	assert.ErrorIs(t, err, ErrExhausted)
}

func TestQRRangeValidation(t *testing.T) {
	for _, r := range [][2]int64{{0, 5}, {5, 4}, {1, 100000000}} {
		_, err := NewQR(r[0], r[1])
		assert.Error(t, err, r)
	}
}

func TestManualIssuesNothing(t *testing.T) {
	var a CodeAllocator = Manual{}
	code, err := a.Allocate(map[string]bool{"1": true})
	require.NoError(t, err)
	assert.Empty(t, code)
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, fmt.Errorf("entropy source broken") }

func TestRandomnessFailureIsAnError(t *testing.T) {
	a, err := NewPIN(6)
	require.NoError(t, err)
	a.Rand = failingReader{}
	_, err = a.Allocate(nil)
	assert.ErrorContains(t, err, "entropy source broken")
}
