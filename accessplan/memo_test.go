package accessplan

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoRoundTripAndLayout(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	require.NoError(t, err)
	m := Memo{
		Version: 1, Email: "jane@example.com", Name: "Doe, Jane", CodeNotified: true,
		Records: []MemoRecord{
			{Source: "skedda; main", Key: `b\2`, Resources: []string{"Room 1, Floor 2", "Desk  7"}, Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour)},
			{Source: "skedda", Key: "24600000_637539930000000000", Resources: []string{"Room #4"}, Start: t0, End: t0.Add(time.Hour), Notified: true},
		},
	}
	text := FormatMemo(m, ams)
	assert.Equal(t, "net2booking memo v1 (bookings granted to this user; maintained by net2booking, do not edit)\r\n"+
		"email: jane@example.com\r\n"+
		"name: Doe, Jane\r\n"+
		"code notified: yes\r\n"+
		"booking: 2026-12-01T10:00:00+01:00 to 2026-12-01T11:00:00+01:00; resources: Room #4; source: skedda; uid: 24600000_637539930000000000; notified: yes\r\n"+
		`booking: 2026-12-01T11:00:00+01:00 to 2026-12-01T12:00:00+01:00; resources: Room 1\, Floor 2, Desk  7; source: skedda\; main; uid: b\\2; notified: no`+"\r\n",
		text, "local time with offset, readable by an operator, sorted by start")

	got, problems := ParseMemo(text)
	require.Empty(t, problems)
	sortRecords(m.Records)
	assert.Equal(t, m, got)
}

func TestMemoStrayEditsKeepWhatParses(t *testing.T) {
	text := strings.Join([]string{
		"net2booking memo v1 (bookings granted to this user; maintained by net2booking, do not edit)",
		"email: Jane@Example.com",
		"Called 2026-11-30 about a lost PIN -- operator",
		"booking: 2026-12-01T10:00:00+01:00 to 2026-12-01T11:00:00+01:00; resources: Room #4; source: skedda; uid: a; notified: yes",
		"booking: 2026-12-02T10:00:00+01:00 to yesterday; resources: Room #4; source: skedda; uid: b; notified: yes",
		"booking: 2026-12-03T10:00:00+01:00 to 2026-12-03T09:00:00+01:00; resources: Room #4; source: skedda; uid: c",
		"booking: 2026-12-03T10:00:00+01:00 to 2026-12-03T11:00:00+01:00; resources: Room #4",
		"favourite colour: blue",
		"",
	}, "\n")
	m, problems := ParseMemo(text)
	assert.Equal(t, "jane@example.com", m.Email)
	assert.Equal(t, 1, m.Version)
	require.Len(t, m.Records, 1)
	assert.Equal(t, "a", m.Records[0].Key)
	assert.True(t, m.Records[0].Notified)
	require.Len(t, problems, 5)
	assert.Contains(t, problems[0], "memo line 3")
	assert.Contains(t, problems[1], "memo line 5")
	assert.Contains(t, problems[2], "ends")
	assert.Contains(t, problems[3], "without source or uid")
	assert.Contains(t, problems[4], `unknown item "favourite colour"`)
}

func TestMemoEmptyAndGarbage(t *testing.T) {
	m, problems := ParseMemo("")
	assert.Equal(t, Memo{}, m)
	assert.Empty(t, problems)

	m, problems = ParseMemo("net2booking memo vX\r\n\x00\x01 binary junk")
	assert.Equal(t, 0, m.Version)
	assert.Len(t, problems, 2)
}

func FuzzParseMemo(f *testing.F) {
	f.Add(FormatMemo(Memo{Email: "a@example.com", Records: []MemoRecord{{Source: "s", Key: "k", Resources: []string{"R"}, Start: t0, End: t0}}}, time.UTC))
	f.Add("booking: ; ; \\")
	f.Fuzz(func(t *testing.T, text string) {
		m, _ := ParseMemo(text)
		// What parsed survives a round trip unchanged.
		again, problems := ParseMemo(FormatMemo(m, time.UTC))
		if len(problems) != 0 {
			t.Fatalf("formatted memo does not parse: %v", problems)
		}
		m.Version, again.Version = 0, 0
		if m.Email != again.Email || len(m.Records) != len(again.Records) {
			t.Fatalf("round trip changed the memo: %#v vs %#v", m, again)
		}
	})
}
