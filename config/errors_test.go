package config

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProblems has one case per validation rule: the exact line and key of each problem.
// Snippets appended to base start at line 5.
func TestProblems(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want []problem
	}{
		// the file as a whole
		{"empty file", "", nil, []problem{
			{0, "sources", "at least one booking source is required"},
			{0, "resources", "at least one resource is required"}}},
		{"not a mapping", "- a\n- b\n", nil, []problem{
			{1, "", "the file must consist of sections"}}},
		{"yaml syntax", base + "access:\n  grace_before: 5m\n grace_after: 1m\n", nil, []problem{
			{6, "", "not valid YAML: did not find expected key in the block starting at this line"}}},
		{"tab indentation", base + "access:\n\tgrace_before: 5m\n", nil, []problem{
			{6, "", "indent with spaces, not tabs"}}},
		{"second document", base + "---\nsources: []\n", nil, []problem{
			{6, "", "a second YAML document"}}},
		{"unknown top-level key", base + "acces:\n  grace_before: 5m\n", nil, []problem{
			{5, "acces", "unknown key (did you mean access?)"}}},
		{"unknown key far from any", base + "frobnicate: 1\n", nil, []problem{
			{5, "frobnicate", "unknown key (known keys: net2, site, sources"}}},
		{"duplicate key", base + "access:\n  pin_length: 5\n  pin_length: 6\n", nil, []problem{
			{7, "access.pin_length", "duplicate key (first given at line 6)"}}},
		{"duplicate section", base + "sources: []\n", nil, []problem{
			{5, "sources", "duplicate key (first given at line 1)"}}},
		{"merge key", base + "access:\n  <<: {pin_length: 5}\n", nil, []problem{
			{6, "access", "merge keys (<<) are not supported"}}},
		{"section given a value", base + "access: pin\n", nil, []problem{
			{5, "access", "must be a section of keys indented below it, not a single value"}}},
		{"list where a value is expected", base + "net2:\n  url: https://h/api/v1\n  operator: [a, b]\n", nil, []problem{
			{7, "net2.operator", "must be a single value, not a list"}}},
		{"section where a value is expected", base + "logging:\n  level:\n    x: y\n", nil, []problem{
			{7, "logging.level", "must be a single value, not a section of keys"}}},

		// net2
		{"net2 url required", base + "net2:\n  operator: System engineer\n", nil, []problem{
			{5, "net2.url", "is required in the net2 section"}}},
		{"net2 url not http", base + "net2:\n  url: ftp://net2/api\n  operator: o\n", nil, []problem{
			{6, "net2.url", "must be an http:// or https:// URL"}}},
		{"net2 url not absolute", base + "net2:\n  url: localhost\n  operator: o\n", nil, []problem{
			{6, "net2.url", "must be an http:// or https:// URL"}}},
		{"net2 url with credentials", base + "net2:\n  url: https://op:hunter22@net2/api/v1\n  operator: o\n", nil, []problem{
			{6, "net2.url", "without a user name or password"}}},
		{"net2 operator required", base + "net2:\n  url: https://net2/api/v1\n", nil, []problem{
			{5, "net2.operator", "is required in the net2 section"}}},
		{"net2 operator empty", base + "net2:\n  url: https://net2/api/v1\n  operator: ''\n", nil, []problem{
			{7, "net2.operator", "is required"}}},
		{"net2 unknown key", base + "net2:\n  url: https://net2/api/v1\n  operator: o\n  pasword: x\n", nil, []problem{
			{8, "net2.pasword", "did you mean password?"}}},
		{"insecure_skip_verify not a bool", base + "net2:\n  url: https://net2/api/v1\n  operator: o\n  tls:\n    insecure_skip_verify: yes\n", nil, []problem{
			{9, "net2.tls.insecure_skip_verify", `"yes" is not true or false`}}},
		{"pin too short", base + "net2:\n  url: https://net2/api/v1\n  operator: o\n  tls:\n    pin_sha256: abcd\n", nil, []problem{
			{9, "net2.tls.pin_sha256", "must be 64 hexadecimal digits"}}},
		{"pin not hex", base + "net2:\n  url: https://net2/api/v1\n  operator: o\n  tls: {pin_sha256: " + strings.Repeat("g", 64) + "}\n", nil, []problem{
			{8, "net2.tls.pin_sha256", "must be 64 hexadecimal digits"}}},
		{"pin with http", base + "net2:\n  url: http://net2:8080/api/v1\n  operator: o\n  tls: {pin_sha256: " + strings.Repeat("a", 64) + "}\n", nil, []problem{
			{8, "net2.tls.pin_sha256", "needs an https:// net2.url"}}},

		// site
		{"unknown time zone", base + "site:\n  timezone: Europe/Amsterdm\n", nil, []problem{
			{6, "site.timezone", `"Europe/Amsterdm" is not a known time zone`}}},

		// sources
		{"sources missing", "resources: {R: 1}\n", nil, []problem{
			{0, "sources", "at least one booking source is required"}}},
		{"sources empty", "sources: []\nresources: {R: 1}\n", nil, []problem{
			{1, "sources", "at least one booking source is required"}}},
		{"sources not a list", "sources:\n  type: ical\nresources: {R: 1}\n", nil, []problem{
			{2, "sources", "must be a list of sources"}}},
		{"source not a mapping", "sources:\n  - https://x/feed\nresources: {R: 1}\n", nil, []problem{
			{2, "sources[1]", "must be a section of keys"}}},
		{"source empty", "sources:\n  -\nresources: {R: 1}\n", nil, []problem{
			{1, "sources[1]", "is empty"}}},
		{"source type missing", "sources:\n  - url: x.ics\nresources: {R: 1}\n", nil, []problem{
			{2, "sources[1].type", "is required: ical or outlook"}}},
		{"source type unknown", "sources:\n  - type: caldav\n    url: x.ics\nresources: {R: 1}\n", nil, []problem{
			{2, "sources[1].type", `"caldav" is not one of ical, outlook`}}},
		{"ical with an outlook key", "sources:\n  - type: ical\n    url: x.ics\n    tenant: contoso.com\nresources: {R: 1}\n", nil, []problem{
			{4, "sources[1].tenant", "is a setting of outlook sources, not of this ical source"}}},
		{"outlook with an ical key", "sources:\n  - type: outlook\n    tenant: contoso.com\n    client_id: 11111111-2222-3333-4444-555555555555\n    client_secret: s\n    rooms: [r@contoso.com]\n    dialect: skedda\nresources: {R: 1}\n", nil, []problem{
			{7, "sources[1].dialect", "is a setting of ical sources, not of this outlook source"}}},
		{"source unknown key", "sources:\n  - type: ical\n    dialet: skedda\n    url: x.ics\nresources: {R: 1}\n", nil, []problem{
			{3, "sources[1].dialet", "did you mean dialect?"}}},
		{"dialect unknown", "sources:\n  - type: ical\n    dialect: google\n    url: x.ics\nresources: {R: 1}\n", nil, []problem{
			{3, "sources[1].dialect", `"google" is not one of skedda, booked, auto`}}},
		{"ical url missing", "sources:\n  - type: ical\n    dialect: skedda\nresources: {R: 1}\n", nil, []problem{
			{2, "sources[1].url", "is required"}}},
		{"ical url bad scheme", "sources:\n  - type: ical\n    url: ftp://host/feed?i=TOPSECRET\nresources: {R: 1}\n", nil, []problem{
			{3, "sources[1].url", `unsupported scheme "ftp"`}}},
		{"ical url without host", "sources:\n  - type: ical\n    url: https:///feed?i=TOPSECRET\nresources: {R: 1}\n", nil, []problem{
			{3, "sources[1].url", "it has no host"}}},
		{"ical url unparsable", "sources:\n  - type: ical\n    url: 'https://exa mple.com/ical?i=TOPSECRET'\nresources: {R: 1}\n", nil, []problem{
			{3, "sources[1].url", "is not a valid URL; the value is not shown, as feed URLs are secret"}}},
		{"file url with host", "sources:\n  - type: ical\n    url: file://server/share/x.ics\nresources: {R: 1}\n", nil, []problem{
			{3, "sources[1].url", "file:// URL naming a host"}}},
		{"source name empty", "sources:\n  - {type: ical, url: x.ics, name: ''}\nresources: {R: 1}\n", nil, []problem{
			{2, "sources[1].name", "is empty"}}},
		{"source names repeat", "sources:\n  - {type: ical, url: a.ics, name: Feed}\n  - {type: ical, url: b.ics, name: feed}\nresources: {R: 1}\n", nil, []problem{
			{3, "sources[2].name", `"feed" is already a name of sources[1] (line 2)`}}},
		{"several sources need names", "sources:\n  - {type: ical, url: a.ics}\n  - {type: ical, url: b.ics, name: b}\nresources: {R: 1}\n", nil, []problem{
			{2, "sources[1].name", "is required when there are several sources"}}},
		{"previous name of another source", "sources:\n  - {type: ical, url: a.ics, name: a}\n  - {type: ical, url: b.ics, name: b, previous_names: [A, '']}\nresources: {R: 1}\n", nil, []problem{
			{3, "sources[2].previous_names[2]", "is empty"},
			{3, "sources[2].previous_names", `"A" is already a name of sources[1] (line 2)`}}},
		{"outlook requirements", "sources:\n  - type: outlook\nresources: {R: 1}\n", nil, []problem{
			{2, "sources[1].tenant", "is required"},
			{2, "sources[1].client_id", "is required"},
			{2, "sources[1].client_secret", "is required"},
			{2, "sources[1].rooms", "is required"}}},
		{"outlook bad values", `sources:
  - type: outlook
    tenant: not a tenant
    client_id: my-app
    client_secret: ""
    rooms: []
    include_attendees: 1
    graph_endpoint: http://graph.microsoft.com/v1.0
    authority_host: login.microsoftonline.com
resources: {R: 1}
`, nil, []problem{
			{3, "sources[1].tenant", `"not a tenant" is neither a domain`},
			{4, "sources[1].client_id", "must be a GUID"},
			{5, "sources[1].client_secret", "is required"},
			{6, "sources[1].rooms", "must list at least one room mailbox"},
			{7, "sources[1].include_attendees", `"1" is not true or false`},
			{8, "sources[1].graph_endpoint", "must be an https:// URL, such as https://graph.microsoft.com/v1.0"},
			{9, "sources[1].authority_host", "must be an https:// URL, such as https://login.microsoftonline.com/"}}},
		{"rooms bad entries", `sources:
  - type: outlook
    tenant: contoso.com
    client_id: 11111111-2222-3333-4444-555555555555
    client_secret: s
    rooms:
      - room1@contoso.com
      - Room 2 <room2@contoso.com>
      - ROOM1@contoso.com
      - [x]
resources: {R: 1}
`, nil, []problem{
			{8, "sources[1].rooms[2]", `"Room 2 <room2@contoso.com>" is not an email address`},
			{9, "sources[1].rooms[3]", `"ROOM1@contoso.com" is listed twice`},
			{10, "sources[1].rooms[4]", "must be a single value, not a list"}}},

		// resources
		{"resources missing", "sources: [{type: ical, url: x.ics}]\n", nil, []problem{
			{0, "resources", "at least one resource is required"}}},
		{"resources empty", "sources: [{type: ical, url: x.ics}]\nresources: {}\n", nil, []problem{
			{2, "resources", "at least one resource is required"}}},
		{"resources a list", "sources: [{type: ical, url: x.ics}]\nresources:\n  - Room\n", nil, []problem{
			{3, "resources", "must be a section of keys"}}},
		{"resource without doors", "sources: [{type: ical, url: x.ics}]\nresources:\n  \"Room #1\": []\n  \"Room #2\":\n  Ok: 1\n", nil, []problem{
			{3, `resources."Room #1"`, "maps to no doors"},
			{4, `resources."Room #2"`, "maps to no doors"}}},
		{"resource repeated", "sources: [{type: ical, url: x.ics}]\nresources:\n  Room: [1]\n  Room: [2]\n", nil, []problem{
			{4, `resources."Room"`, "duplicate key (first given at line 3)"}}},
		{"bad door ids", "sources: [{type: ical, url: x.ics}]\nresources:\n  A: [Front door, 0, -5, 2147483648, 7, 7, front DOOR]\n  B: 1, 2\n  C: {x: 1}\n", nil, []problem{
			{3, `resources."A"[2]`, `"0" is not a valid id: Net2 doors ids are whole numbers from 1`},
			{3, `resources."A"[3]`, `"-5" is not a valid id`},
			{3, `resources."A"[4]`, `"2147483648" is not a valid id`},
			{3, `resources."A"[6]`, "7 is listed twice"},
			{3, `resources."A"[7]`, "front DOOR is listed twice"},
			{4, `resources."B"`, "write several as a list"},
			{5, `resources."C"`, "must be a list of Net2 doors"}}},
		{"access level ids", "sources: [{type: ical, url: x.ics}]\nresources:\n  A: [0, -1]\naccess:\n  grant: access_levels\n", nil, []problem{
			{3, `resources."A"[2]`, `"-1" is not a valid id: Net2 access levels ids are whole numbers from 0`}}},
		{"grant", "sources: [{type: ical, url: x.ics}]\nresources:\n  A: [1]\naccess:\n  grant: levels\n", nil, []problem{
			{5, "access.grant", `"levels" is not one of individual, access_levels`}}},
		{"permission_ids", "net2: {url: http://x/api/v1, operator: a b, permission_ids: acu}\nsources: [{type: ical, url: x.ics}]\nresources:\n  A: [1]\n", nil, []problem{
			{1, "net2.permission_ids", `"acu" is not one of area, door`}}},
		{"empty resource name", "sources: [{type: ical, url: x.ics}]\nresources:\n  '': [1]\n", nil, []problem{
			{3, `resources.""`, "must not be empty"}}},

		// access
		{"identifier", base + "access:\n  identifier: card\n", nil, []problem{
			{6, "access.identifier", `"card" is not one of manual, pin, qr`}}},
		{"pin_length too short", base + "access:\n  pin_length: 3\n", nil, []problem{
			{6, "access.pin_length", "3 is out of range: a PIN has 4 to 8 digits"}}},
		{"pin_length too long", base + "access:\n  pin_length: 9\n", nil, []problem{
			{6, "access.pin_length", "9 is out of range"}}},
		{"pin_length not a number", base + "access:\n  pin_length: six\n", nil, []problem{
			{6, "access.pin_length", `"six" is not a whole number`}}},
		{"qr_range not a list", base + "access:\n  qr_range: 1-99\n", nil, []problem{
			{6, "access.qr_range", "must be a list, not a single value"}}},
		{"qr_range of one", base + "access:\n  qr_range: [1]\n", nil, []problem{
			{6, "access.qr_range", "must be a list of two numbers"}}},
		{"qr_range below 1", base + "access:\n  qr_range: [0, 10]\n", nil, []problem{
			{6, "access.qr_range", "the lowest number, 0, must be at least 1"}}},
		{"qr_range above 8 digits", base + "access:\n  qr_range: [1, 100000000]\n", nil, []problem{
			{6, "access.qr_range", "must be at most 99999999 (Net2 token numbers have at most 8 digits)"}}},
		{"qr_range reversed", base + "access:\n  qr_range: [10, 5]\n", nil, []problem{
			{6, "access.qr_range", "the lowest number, 10, is above the highest, 5"}}},
		{"qr_range element", base + "access:\n  qr_range:\n    - 1\n    - lots\n", nil, []problem{
			{8, "access.qr_range[2]", `"lots" is not a whole number`}}},
		{"wiegand26 with a wide range", base + "access:\n  qr_range: [1, 99999999]\n  wiegand26: true\n", nil, []problem{
			{6, "access.qr_range", "[1, 99999999] goes above 65535, the largest number a 26-bit Wiegand reader carries"}}},
		{"wiegand26 not a bool", base + "access:\n  wiegand26: on\n", nil, []problem{
			{6, "access.wiegand26", `"on" is not true or false`}}},
		{"department empty", base + "access:\n  department: ''\n", nil, []problem{
			{6, "access.department", "is empty"}}},
		{"department negative id", base + "access:\n  department: -1\n", nil, []problem{
			{6, "access.department", "id -1 is out of range"}}},
		{"department id too large", base + "access:\n  department: 99999999999999999999\n", nil, []problem{
			{6, "access.department", "id is too large"}}},
		{"number too large", base + "access:\n  pin_length: 99999999999999999999\n", nil, []problem{
			{6, "access.pin_length", "is too large"}}},
		{"marker_field is the memo", base + "access:\n  marker_field: 13\n", nil, []problem{
			{6, "access.marker_field", "user field 13 is the memo"}}},
		{"marker_field out of range", base + "access:\n  marker_field: 15\n", nil, []problem{
			{6, "access.marker_field", "id 15 is out of range (1 to 14)"}}},
		{"marker_field zero", base + "access:\n  marker_field: '0'\n", nil, []problem{
			{6, "access.marker_field", "id 0 is out of range (1 to 14)"}}},
		{"fallback negative", base + "access:\n  fallback_access_level: -2\n", nil, []problem{
			{6, "access.fallback_access_level", "id -2 is out of range"}}},
		{"always_timezone empty", base + "access:\n  always_timezone: \"\"\n", nil, []problem{
			{6, "access.always_timezone", "is empty"}}},
		{"remove_after_days", base + "access:\n  remove_after_days: -2\n", nil, []problem{
			{6, "access.remove_after_days", "write -1 (never remove) or a number of days, 0 or more"}}},
		{"grace_before not a duration", base + "access:\n  grace_before: 5x\n", nil, []problem{
			{6, "access.grace_before", `"5x" is not a duration (write e.g. 5m or 1h30m)`}}},
		{"grace_before without unit", base + "access:\n  grace_before: 5\n", nil, []problem{
			{6, "access.grace_before", `"5" is not a duration`}}},
		{"grace_after negative", base + "access:\n  grace_after: -1m\n", nil, []problem{
			{6, "access.grace_after", "-1m0s is negative"}}},
		{"grace_after too long", base + "access:\n  grace_after: 25h\n", nil, []problem{
			{6, "access.grace_after", "25h0m0s is too long (at most 24h)"}}},
		{"fetch_interval too short", base + "access:\n  fetch_interval: 10s\n", nil, []problem{
			{6, "access.fetch_interval", "10s is too short (at least 30s)"}}},
		{"lookahead_days zero", base + "access:\n  lookahead_days: 0\n", nil, []problem{
			{6, "access.lookahead_days", "0 is out of range: 1 to 366 days"}}},
		{"lookahead_days too many", base + "access:\n  lookahead_days: 367\n", nil, []problem{
			{6, "access.lookahead_days", "367 is out of range"}}},
		{"tentative_grants_access", base + "access:\n  tentative_grants_access: 'no'\n", nil, []problem{
			{6, "access.tentative_grants_access", `"no" is not true or false`}}},
		{"qr_token_type", base + "access:\n  qr_token_type: QR\n", nil, []problem{
			{6, "access.qr_token_type", `"QR" is not one of Unspecified, ProxCard`}}},

		// safety
		{"max_shrink zero", base + "safety:\n  max_shrink: 0\n", nil, []problem{
			{6, "safety.max_shrink", `"0" is out of range: more than 0 and at most 1`}}},
		{"max_shrink above one", base + "safety:\n  max_shrink: 1.5\n", nil, []problem{
			{6, "safety.max_shrink", "out of range"}}},
		{"max_shrink percent", base + "safety:\n  max_shrink: 50%\n", nil, []problem{
			{6, "safety.max_shrink", `"50%" is not a number`}}},
		{"max_shrink NaN", base + "safety:\n  max_shrink: NaN\n", nil, []problem{
			{6, "safety.max_shrink", "out of range"}}},
		{"verify_every too short", base + "safety:\n  verify_every: 30s\n", nil, []problem{
			{6, "safety.verify_every", "30s is too short (at least 1m)"}}},

		// email
		{"host required for notifications", base + "email:\n  notifications:\n    enabled: true\n    sender: a@example.com\n    text_template: t.txt\n    html_template: t.html\n", nil, []problem{
			{5, "email.smtp.host", "is required to send notifications and admin alerts"}}},
		{"host required for admins", base + "email:\n  smtp:\n    port: 25\n  admins: ops@example.com\n", nil, []problem{
			{6, "email.smtp.host", "is required"}}},
		{"host with port", base + "email:\n  smtp:\n    host: smtp.example.com:587\n", nil, []problem{
			{7, "email.smtp.host", "write the port (587) under email.smtp.port"}}},
		{"host with scheme", base + "email:\n  smtp:\n    host: smtps://smtp.example.com\n", nil, []problem{
			{7, "email.smtp.host", "without a scheme"}}},
		{"port not a number", base + "email:\n  smtp:\n    host: h\n    port: abc\n", nil, []problem{
			{8, "email.smtp.port", `"abc" is not a whole number`}}},
		{"port out of range", base + "email:\n  smtp:\n    host: h\n    port: 65536\n", nil, []problem{
			{8, "email.smtp.port", "65536 is out of range: a port is 1 to 65535"}}},
		{"security", base + "email:\n  smtp:\n    host: h\n    security: ssl\n", nil, []problem{
			{8, "email.smtp.security", `"ssl" is not one of none, starttls, tls`}}},
		{"password without username", base + "email:\n  smtp:\n    host: h\n    password: hunter22\n", nil, []problem{
			{8, "email.smtp.password", "is set but email.smtp.username is not"}}},
		{"admins bad", base + "email:\n  smtp: {host: h}\n  admins: \"ops@example.com, it@example.com; nobody\"\n", nil, []problem{
			{7, "email.admins", `"ops@example.com, it@example.com" is not an email address (separate addresses with ;)`},
			{7, "email.admins", `"nobody" is not an email address`}}},
		{"admins list entry bad", base + "email:\n  smtp: {host: h}\n  admins:\n    - ops@example.com\n    - nobody\n", nil, []problem{
			{9, "email.admins[2]", `"nobody" is not an email address`}}},
		{"notifications need a sender (templates default)", base + "email:\n  smtp: {host: h}\n  notifications:\n    enabled: true\n", nil, []problem{
			{7, "email.notifications.sender", "is required when notifications are enabled"}}},
		{"date format", base + "email:\n  smtp: {host: h}\n  notifications:\n    sender: a@b.c\n    date_format: dd-mm-yyyy\n", nil, []problem{
			{9, "email.notifications.date_format", `"dd-mm-yyyy" is not a Go time layout`}}},
		{"notifications enabled not a bool", base + "email:\n  notifications:\n    enabled: yes\n", nil, []problem{
			{7, "email.notifications.enabled", `"yes" is not true or false`}}},
		{"sender bad", base + "email:\n  smtp: {host: h}\n  notifications:\n    enabled: true\n    sender: Front desk\n    text_template: t.txt\n    html_template: t.html\n", nil, []problem{
			{9, "email.notifications.sender", `"Front desk" is not an email address or "Name <address>"`}}},
		{"subject header injection", base + "email:\n  notifications:\n    subject: \"Hello\\r\\nBcc: victim@example.com\"\n", nil, []problem{
			{7, "email.notifications.subject", "must be one line"}}},
		{"subject control character", base + "email:\n  notifications:\n    subject: \"Hello\\u0007\"\n", nil, []problem{
			{7, "email.notifications.subject", "must not contain control characters"}}},
		{"subject empty", base + "email:\n  notifications:\n    subject: ''\n", nil, []problem{
			{7, "email.notifications.subject", "is empty"}}},
		{"email unknown key", base + "email:\n  smtp:\n    hostname: h\n", nil, []problem{
			{7, "email.smtp.hostname", "did you mean host?"}}},

		// logging, status
		{"logging level", base + "logging:\n  level: verbose\n", nil, []problem{
			{6, "logging.level", `"verbose" is not one of debug, info, warn, error`}}},
		{"status listen without port", base + "status:\n  listen: 127.0.0.1\n", nil, []problem{
			{6, "status.listen", `"127.0.0.1" is not host:port`}}},
		{"status listen named port", base + "status:\n  listen: localhost:http\n", nil, []problem{
			{6, "status.listen", "has no valid port"}}},

		// service
		{"service start unknown", base + "service:\n  start: later\n", nil, []problem{
			{6, "service.start", `"later" is not one of dependency, delayed`}}},
		{"service net2_service empty", base + "service:\n  net2_service: ''\n", nil, []problem{
			{6, "service.net2_service", "is empty"}}},
		{"service net2_service with a backslash", base + "service:\n  net2_service: 'Net2\\Service'\n", nil, []problem{
			{6, "service.net2_service", "is not a Windows service name"}}},
		{"service unknown key", base + "service:\n  name: mine\n", nil, []problem{
			{6, "service.name", ""}}},

		// ${ENV}
		{"env unset", base + "net2:\n  url: https://net2/api/v1\n  operator: o\n  password: ${NET2_PASSWORD}\n", nil, []problem{
			{8, "net2.password", "environment variable NET2_PASSWORD is not set"}}},
		{"env unset inside a value", base + "access:\n  department: Booking ${SITE}\n", nil, []problem{
			{6, "access.department", "environment variable SITE is not set"}}},
		{"env unterminated", base + "access:\n  department: ${SITE\n", nil, []problem{
			{6, "access.department", "has ${ without a closing }"}}},
		{"env bad name", base + "access:\n  department: ${1X}\n", nil, []problem{
			{6, "access.department", "not an environment variable name"}}},
		{"env two unset", base + "access:\n  department: ${A}-${B}\n", nil, []problem{
			{6, "access.department", "environment variable A is not set"},
			{6, "access.department", "environment variable B is not set"}}},
		{"env value then type checked", base + "email:\n  smtp:\n    host: h\n    port: ${SMTP_PORT}\n", map[string]string{"SMTP_PORT": "five"}, []problem{
			{8, "email.smtp.port", `"five" is not a whole number`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, tt.yaml, tt.env)
			assert.Nil(t, c)
			requireProblems(t, err, tt.want...)
		})
	}
}

