package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoSecretInErrors feeds secrets through every secret key, next to problems, and checks
// that no message shows them.
func TestNoSecretInErrors(t *testing.T) {
	env := map[string]string{"PW": "TOPSECRET-env", "FEED": "https://cal.example/ical?i=TOPSECRET-feed"}
	tests := []struct {
		name string
		yaml string
	}{
		{"feed URL that does not parse", "sources:\n  - {type: ical, url: 'https://exa mple.com/ical?i=TOPSECRET'}\nresources: {R: 1}\n"},
		{"feed URL with a bad scheme", "sources:\n  - {type: ical, url: 'ftp://host/ical?i=TOPSECRET'}\nresources: {R: 1}\n"},
		{"feed URL without host", "sources:\n  - {type: ical, url: 'https:///ical?i=TOPSECRET'}\nresources: {R: 1}\n"},
		{"feed URL with a bad escape", "sources:\n  - {type: ical, url: 'https://host/ical%zz?i=TOPSECRET'}\nresources: {R: 1}\n"},
		{"feed URL with user info", "sources:\n  - {type: ical, url: 'http://user:TOPSECRET@/x'}\nresources: {R: 1}\n"},
		{"feed URL from env, other problems", "sources:\n  - {type: ical, url: '${FEED}', dialect: nope}\nresources: {R: 0}\n"},
		{"webcal URL without host", "sources:\n  - {type: ical, url: 'webcal://?i=TOPSECRET'}\nresources: {R: 1}\n"},
		{"net2 URL with a password", base + "net2: {url: 'https://op:TOPSECRET@net2/api/v1', operator: o}\n"},
		{"net2 secrets next to problems", base + "net2: {url: 'x', password: TOPSECRET-pw, client_id: TOPSECRET-id}\n"},
		{"client secret of the wrong kind", "sources:\n  - {type: outlook, tenant: c.com, client_id: x, client_secret: {TOPSECRET: 1}, rooms: [a@b.c]}\nresources: {R: 1}\n"},
		{"client secret with a bad reference", "sources:\n  - {type: outlook, tenant: c.com, client_id: x, client_secret: 'TOPSECRET${', rooms: [a@b.c]}\nresources: {R: 1}\n"},
		{"smtp password without user", base + "email: {smtp: {host: h, password: TOPSECRET-smtp}}\n"},
		{"secret echoed by another key", base + "net2: {url: 'https://n/api/v1', operator: o, password: '${PW}'}\nlogging: {level: '${PW}'}\naccess: {identifier: TOPSECRET-env}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.yaml, env)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "TOPSECRET")
			t.Log(err)
		})
	}
}

func TestSecrets(t *testing.T) {
	c := mustParse(t, `sources:
  - {type: ical, name: a, url: 'https://user:pass-word@cal.example/private-0123456789abcdef/basic.ics?token=abcdefgh12&x=1'}
  - {type: ical, name: b, url: local.ics}
  - {type: outlook, name: c, tenant: c.com, client_id: 11111111-2222-3333-4444-555555555555, client_secret: graph-secret, rooms: a@c.com}
resources: {R: 1}
net2: {url: 'https://n/api/v1', operator: o, password: net2-pw, client_id: licence}
email: {smtp: {host: h, username: u, password: smtp-pw}}
`, nil)
	s := c.Secrets()
	for _, want := range []string{
		"https://user:pass-word@cal.example/private-0123456789abcdef/basic.ics?token=abcdefgh12&x=1",
		"user:pass-word", "pass-word", "user", "token=abcdefgh12&x=1", "abcdefgh12",
		"private-0123456789abcdef", "graph-secret", "net2-pw", "licence", "smtp-pw",
	} {
		assert.Contains(t, s, want)
	}
	assert.NotContains(t, s, "1", "short query values are not secrets")
	assert.NotContains(t, s, "basic.ics")
	for _, x := range s {
		assert.NotContains(t, x, "local.ics", "local paths are not secret")
		assert.NotEmpty(t, x)
	}
	for i := 1; i < len(s); i++ {
		assert.GreaterOrEqual(t, len(s[i-1]), len(s[i]), "longest first")
	}
}

// FuzzParse checks that no input makes Parse panic, and that what it accepts is valid.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile("../config.example.yaml")
	require.NoError(f, err)
	f.Add(example)
	f.Add([]byte(base))
	f.Add([]byte(""))
	f.Add([]byte("- a\n"))
	f.Add([]byte("sources: &a [*a]\nresources: &b {x: *b}\n"))
	f.Add([]byte(base + "access: {qr_range: [1, 65535], wiegand26: true, marker_field: 13}\n"))
	f.Add([]byte(base + "net2: {url: '${X}', operator: '${S}'}\nemail: {admins: 'a@b.c; ${S}'}\n"))
	f.Add([]byte("sources:\n  - {type: outlook, tenant: c.com, client_id: x, client_secret: s, rooms: [a@b.c]}\nresources:\n  '#': [0x10, 1_0]\n"))
	env := func(name string) (string, bool) {
		if strings.HasPrefix(name, "S") {
			return "x${Y}", true
		}
		return "", false
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.yaml", env)
		if err != nil {
			list, ok := err.(ErrorList)
			if !ok || len(list) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %T %v", err, err)
			}
			for i, e := range list {
				if e.File != "fuzz.yaml" || (i > 0 && list[i-1].Line > e.Line) {
					t.Fatalf("bad problem list: %v", err)
				}
			}
			return
		}
		if c == nil || len(c.Sources) == 0 || len(c.Resources) == 0 || c.Site.Location == nil {
			t.Fatalf("accepted an incomplete configuration: %+v", c)
		}
		for _, r := range c.Resources {
			if len(r.Doors) == 0 {
				t.Fatalf("resource %q without doors", r.Name)
			}
		}
		a := c.Access
		if a.QRRange[0] < 1 || a.QRRange[0] > a.QRRange[1] || a.QRRange[1] > MaxQRNumber ||
			(a.Wiegand26 && a.QRRange[1] > MaxWiegand26Number) || a.PINLength < 4 || a.PINLength > 8 ||
			(a.MarkerField.IsID && a.MarkerField.ID == MemoField) {
			t.Fatalf("accepted invalid access settings: %+v", a)
		}
		_ = c.Secrets()
	})
}
