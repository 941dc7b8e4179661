package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// file is the name used for the configuration in these tests; relative paths in it resolve
// against the test's working directory (the package directory).
const file = "net2booking.yaml"

// base is a minimal valid file of 4 lines; snippets appended to it start at line 5.
const base = `sources:
  - type: ical
    url: https://example.com/feed.ics
resources: {Room: [1]}
`

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func parse(t *testing.T, text string, env map[string]string) (*Config, error) {
	t.Helper()
	return Parse([]byte(text), file, envOf(env))
}

func mustParse(t *testing.T, text string, env map[string]string) *Config {
	t.Helper()
	c, err := parse(t, text, env)
	require.NoError(t, err)
	require.NotNil(t, c)
	return c
}

func wd(t *testing.T) string {
	t.Helper()
	d, err := os.Getwd()
	require.NoError(t, err)
	return d
}

// problem is an expected error: its line and key exactly, and a part of its reason.
type problem struct {
	line   int
	key    string
	reason string
}

// requireProblems checks that err is an ErrorList with exactly these problems, in this order.
func requireProblems(t *testing.T, err error, want ...problem) {
	t.Helper()
	require.Error(t, err)
	var list ErrorList
	require.True(t, errors.As(err, &list), "want an ErrorList, got %T: %v", err, err)
	got := make([]problem, len(list))
	for i, e := range list {
		got[i] = problem{e.Line, e.Key, e.Reason}
	}
	require.Len(t, got, len(want), "problems:\n%v", err)
	for i, w := range want {
		assert.Equal(t, w.line, got[i].line, "line of problem %d: %s", i, list[i])
		assert.Equal(t, w.key, got[i].key, "key of problem %d: %s", i, list[i])
		assert.Contains(t, got[i].reason, w.reason, "reason of problem %d", i)
		assert.Equal(t, file, list[i].File)
	}
}

var exampleEnv = map[string]string{
	"NET2_PASSWORD":       "net2-password-value",
	"NET2_CLIENT_ID":      "licence-client-id",
	"GRAPH_CLIENT_SECRET": "graph-secret-value",
	"SMTP_PASSWORD":       "smtp-password-value",
}

func TestExampleLoadsAsWritten(t *testing.T) {
	for k, v := range exampleEnv {
		t.Setenv(k, v)
	}
	c, err := Load("../config.example.yaml")
	require.NoError(t, err)
	dir := filepath.Dir(wd(t))

	assert.Equal(t, filepath.Join(dir, "config.example.yaml"), c.Path)
	assert.Equal(t, Net2{
		Present:  true,
		URL:      "https://localhost:8443/api/v1",
		Operator: "System engineer",
		Password: "net2-password-value",
		ClientID: "licence-client-id",
		TLS:      TLS{InsecureSkipVerify: false, PinSHA256: ""},

		PermissionIDs: PermissionAreas,
		CacheFile:     filepath.Join(dir, "net2booking.cache.json"),
	}, c.Net2)
	assert.Equal(t, "Europe/Amsterdam", c.Site.Location.String())

	require.Len(t, c.Sources, 3)
	assert.Equal(t, Source{
		Type: SourceICal, Name: "skedda", Line: 21,
		Dialect: DialectSkedda, URL: "https://app.skedda.com/ical?i=SECRET",
	}, c.Sources[0])
	assert.Equal(t, Source{
		Type: SourceICal, Name: "studios", Line: 25,
		Dialect: DialectBooked, URL: filepath.Join(dir, "bookings.ics"),
	}, c.Sources[1])
	assert.Equal(t, Source{
		Type: SourceOutlook, Name: "outlook", Line: 29,
		Tenant:           "contoso.onmicrosoft.com",
		ClientID:         "11111111-2222-3333-4444-555555555555",
		ClientSecret:     "graph-secret-value",
		Rooms:            []string{"room1@contoso.com", "room2@contoso.com"},
		IncludeAttendees: false,
		GraphEndpoint:    "https://graph.microsoft.com/v1.0",
		AuthorityHost:    "https://login.microsoftonline.com/",
		AuthorityHostSet: false,
	}, c.Sources[2])
	assert.False(t, c.Sources[0].IsFile())
	assert.True(t, c.Sources[1].IsFile())

	assert.Equal(t, []Resource{
		{Name: "Room #1", Targets: ids(1484506, 6612642), Doors: []int{1484506, 6612642}, Line: 40},
		{Name: "Room #2", Targets: ids(1484506, 7242929), Doors: []int{1484506, 7242929}, Line: 41},
		{Name: "room1@contoso.com", Targets: ids(1484506, 7001001), Doors: []int{1484506, 7001001}, Line: 42},
	}, c.Resources)

	assert.Equal(t, Access{
		Grant:                 GrantIndividual,
		Identifier:            IdentifierQR,
		PINLength:             6,
		QRRange:               [2]int64{1, 99999999},
		Wiegand26:             false,
		Department:            NameOrID{Name: "Booking"},
		MarkerField:           NameOrID{Name: "Position"},
		FallbackAccessLevel:   NameOrID{Name: "No access"},
		RemoveAfterDays:       7,
		GraceBefore:           5 * time.Minute,
		GraceAfter:            10 * time.Minute,
		FetchInterval:         10 * time.Minute,
		LookaheadDays:         90,
		TentativeGrantsAccess: false,
		AlwaysTimezone:        NameOrID{Name: "All day, every day"},
		QRTokenType:           "ProxCard",
	}, c.Access)
	assert.Equal(t, 90*24*time.Hour, c.Lookahead())
	assert.Equal(t, Safety{MaxShrink: 0.5, VerifyEvery: time.Hour}, c.Safety)
	assert.Equal(t, Email{
		Present: true,
		SMTP: SMTP{Host: "smtp.example.com", Port: 587, Security: SMTPStartTLS,
			Username: "bookings@example.com", Password: "smtp-password-value"},
		Admins: []string{"ops@example.com", "it@example.com"},
		Notifications: Notifications{
			Enabled:      true,
			Sender:       "Front desk <noreply@example.com>",
			Subject:      "Access to the resource you booked",
			TextTemplate: filepath.Join(dir, "templates", "notification.txt"),
			HTMLTemplate: filepath.Join(dir, "templates", "notification.html"),
		},
	}, c.Email)
	assert.Equal(t, Logging{Dir: filepath.Join(dir, "logs"), Level: "info"}, c.Logging)
	assert.Equal(t, Status{Listen: "127.0.0.1:8089"}, c.Status)

	assert.Equal(t, []string{
		"https://app.skedda.com/ical?i=SECRET",
		"net2-password-value",
		"smtp-password-value",
		"graph-secret-value",
		"licence-client-id",
		"i=SECRET",
	}, c.Secrets())
}

