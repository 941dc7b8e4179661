package booking

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewPersonNames(t *testing.T) {
	cases := []struct {
		address, display   string
		email, first, last string
		name               string
	}{
		{"mailto:Jane.Doe@Example.COM", "Doe, Jane", "jane.doe@example.com", "Jane", "Doe", "Doe, Jane"},
		{"MAILTO:jane@example.com", "Jane Doe", "jane@example.com", "Jane", "Doe", "Jane Doe"},
		{"jane@example.com", "  Jane   van der  Berg ", "jane@example.com", "Jane", "van der Berg", "Jane van der Berg"},
		{"jane@example.com", "Jane", "jane@example.com", "Jane", "", "Jane"},
		{"jane@example.com", "Doe,", "jane@example.com", "Doe", "", "Doe,"},
		{"jane.doe@example.com", "", "jane.doe@example.com", "Jane", "Doe", "Jane Doe"},
		{"jane_van-dam+gym@example.com", "", "jane_van-dam+gym@example.com", "Jane", "Van Dam", "Jane Van Dam"},
		{"jdoe@example.com", "", "jdoe@example.com", "jdoe", "", "jdoe"},
		{"jdoe@example.com", "JDoe@example.com", "jdoe@example.com", "jdoe", "", "jdoe"},
		{" <Jane@Example.com> ", "", "jane@example.com", "jane", "", "jane"},
		// A mailto: URI (RFC 6068): headers dropped, %-escapes decoded, a stray "//" dropped.
		{"mailto:jane@example.com?subject=Room%201", "", "jane@example.com", "jane", "", "jane"},
		{"mailto:jane%2Bdesk@example.com", "", "jane+desk@example.com", "jane", "", "jane"},
		{"MAILTO:jane%40example.com", "", "jane@example.com", "jane", "", "jane"},
		{"mailto://jane@example.com", "", "jane@example.com", "jane", "", "jane"},
		{"mailto:jane%zz@example.com", "", "jane%zz@example.com", "jane%zz", "", "jane%zz"}, // no escape: as written
	}
	for _, c := range cases {
		p, err := NewPerson(c.address, c.display, RoleAttendee)
		require.NoError(t, err, c.address)
		assert.Equal(t, c.email, p.Email, c.address)
		assert.Equal(t, c.first, p.FirstName, c.address)
		assert.Equal(t, c.last, p.LastName, c.address)
		assert.Equal(t, c.name, p.Name(), c.address)
	}
}

func TestNormalizeEmailRejects(t *testing.T) {
	for _, bad := range []string{"", "mailto:", "Private", "MAILTO:Private", "@example.com", "jane@", "a b@example.com", "a@example.com,b@example.com", "jane@example.com\r\nBcc: x@example.org",
		"jane@example.com?subject=x", "jane@example.com/x", "jane@exa%6dple.com", "mailto:a@example.com%2Cb@example.com", "mailto:jane%0D%0ABcc:x@example.com", "mailto:?to=jane@example.com"} {
		_, err := NormalizeEmail(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestBookingKeyAndOverlap(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	b := Booking{UID: "x", Start: t0, End: t0.Add(time.Hour)}
	assert.Equal(t, "x", b.Key())
	b.RecurrenceID = t0.In(time.FixedZone("UTC+02", 7200))
	assert.Equal(t, "x@20260101T100000Z", b.Key())

	w := Window{Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour)}
	assert.False(t, b.Overlaps(w), "end is exclusive")
	w.Start = t0.Add(time.Hour - 1)
	assert.True(t, b.Overlaps(w))

	zero := Booking{Start: t0, End: t0}
	assert.True(t, zero.Overlaps(Window{Start: t0, End: t0.Add(1)}))
	assert.False(t, zero.Overlaps(Window{Start: t0.Add(-1), End: t0}))
}

func TestSortBookingsIsDeterministic(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	bs := []Booking{{Source: "b", UID: "1", Start: t0}, {Source: "a", UID: "2", Start: t0}, {Source: "a", UID: "1", Start: t0.Add(-1)}}
	SortBookings(bs)
	assert.Equal(t, []string{"a1", "a2", "b1"}, []string{bs[0].Source + bs[0].UID, bs[1].Source + bs[1].UID, bs[2].Source + bs[2].UID})
}

// SortBookings gives the order of a stable sort by Compare, on lists long enough for its
// sort of indexes: bookings that compare equal (the same occurrence from two places) keep
// their order.
func TestSortBookingsIsAStableSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 2))
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	for _, n := range []int{0, 1, 63, 64, 65, 1000} {
		bs := make([]Booking, n)
		for i := range bs {
			bs[i] = Booking{Source: []string{"a", "b"}[rng.IntN(2)], UID: fmt.Sprint(rng.IntN(5)),
				Start: t0.Add(time.Duration(rng.IntN(4)) * time.Hour), Resources: []string{fmt.Sprint(i)}}
		}
		want := slices.Clone(bs)
		slices.SortStableFunc(want, Compare)
		SortBookings(bs)
		require.Equal(t, want, bs, "%d bookings", n)
	}
}