func TestAllProblemsReportedTogetherInLineOrder(t *testing.T) {
	text := `net2:
  url: localhost
sources:
  - type: ical
    url: ftp://x
    tenant: t
resources:
  Room: []
access:
  grace_before: 5x
  pin_length: 99
  bogus: 1
email:
  smtp:
    port: abc
`
	_, err := parse(t, text, nil)
	requireProblems(t, err,
		problem{1, "net2.operator", "is required"},
		problem{2, "net2.url", "must be an http"},
		problem{5, "sources[1].url", "unsupported scheme"},
		problem{6, "sources[1].tenant", "is a setting of outlook sources"},
		problem{8, `resources."Room"`, "maps to no doors"},
		problem{10, "access.grace_before", "is not a duration"},
		problem{11, "access.pin_length", "out of range"},
		problem{12, "access.bogus", "unknown key"},
		problem{15, "email.smtp.port", "is not a whole number"},
	)
	assert.Equal(t, `net2booking.yaml:10: access.grace_before: "5x" is not a duration (write e.g. 5m or 1h30m)`,
		err.(ErrorList)[5].Error())
	assert.Equal(t, "net2booking.yaml:1: net2.operator: ", err.Error()[:len("net2booking.yaml:1: net2.operator: ")])
	assert.Len(t, strings.Split(err.Error(), "\n"), 9, "one line per problem")

	var one *Error
	require.True(t, errors.As(err, &one))
	assert.Equal(t, 1, one.Line)
}