func TestExampleIsTheSharedContract(t *testing.T) {
	shared, err := os.ReadFile("../../shared/config.example.yaml")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("shared example not next to the checkout")
	}
	require.NoError(t, err)
	ours, err := os.ReadFile("../config.example.yaml")
	require.NoError(t, err)
	assert.Equal(t, string(shared), string(ours), "config.example.yaml must be a verbatim copy of the shared example")
}

func TestMinimalFileGetsDefaults(t *testing.T) {
	c := mustParse(t, base, nil)
	dir := wd(t)
	assert.Equal(t, filepath.Join(dir, file), c.Path)
	assert.Equal(t, Net2{PermissionIDs: PermissionAreas, CacheFile: filepath.Join(dir, "net2booking.cache.json")}, c.Net2)
	assert.Same(t, time.Local, c.Site.Location)
	assert.Equal(t, []Source{{Type: SourceICal, Name: "ical", Line: 2,
		Dialect: DialectAuto, URL: "https://example.com/feed.ics"}}, c.Sources)
	assert.Equal(t, []Resource{{Name: "Room", Targets: ids(1), Doors: []int{1}, Line: 4}}, c.Resources)
	assert.Equal(t, Access{
		Grant:               GrantIndividual,
		Identifier:          IdentifierPIN,
		PINLength:           6,
		QRRange:             [2]int64{1, 99999999},
		Department:          NameOrID{Name: "Booking"},
		MarkerField:         NameOrID{Name: "Position"},
		FallbackAccessLevel: NameOrID{Name: "No access"},
		RemoveAfterDays:     7,
		GraceBefore:         5 * time.Minute,
		GraceAfter:          10 * time.Minute,
		FetchInterval:       10 * time.Minute,
		LookaheadDays:       90,
		AlwaysTimezone:      NameOrID{Name: "All day, every day"},
		QRTokenType:         "ProxCard",
	}, c.Access)
	assert.Equal(t, Safety{MaxShrink: 0.5, VerifyEvery: time.Hour}, c.Safety)
	assert.Equal(t, Email{
		Present:       false,
		SMTP:          SMTP{Port: 587, Security: SMTPStartTLS},
		Notifications: Notifications{Subject: "Access to the resource you booked"},
	}, c.Email)
	assert.Equal(t, Logging{Dir: filepath.Join(dir, "logs"), Level: "info"}, c.Logging)
	assert.Equal(t, Status{}, c.Status)
	assert.Equal(t, []string{"https://example.com/feed.ics"}, c.Secrets())
}