func TestNamesLoseControlCharacters(t *testing.T) {
	p, err := NewPerson("jane@example.com", "Jane\x00 \x1b[31mDoe\r\nBcc: x@example.org", RoleAttendee)
	require.NoError(t, err)
	assert.Equal(t, "Jane [31mDoe Bcc: x@example.org", p.DisplayName)
	assert.NotContains(t, p.Name(), "\n")
}

type stubSource struct {
	name string
	err  error
}

func (s stubSource) Name() string { return s.name }
func (s stubSource) Fetch(context.Context, Window) (FetchResult, error) {
	if s.err != nil {
		return FetchResult{}, s.err
	}
	return FetchResult{Bookings: []Booking{{Source: s.name}}}, nil
}

func TestFetchAllKeepsOrderAndErrors(t *testing.T) {
	boom := errors.New("boom")
	got := FetchAll(context.Background(), []BookingSource{stubSource{name: "a"}, stubSource{name: "b", err: boom}, stubSource{name: "c"}}, Window{})
	require.Len(t, got, 3)
	assert.Equal(t, "a", got[0].Result.Bookings[0].Source)
	assert.ErrorIs(t, got[1].Err, boom)
	assert.Equal(t, "b", got[1].Source.Name())
	assert.Equal(t, "c", got[2].Result.Bookings[0].Source)
}

// collapseSpaces and printable answer as the functions they shortcut, on random names of
// ASCII, Unicode spaces, control characters and invalid UTF-8.
func TestNameShortcutsAnswerAsTheLongWay(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	pieces := []string{"a", "Jo", "é", " ", "  ", "\t", "\u00a0", "\u2003", "\x00", "\x7f", "\x1b", "\xff", ",", "~", "\n", "\r"}
	long := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
				return -1
			}
			return r
		}, s)
	}
	shortcut := 0
	for range 50_000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		require.Equal(t, strings.Join(strings.Fields(s), " "), collapseSpaces(s), "collapseSpaces(%q)", s)
		require.Equal(t, long(s), printable(s), "printable(%q)", s)
		if collapseSpaces(s) == s && s != "" {
			shortcut++
		}
	}
	require.Greater(t, shortcut, 1000)
}

// A display name that is only the address, with or without "mailto:" in any case (and
// letters that fold to ASCII ones, as the Kelvin sign does to k), carries no name.
func TestDisplayNameThatIsTheAddress(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 1))
	parts := [][]string{
		{"", "mailto:", "MAILTO:", "Mailto:", "mailto", "maılto:", " "},
		{"kate", "KATE", "Kate", "KKate", "káte", "ka", "kate kate"},
		{"@x.io", "@X.IO", "@x.io ", "@x.ö", ""},
	}
	const email = "kate@x.io"
	matched := 0
	for range 20_000 {
		var b strings.Builder
		for _, choices := range parts {
			b.WriteString(choices[rng.IntN(len(choices))])
		}
		display := b.String()
		p, err := NewPerson(email, display, RoleAttendee)
		require.NoError(t, err)
		words := strings.Join(strings.Fields(display), " ")
		onlyAddress := strings.EqualFold(words, email) || strings.EqualFold(words, "mailto:"+email)
		require.Equal(t, onlyAddress, p.DisplayName == "", "display name %q", display)
		if onlyAddress {
			matched++
		}
	}
	for _, display := range []string{"MAILTO:KATE@X.IO", "mailto:\u212aate@x.io", "\u212aate@x.io"} {
		p, _ := NewPerson(email, display, RoleAttendee)
		require.Empty(t, p.DisplayName, display)
	}
	require.Greater(t, matched, 50)
}