func TestErrorFormat(t *testing.T) {
	assert.Equal(t, "f.yaml:3: a.b: bad", (&Error{File: "f.yaml", Line: 3, Key: "a.b", Reason: "bad"}).Error())
	assert.Equal(t, "f.yaml: sources: missing", (&Error{File: "f.yaml", Key: "sources", Reason: "missing"}).Error())
	assert.Equal(t, "f.yaml:2: not YAML", (&Error{File: "f.yaml", Line: 2, Reason: "not YAML"}).Error())
	_, err := Parse(nil, "", envOf(nil))
	assert.Contains(t, err.Error(), "config: sources: ")
}

func TestEnvExpansion(t *testing.T) {
	env := map[string]string{
		"NET2_PASSWORD": "pa$$word",
		"HOST":          "net2.example.com",
		"PORT":          "2525",
		"GRACE":         "15m",
		"FLAG":          "true",
		"DOLLAR":        "${NOT_EXPANDED}",
		"EMPTY":         "",
		"ID":            "42",
	}
	c := mustParse(t, base+`net2:
  url: https://${HOST}:8443/api/v1
  operator: Price $5 $ {x} $$
  password: ${NET2_PASSWORD}
  client_id: ${DOLLAR}
email:
  smtp:
    host: ${HOST}
    port: ${PORT}
    username: "${EMPTY}"
access:
  grace_before: ${GRACE}
  wiegand26: ${FLAG}
  department: ${ID}
  always_timezone: "${HOST}"
`, env)
	assert.Equal(t, "https://net2.example.com:8443/api/v1", c.Net2.URL, "inside a longer string")
	assert.Equal(t, "Price $5 $ {x} $$", c.Net2.Operator, "a $ not followed by { stays")
	assert.Equal(t, "pa$$word", c.Net2.Password)
	assert.Equal(t, "${NOT_EXPANDED}", c.Net2.ClientID, "values are not expanded twice")
	assert.Equal(t, 2525, c.Email.SMTP.Port, "expanded before type parsing")
	assert.Equal(t, "", c.Email.SMTP.Username)
	assert.Equal(t, 15*time.Minute, c.Access.GraceBefore)
	assert.True(t, c.Access.Wiegand26)
	assert.Equal(t, NameOrID{ID: 42, IsID: true}, c.Access.Department)
	assert.Equal(t, NameOrID{Name: "net2.example.com"}, c.Access.AlwaysTimezone)
}

func TestEnvKeysAreNotExpanded(t *testing.T) {
	c := mustParse(t, "sources: [{type: ical, url: x.ics}]\nresources:\n  \"${ROOM}\": 1\n", nil)
	assert.Equal(t, "${ROOM}", c.Resources[0].Name)
}

func TestLoadUsesProcessEnvironment(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nb.yaml")
	require.NoError(t, writeFile(path, base+"net2:\n  url: https://n/api/v1\n  operator: o\n  password: ${NB_TEST_PW}\n"))
	t.Setenv("NB_TEST_PW", "from-env")
	c, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, "from-env", c.Net2.Password)
	assert.Equal(t, filepath.Join(dir, "logs"), c.Logging.Dir, "relative to the file, not the working directory")
	assert.Equal(t, path, c.Path)
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	require.Error(t, err)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	var list ErrorList
	assert.False(t, errors.As(err, &list))
}

func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n")
	for i := 1; i < 8; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	_, err := parse(t, b.String(), nil)
	requireProblems(t, err, problem{0, "", "has more than 1000000 values once its aliases (*name) are expanded"})
}
