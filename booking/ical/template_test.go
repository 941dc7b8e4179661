package ical

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// templateLines are prefixes with parameters as feeds write them, and hostile ones: quotes
// inside values, delimiters inside quotes, repeated and empty parameters, a ':' in a
// parameter name, a quote after a quoted value (go-ical panics), no '='.
var templateLines = []string{
	"ATTENDEE;CN=Ann Lee:mailto:ann@example.com",
	"ATTENDEE;CN=\"Lee, Ann\";ROLE=CHAIR;PARTSTAT=ACCEPTED:mailto:ann@example.com",
	"ATTENDEE;cn=ann;Role=req-participant:MAILTO:ann@example.com",
	"ATTENDEE;CN=\"a:b;c,d\":mailto:x@example.com",
	"ATTENDEE;DELEGATED-TO=\"mailto:a@x\",\"mailto:b@x\";CN=B:mailto:b@example.com",
	"ATTENDEE;MEMBER=a,b,,c;CN=:mailto:c@example.com",
	"ATTENDEE;CN=a;CN=b:mailto:d@example.com",
	"ATTENDEE;CN=#1;X-N=#0:mailto:e@example.com",
	"ATTENDEE;X:Y=Z:mailto:f@example.com",
	"ATTENDEE;CN=\"a\"x:mailto:g@example.com",
	"ATTENDEE;CN=a\"b:mailto:h@example.com",
	"ATTENDEE;CN:mailto:i@example.com",
	"ATTENDEE;=x:mailto:j@example.com",
	"ATTENDEE;CN=\"unterminated:mailto:k@example.com",
	"ATTENDEE;CN=x",
	"RESOURCES;LANGUAGE=en:Room 1",
	"DTSTART;TZID=\"W. Europe Standard Time:20200609T090000",
	"DTSTART;VALUE=DATE-TIME;TZID=Europe/Berlin:20260603T090000",
	"X-THING;A=1,2,3;B=\"4\";A=5:value:with:colons",
	"ORGANIZER;CN=Smith; John:mailto:john@example.com",
	"ATTENDEE;CN=Ünïcødé Nämé;X-Ü=ö:mailto:u@example.com",
	"ATTENDEE;CN=tab\there;X=\"\":mailto:t@example.com",
}

// TestTemplatesDecodeAsGoICal: a line decoded by its template is exactly what go-ical makes
// of the line whole, and a line go-ical rejects is never decoded by template. Random lines
// are drawn from the characters that steer go-ical's decoder.
func TestTemplatesDecodeAsGoICal(t *testing.T) {
	d := newPropDecoder()
	byTemplate := 0
	check := func(line string) {
		t.Helper()
		want, err := d.decodeWhole([]byte(line))
		got, ok := d.decodeByTemplate([]byte(line), false)
		reused, reusedOK := d.decodeByTemplate([]byte(line), true)
		require.Equal(t, ok, reusedOK, "reused parameters, %q", line)
		if !ok {
			return
		}
		require.Equal(t, got, reused, "reused parameters, %q", line)
		byTemplate++
		require.NoError(t, err, "decoded by template, but go-ical rejects %q", line)
		require.Equal(t, want.Name, got.Name, "name of %q", line)
		require.Equal(t, want.Value, got.Value, "value of %q", line)
		require.Equal(t, map[string][]string(want.Params), map[string][]string(got.Params), "parameters of %q", line)
	}
	for _, line := range templateLines {
		check(line)
		check(line) // the second time from the memo of templates
	}
	require.GreaterOrEqual(t, byTemplate, 2*12, "the usual lines are decoded by template")

	rng := rand.New(rand.NewPCG(11, 5))
	pieces := []string{";", ":", ",", "=", "\"", "a", "B", "cn", "CN", "#0", "#1", " ", "é", "X-Y", "mailto"}
	before := byTemplate
	for range 20_000 {
		var b strings.Builder
		b.WriteString([]string{"ATTENDEE", "x-prop", "ORGANIZER"}[rng.IntN(3)])
		for range 1 + rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		check(b.String())
	}
	require.Greater(t, byTemplate-before, 1000, "random lines decoded by template")
}

// FuzzTemplates: whatever the line, a template decoding agrees with go-ical's.
func FuzzTemplates(f *testing.F) {
	for _, line := range templateLines {
		f.Add(line)
	}
	d := newPropDecoder()
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\r\n") {
			return // content lines are split and unfolded before they are decoded
		}
		got, ok := d.decodeByTemplate([]byte(line), false)
		if !ok {
			return
		}
		want, err := d.decodeWhole([]byte(line))
		if err != nil {
			t.Fatalf("decoded by template, but go-ical rejects %q: %v", line, err)
		}
		if want.Name != got.Name || want.Value != got.Value || !sameParams(want.Params, got.Params) {
			t.Fatalf("%q: go-ical %+v, template %+v", line, *want, got)
		}
	})
}

func sameParams(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb, ok := b[k]
		if !ok || strings.Join(va, "\x00") != strings.Join(vb, "\x00") || len(va) != len(vb) {
			return false
		}
	}
	return true
}