func TestEmptySectionsCountAsAbsent(t *testing.T) {
	c := mustParse(t, base+"net2:\nsite:\naccess:\nsafety: ~\nemail:\nlogging:\nstatus:\n", nil)
	assert.False(t, c.Net2.Present)
	assert.False(t, c.Email.Present)
	assert.Same(t, time.Local, c.Site.Location)
	assert.Equal(t, 6, c.Access.PINLength)
}

// TestValid checks accepted spellings and how they are stored.
func TestValid(t *testing.T) {
	dir := wd(t)
	tests := []struct {
		name  string
		yaml  string
		env   map[string]string
		check func(t *testing.T, c *Config)
	}{
		{"net2 over http", base + "net2:\n  url: http://localhost:8080/api/v1/\n  operator: System engineer\n", nil,
			func(t *testing.T, c *Config) {
				assert.True(t, c.Net2.Present)
				assert.Equal(t, "http://localhost:8080/api/v1", c.Net2.URL, "trailing slash dropped")
			}},
		{"pin normalised", base + "net2:\n  url: https://net2:8443/api/v1\n  operator: o\n  tls:\n    pin_sha256: \"AB:CD:EF:01:23:45:67:89 ab cd ef 01 23 45 67 89 AB CD EF 01 23 45 67 89 AB CD EF 01 23 45 67 89\"\n", nil,
			func(t *testing.T, c *Config) {
				assert.Equal(t, strings.Repeat("abcdef0123456789", 4), c.Net2.TLS.PinSHA256)
			}},
		{"pin and insecure together", base + "net2:\n  url: https://net2/api/v1\n  operator: o\n  tls: {insecure_skip_verify: true, pin_sha256: " + strings.Repeat("0", 64) + "}\n", nil,
			func(t *testing.T, c *Config) {
				assert.True(t, c.Net2.TLS.InsecureSkipVerify)
				assert.Equal(t, strings.Repeat("0", 64), c.Net2.TLS.PinSHA256)
			}},
		{"timezone UTC", base + "site: {timezone: UTC}\n", nil,
			func(t *testing.T, c *Config) { assert.Equal(t, time.UTC, c.Site.Location) }},
		{"named sources", "sources:\n  - {type: ical, name: Skedda, url: 'https://a.example/x'}\n  - {type: ICAL, name: Booked, url: 'https://b.example/y'}\nresources: {R: 1}\n", nil,
			func(t *testing.T, c *Config) {
				assert.Equal(t, "Skedda", c.Sources[0].Name)
				assert.Equal(t, "Booked", c.Sources[1].Name)
				assert.Equal(t, SourceICal, c.Sources[1].Type)
			}},
		{"local feeds", "sources:\n  - {type: ical, name: a, url: feeds/a.ics}\n  - {type: ical, name: b, url: /srv/b.ics}\n  - {type: ical, name: c, url: 'file:///srv/c%20d.ics'}\n  - {type: ical, name: e, url: 'file:e.ics', previous_names: [ical 4 (e.ics), old e]}\n  - {type: ical, name: f, url: 'webcal://cal.example/f?t=tok'}\nresources: {R: 1}\n", nil,
			func(t *testing.T, c *Config) {
				assert.Equal(t, filepath.Join(dir, "feeds", "a.ics"), c.Sources[0].URL)
				assert.Equal(t, "a", c.Sources[0].Name)
				assert.Equal(t, filepath.FromSlash("/srv/b.ics"), c.Sources[1].URL)
				assert.Equal(t, filepath.FromSlash("/srv/c d.ics"), c.Sources[2].URL)
				assert.Equal(t, filepath.Join(dir, "e.ics"), c.Sources[3].URL)
				assert.Equal(t, []string{"ical 4 (e.ics)", "old e"}, c.Sources[3].PreviousNames)
				assert.Equal(t, "https://cal.example/f?t=tok", c.Sources[4].URL)
				for _, s := range c.Sources[:4] {
					assert.True(t, s.IsFile())
				}
			}},
		{"outlook settings", "sources:\n  - type: outlook\n    tenant: 01234567-89ab-cdef-0123-456789ABCDEF\n    client_id: 11111111-2222-3333-4444-555555555555\n    client_secret: s3cr3t\n    rooms: Room1@Contoso.com\n    include_attendees: true\n    graph_endpoint: https://graph.microsoft.us/v1.0/\n    authority_host: https://login.microsoftonline.us\nresources: {room1@contoso.com: 1}\n", nil,
			func(t *testing.T, c *Config) {
				s := c.Sources[0]
				assert.Equal(t, "outlook", s.Name, "a single source without a name is known by its type")
				assert.Equal(t, []string{"room1@contoso.com"}, s.Rooms)
				assert.True(t, s.IncludeAttendees)
				assert.Equal(t, "https://graph.microsoft.us/v1.0", s.GraphEndpoint)
				assert.Equal(t, "https://login.microsoftonline.us/", s.AuthorityHost)
				assert.True(t, s.AuthorityHostSet)
				assert.Contains(t, c.Secrets(), "s3cr3t")
				assert.NotContains(t, c.Secrets(), "11111111-2222-3333-4444-555555555555")
			}},
		{"resources in file order, names as written, single door", "sources: [{type: ical, url: x.ics}]\nresources:\n  \"Zeta #9\": 7\n  alpha: [3, 2]\n  'Studio, big': [0x10]\n  0123: [0123]\n", nil,
			func(t *testing.T, c *Config) {
				assert.Equal(t, []Resource{
					{Name: "Zeta #9", Targets: ids(7), Doors: []int{7}, Line: 3},
					{Name: "alpha", Targets: ids(3, 2), Doors: []int{3, 2}, Line: 4},
					{Name: "Studio, big", Targets: ids(16), Doors: []int{16}, Line: 5},
					{Name: "0123", Targets: ids(123), Doors: []int{123}, Line: 6},
				}, c.Resources)
			}},
		{"access values", base + `access:
  identifier: PIN
  pin_length: 8
  wiegand26: true
  department: "12"
  marker_field: 14
  fallback_access_level: 0
  remove_after_days: -1
  grace_before: 0s
  grace_after: 24h
  fetch_interval: 30s
  lookahead_days: 366
  tentative_grants_access: True
  always_timezone: 3
  qr_token_type: handsfreekeycard
`, nil,
			func(t *testing.T, c *Config) {
				a := c.Access
				assert.Equal(t, IdentifierPIN, a.Identifier)
				assert.Equal(t, 8, a.PINLength)
				assert.Equal(t, [2]int64{1, 65535}, a.QRRange, "wiegand26 narrows the default range")
				assert.Equal(t, NameOrID{ID: 12, IsID: true}, a.Department)
				assert.Equal(t, NameOrID{ID: 14, IsID: true}, a.MarkerField)
				assert.Equal(t, NameOrID{ID: 0, IsID: true}, a.FallbackAccessLevel)
				assert.Equal(t, -1, a.RemoveAfterDays)
				assert.Equal(t, time.Duration(0), a.GraceBefore)
				assert.Equal(t, 24*time.Hour, a.GraceAfter)
				assert.Equal(t, 30*time.Second, a.FetchInterval)
				assert.Equal(t, 366, a.LookaheadDays)
				assert.True(t, a.TentativeGrantsAccess)
				assert.Equal(t, NameOrID{ID: 3, IsID: true}, a.AlwaysTimezone)
				assert.Equal(t, "HandsFreeKeyCard", a.QRTokenType)
			}},
		{"wiegand26 with a range inside 16 bits", base + "access: {identifier: qr, wiegand26: true, qr_range: [100, 65535]}\n", nil,
			func(t *testing.T, c *Config) { assert.Equal(t, [2]int64{100, 65535}, c.Access.QRRange) }},
		{"names that look a bit like numbers stay names", base + "access: {department: \"-1\", always_timezone: 3 a}\n", nil,
			func(t *testing.T, c *Config) {
				assert.Equal(t, NameOrID{Name: "-1"}, c.Access.Department)
				assert.Equal(t, NameOrID{Name: "3 a"}, c.Access.AlwaysTimezone)
			}},
		{"safety bounds", base + "safety: {max_shrink: 1, verify_every: 1m}\n", nil,
			func(t *testing.T, c *Config) {
				assert.Equal(t, Safety{MaxShrink: 1, VerifyEvery: time.Minute}, c.Safety)
			}},
		{"smtp port defaults follow security", base + "email:\n  smtp: {host: mail.example.com, security: TLS}\n  admins: [a@example.com, 'B <b@example.com>; a@EXAMPLE.com']\n", nil,
			func(t *testing.T, c *Config) {
				assert.Equal(t, SMTP{Host: "mail.example.com", Port: 465, Security: SMTPTLS}, c.Email.SMTP)
				assert.Equal(t, []string{"a@example.com", "b@example.com"}, c.Email.Admins)
				assert.False(t, c.Email.Notifications.Enabled)
			}},
		{"smtp none is port 25", base + "email:\n  smtp: {host: relay, security: none}\n", nil,
			func(t *testing.T, c *Config) { assert.Equal(t, 25, c.Email.SMTP.Port) }},
		{"explicit smtp port wins", base + "email:\n  smtp: {host: relay, security: tls, port: 2465}\n", nil,
			func(t *testing.T, c *Config) { assert.Equal(t, 2465, c.Email.SMTP.Port) }},
		{"document markers", "---\n" + base + "...\n---\n", nil,
			func(t *testing.T, c *Config) { assert.Len(t, c.Sources, 1) }},
		{"email without alerts or notifications needs no host", base + "email:\n  notifications: {enabled: false}\n", nil,
			func(t *testing.T, c *Config) { assert.True(t, c.Email.Present) }},
		{"logging and status", base + "logging: {dir: /var/log/nb, level: DEBUG}\nstatus: {listen: ':9000'}\n", nil,
			func(t *testing.T, c *Config) {
				assert.Equal(t, Logging{Dir: filepath.FromSlash("/var/log/nb"), Level: "debug"}, c.Logging)
				assert.Equal(t, ":9000", c.Status.Listen)
			}},
		{"service defaults", base, nil,
			func(t *testing.T, c *Config) {
				assert.Equal(t, Service{Start: ServiceStartDependency, Net2Service: "Net2 Service"}, c.Service)
			}},
		{"service delayed start and another Net2 service name", base + "service:\n  start: Delayed\n  net2_service: ' Paxton Net2 '\n", nil,
			func(t *testing.T, c *Config) {
				assert.Equal(t, Service{Start: ServiceStartDelayed, Net2Service: "Paxton Net2"}, c.Service)
			}},
		{"service section empty", base + "service:\n", nil,
			func(t *testing.T, c *Config) { assert.Equal(t, ServiceStartDependency, c.Service.Start) }},
		{"status token from the environment", base + "status: {listen: '0.0.0.0:9000', token: '${STATUS_TOKEN}'}\n", map[string]string{"STATUS_TOKEN": "s3cr3t-token"},
			func(t *testing.T, c *Config) {
				assert.Equal(t, "s3cr3t-token", c.Status.Token)
				assert.Contains(t, c.Secrets(), "s3cr3t-token", "the token is masked in logs")
			}},
		{"status empty is off", base + "status: {listen: ''}\n", nil,
			func(t *testing.T, c *Config) { assert.Equal(t, "", c.Status.Listen) }},
		{"anchors and aliases", "sources: [{type: ical, url: x.ics}]\nresources:\n  A: &front [1, 2]\n  B: *front\n", nil,
			func(t *testing.T, c *Config) { assert.Equal(t, []int{1, 2}, c.Resources[1].Doors) }},
		{"byte order mark and CRLF", "\ufeffsources: [{type: ical, url: x.ics}]\r\nresources: {R: 1}\r\n", nil,
			func(t *testing.T, c *Config) { assert.Len(t, c.Resources, 1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, mustParse(t, tt.yaml, tt.env))
		})
	}
}

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o600) }

func TestNilEnvMeansProcessEnvironment(t *testing.T) {
	t.Setenv("NB_TEST_TZ", "Asia/Tokyo")
	c, err := Parse([]byte(base+"site: {timezone: '${NB_TEST_TZ}'}\n"), file, nil)
	require.NoError(t, err)
	assert.Equal(t, "Asia/Tokyo", c.Site.Location.String())
}

func TestTokenTypes(t *testing.T) {
	tt := TokenTypes()
	assert.Len(t, tt, 11)
	tt[0] = "changed"
	assert.Equal(t, "Unspecified", TokenTypes()[0], "a copy is returned")
}

func TestNameOrIDString(t *testing.T) {
	assert.Equal(t, "12", NameOrID{ID: 12, IsID: true}.String())
	assert.Equal(t, "No access", NameOrID{Name: "No access"}.String())
}

// ids is a list of targets given by id.
func ids(n ...int) []NameOrID {
	out := make([]NameOrID, len(n))
	for i, x := range n {
		out[i] = NameOrID{ID: x, IsID: true}
	}
	return out
}
