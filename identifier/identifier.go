// Package identifier issues the personal codes bookers use at the door (SPEC F14–F16): a PIN
// typed on a keypad, or a number a QR reader sends as a card token. Codes come from crypto/rand,
// are unique among the codes of every Net2 user (managed or not), and are never trivially
// guessable. The apply step passes in the codes in use; this package does no I/O.
package identifier

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
)

// CodeAllocator issues a new personal code that differs from every code in use. Integrators
// may supply their own (for example codes from a pre-printed card stock).
type CodeAllocator interface {
	// Allocate returns a fresh code. inUse holds every code of the same kind held by anyone in
	// Net2 (PINs for a PIN allocator, token values for a QR allocator), as Net2 shows them.
	Allocate(inUse map[string]bool) (string, error)
}

// ErrExhausted means no acceptable code is left: the range is too small for the site.
var ErrExhausted = errors.New("no free code left in the configured range")

// maxRandomTries bounds the random draws before an allocator falls back to scanning, so a
// crowded range never loops for long and never forever.
const maxRandomTries = 2000

// Manual is the allocator for sites that hand out cards or fobs themselves: it issues nothing.
type Manual struct{}

// Allocate returns the empty code: no code is issued.
func (Manual) Allocate(map[string]bool) (string, error) { return "", nil }

// Kind names the code kind ("manual"), so the engine can refuse an allocator of another kind
// than the policy and the access controller (KindOf).
func (Manual) Kind() string { return "manual" }

// Kind names the code kind ("pin").
func (a *PIN) Kind() string { return "pin" }

// KindOf returns the code kind an allocator issues ("manual", "pin", "qr"), or "" for an
// allocator that does not say (an integrator's own).
func KindOf(a CodeAllocator) string {
	if k, ok := a.(interface{ Kind() string }); ok {
		return k.Kind()
	}
	return ""
}

// PIN issues keypad PINs of a fixed length.
type PIN struct {
	length int
	// Rand is the randomness source; crypto/rand unless a test replaces it.
	Rand io.Reader
}

// NewPIN returns a PIN allocator for PINs of length digits (4 to 8).
func NewPIN(length int) (*PIN, error) {
	if length < 4 || length > 8 {
		return nil, fmt.Errorf("PIN length %d: must be 4 to 8 digits", length)
	}
	return &PIN{length: length, Rand: rand.Reader}, nil
}

// Allocate draws random PINs until one is acceptable: not weak (see Weak), not held by anyone,
// and not one more or one less than a PIN someone holds (several access systems treat PIN±1
// as a duress code, and a neighbour is one slip of the finger away from another person's
// access). After maxRandomTries it scans from a random start, so it ends with ErrExhausted
// rather than looping when the space is crowded.
func (a *PIN) Allocate(inUse map[string]bool) (string, error) {
	space := pow10(a.length)
	ok := func(n int64) bool {
		s := a.format(n)
		return !inUse[s] && !Weak(s) && !inUse[a.format((n+1)%space)] && !inUse[a.format((n+space-1)%space)]
	}
	return draw(a.Rand, 0, space-1, ok, a.format)
}

func (a *PIN) format(n int64) string { return fmt.Sprintf("%0*d", a.length, n) }

// Weak reports whether a PIN is trivially guessable: a digit pattern that repeats with a
// period of one or two (1111, 1212), or a run that rises or falls by one at every digit,
// wrapping 9→0 (1234, 7890, 4321).
func Weak(pin string) bool {
	if len(pin) < 2 {
		return true
	}
	periodic := true
	for i := 2; i < len(pin); i++ {
		if pin[i] != pin[i-2] {
			periodic = false
			break
		}
	}
	if periodic {
		return true
	}
	up, down := true, true
	for i := 1; i < len(pin); i++ {
		d := (int(pin[i]) - int(pin[i-1]) + 10) % 10
		up = up && d == 1
		down = down && d == 9
	}
	return up || down
}

// QR issues numbers for QR codes, stored in Net2 as card tokens.
type QR struct {
	lo, hi int64
	// Rand is the randomness source; crypto/rand unless a test replaces it.
	Rand io.Reader
}

// Wiegand26Max is the largest card number a 26-bit Wiegand frame carries (16 bits).
const Wiegand26Max = 65535

// NewQR returns an allocator of numbers in [lo, hi]. Net2 keeps at most 8 digits.
func NewQR(lo, hi int64) (*QR, error) {
	if lo < 1 || hi < lo || hi > 99999999 {
		return nil, fmt.Errorf("QR range [%d, %d]: need 1 ≤ low ≤ high ≤ 99999999", lo, hi)
	}
	return &QR{lo: lo, hi: hi, Rand: rand.Reader}, nil
}

// Kind names the code kind ("qr").
func (a *QR) Kind() string { return "qr" }

// Allocate draws a number in the range that no token in Net2 holds. Token values are compared
// as numbers, since Net2 drops leading zeros.
func (a *QR) Allocate(inUse map[string]bool) (string, error) {
	used := make(map[int64]bool, len(inUse))
	for v := range inUse {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			used[n] = true
		}
	}
	return draw(a.Rand, a.lo, a.hi, func(n int64) bool { return !used[n] }, func(n int64) string {
		return strconv.FormatInt(n, 10)
	})
}

// draw picks a uniformly random acceptable number in [lo, hi]: random draws first, then a
// scan from a random start that wraps once.
func draw(r io.Reader, lo, hi int64, ok func(int64) bool, format func(int64) string) (string, error) {
	size := big.NewInt(hi - lo + 1)
	pick := func() (int64, error) {
		n, err := rand.Int(r, size)
		if err != nil {
			return 0, fmt.Errorf("reading randomness: %w", err)
		}
		return lo + n.Int64(), nil
	}
	for range maxRandomTries {
		n, err := pick()
		if err != nil {
			return "", err
		}
		if ok(n) {
			return format(n), nil
		}
	}
	start, err := pick()
	if err != nil {
		return "", err
	}
	for i := int64(0); i <= hi-lo; i++ {
		n := lo + (start-lo+i)%(hi-lo+1)
		if ok(n) {
			return format(n), nil
		}
	}
	return "", ErrExhausted
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}
