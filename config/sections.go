package config

import (
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones on hosts without a zone database (Windows)

	"go.yaml.in/yaml/v3"
)

// Defaults and limits that other packages may want to show or compare against.
const (
	// DefaultGraphEndpoint is the Microsoft Graph base of an outlook source without graph_endpoint.
	DefaultGraphEndpoint = "https://graph.microsoft.com/v1.0"
	// DefaultAuthorityHost is the Entra sign-in host of an outlook source without authority_host.
	DefaultAuthorityHost = "https://login.microsoftonline.com/"
	// DefaultSubject is the notification subject when email.notifications.subject is absent.
	DefaultSubject = "Access to the resource you booked"
	// MaxQRNumber is the largest QR number: Net2 token numbers carry at most 8 digits.
	MaxQRNumber = 99999999
	// MaxWiegand26Number is the largest number a 26-bit Wiegand reader carries (16 bits).
	MaxWiegand26Number = 65535
	// MemoField is the Net2 user field id of the memo (Notes), which holds the booking record
	// and so cannot be the marker field.
	MemoField = 13
)

// tokenTypes are Net2's token type names, canonical spelling.
var tokenTypes = []string{
	"Unspecified", "ProxCard", "ProxIsoCard", "Keyfob", "HandsFreeToken", "Watchprox",
	"ProxIsoCardWithoutMagstripe", "VehicleNumberPlate", "HandsFreeKeyCard",
	"FingerprintVerificationCard", "TelephoneCallerId",
}

// TokenTypes returns the Net2 token type names access.qr_token_type accepts, in their
// canonical spelling (the file may use any case).
func TokenTypes() []string { return append([]string(nil), tokenTypes...) }

// ---- net2 ----

func (p *parser) net2(top *section) Net2 {
	s := p.sub(top, "net2", []string{"url", "operator", "password", "client_id", "tls", "permission_ids", "cache_file"})
	n := Net2{Present: s.present, PermissionIDs: PermissionAreas, CacheFile: p.path("net2booking.cache.json")}
	if !s.present {
		return n
	}
	var ids string
	if s.enum("permission_ids", &ids, string(PermissionAreas), string(PermissionDoors)) {
		n.PermissionIDs = PermissionIDs(ids)
	}
	if v, given, ok := s.value("cache_file", false); given && ok {
		if strings.TrimSpace(v.text) == "" {
			p.errorf(v.line, v.path, "is empty: give a file path, or leave the key out for net2booking.cache.json next to this file")
		} else {
			n.CacheFile = p.path(strings.TrimSpace(v.text))
		}
	}
	if v, given, ok := s.value("url", false); !given {
		p.errorf(s.keyLine("url"), s.child("url"), "is required in the net2 section (e.g. https://localhost:8443/api/v1)")
	} else if ok {
		if u, why := baseURL(v.text, false); why != "" {
			p.errorf(v.line, v.path, "%s, such as https://localhost:8443/api/v1 (or http://localhost:8080/api/v1)", why)
		} else {
			n.URL = u
		}
	}
	if v, given, ok := s.value("operator", false); !given || (ok && strings.TrimSpace(v.text) == "") {
		p.errorf(s.keyLine("operator"), s.child("operator"), `is required in the net2 section: the Net2 operator name, "First Last" (e.g. System engineer)`)
	} else if ok {
		n.Operator = v.text
	}
	s.str("password", &n.Password, true)
	s.str("client_id", &n.ClientID, true)

	t := p.sub(s, "tls", []string{"insecure_skip_verify", "pin_sha256"})
	t.boolean("insecure_skip_verify", &n.TLS.InsecureSkipVerify)
	if v, given, ok := t.value("pin_sha256", false); given && ok && strings.TrimSpace(v.text) != "" {
		pin := strings.ToLower(strings.NewReplacer(":", "", " ", "", "\t", "").Replace(v.text))
		if _, err := hex.DecodeString(pin); err != nil || len(pin) != 64 {
			p.errorf(v.line, v.path, "must be 64 hexadecimal digits, the SHA-256 of the server certificate (colons and spaces allowed), or empty for none")
		} else {
			n.TLS.PinSHA256 = pin
			if strings.HasPrefix(strings.ToLower(n.URL), "http://") {
				p.errorf(v.line, v.path, "a certificate pin needs an https:// net2.url (this one is plain http)")
			}
		}
	}
	return n
}

// baseURL checks an absolute http(s) URL (https only when httpsOnly) used as an API base and
// returns it without trailing slashes. The reason never quotes the value.
func baseURL(text string, httpsOnly bool) (string, string) {
	text = strings.TrimSpace(text)
	u, err := url.Parse(text)
	want := "must be an http:// or https:// URL"
	if httpsOnly {
		want = "must be an https:// URL"
	}
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return "", want
	case u.Scheme != "https" && (httpsOnly || u.Scheme != "http"):
		return "", want
	case u.User != nil:
		return "", want + " without a user name or password in it"
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", want + " without ?query or #fragment"
	}
	return strings.TrimRight(text, "/"), ""
}

// ---- site ----

func (p *parser) site(top *section) Site {
	s := p.sub(top, "site", []string{"timezone"})
	site := Site{Location: time.Local}
	if v, given, ok := s.value("timezone", false); given && ok && strings.TrimSpace(v.text) != "" {
		loc, err := time.LoadLocation(strings.TrimSpace(v.text))
		if err != nil {
			p.errorf(v.line, v.path, "%s is not a known time zone (use an IANA name such as Europe/Amsterdam)", v.quoted())
		} else {
			site.Location = loc
		}
	}
	return site
}

// ---- sources ----

var (
	icalKeys    = []string{"type", "name", "previous_names", "dialect", "url"}
	outlookKeys = []string{"type", "name", "previous_names", "tenant", "client_id", "client_secret", "rooms",
		"include_attendees", "graph_endpoint", "authority_host"}
	allSourceKeys = []string{"type", "name", "previous_names", "dialect", "url", "tenant", "client_id", "client_secret",
		"rooms", "include_attendees", "graph_endpoint", "authority_host"}
)

// foreignKeys explains, for each key of the other source type, why it is refused.
func foreignKeys(own SourceType, ownKeys []string, other SourceType, otherKeys []string) map[string]string {
	m := map[string]string{}
	for _, k := range otherKeys {
		if !contains(ownKeys, k) {
			m[k] = fmt.Sprintf("is a setting of %s sources, not of this %s source", other, own)
		}
	}
	return m
}

// sourceMeta keeps what name checking needs about one entry.
type sourceMeta struct {
	path     string
	given    bool // the name was given in the file
	nameLine int
}

func (p *parser) sources(top *section) []Source {
	f := top.fields["sources"]
	if f == nil || isNull(f.val) {
		p.errorf(top.keyLine("sources"), "sources", "at least one booking source is required (an ical feed or outlook rooms)")
		return nil
	}
	if f.val.Kind != yaml.SequenceNode {
		p.errorf(f.valueLine(), f.path, "must be a list of sources, each starting with - (e.g. - type: ical)")
		return nil
	}
	if len(f.val.Content) == 0 {
		p.errorf(f.valueLine(), f.path, "at least one booking source is required (an ical feed or outlook rooms)")
		return nil
	}
	var out []Source
	var metas []sourceMeta
	for i, item := range f.val.Content {
		src, meta, ok := p.source(resolve(item), fmt.Sprintf("sources[%d]", i+1), i+1, f.line)
		if ok {
			out = append(out, src)
			metas = append(metas, meta)
		}
	}
	// Bookings are recorded in Net2 under their source's name, so the name must not change
	// when the list is edited: with several sources each needs one; a single source without
	// one is known by its type.
	for i := range out {
		if metas[i].given {
			continue
		}
		if len(out) > 1 {
			p.errorf(metas[i].nameLine, metas[i].path+".name", "is required when there are several sources: bookings are recorded in Net2 under the source's name, which must stay the same when the list is reordered or a URL changes (e.g. name: skedda)")
		}
		out[i].Name = string(out[i].Type)
	}
	// Names and previous names must be unique, case-insensitively.
	seen := map[string]int{}
	for i := range out {
		names := out[i].PreviousNames
		if metas[i].given || len(out) == 1 {
			names = append([]string{out[i].Name}, names...)
		}
		for k, name := range names {
			if !metas[i].given && len(out) == 1 {
				k++ // the type is no given name; only previous names follow
			}
			key := strings.ToLower(name)
			if j, dup := seen[key]; dup {
				what := ".name"
				if k > 0 {
					what = ".previous_names"
				}
				if j == i {
					p.errorf(metas[i].nameLine, metas[i].path+what, "%q is listed twice", name)
				} else {
					p.errorf(metas[i].nameLine, metas[i].path+what, "%q is already a name of %s (line %d): source names and previous names must be unique",
						name, metas[j].path, out[j].Line)
				}
				continue
			}
			seen[key] = i
		}
	}
	return out
}

// source parses one entry of sources; idx counts from 1.
func (p *parser) source(n *yaml.Node, path string, idx, listLine int) (Source, sourceMeta, bool) {
	meta := sourceMeta{path: path}
	if isNull(n) {
		p.errorf(listLine, path, "is empty: a source needs at least a type (ical or outlook)")
		return Source{}, meta, false
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, path, "must be a section of keys (type: and its settings), not %s", kindName(n))
		return Source{}, meta, false
	}
	src := Source{Line: n.Line}
	meta.nameLine = n.Line

	// The type decides which keys are allowed, so read it first.
	var typeNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k.Kind == yaml.ScalarNode && k.Value == "type" {
			typeNode = n.Content[i+1]
			break
		}
	}
	known, foreign := allSourceKeys, map[string]string(nil)
	typeOK := false
	if isNull(typeNode) {
		line := n.Line
		if typeNode != nil {
			line = typeNode.Line
		}
		p.errorf(line, path+".type", "is required: ical or outlook")
	} else if v, ok := p.scalarOf(typeNode, path+".type", n.Line, false); ok {
		switch strings.ToLower(strings.TrimSpace(v.text)) {
		case string(SourceICal):
			src.Type, typeOK = SourceICal, true
			known, foreign = icalKeys, foreignKeys(SourceICal, icalKeys, SourceOutlook, outlookKeys)
		case string(SourceOutlook):
			src.Type, typeOK = SourceOutlook, true
			known, foreign = outlookKeys, foreignKeys(SourceOutlook, outlookKeys, SourceICal, icalKeys)
		default:
			p.errorf(v.line, v.path, "%s is not one of ical, outlook", v.quoted())
		}
	}
	s := p.section(n, path, n.Line, known, foreign)
	if v, given, ok := s.value("name", false); given && ok {
		meta.nameLine = v.line
		if strings.TrimSpace(v.text) == "" {
			p.errorf(v.line, v.path, "is empty (leave the key out for a generated name)")
		} else {
			src.Name, meta.given = v.text, true
		}
	}
	if f, items, given, ok := s.list("previous_names", true); given && ok {
		for i, item := range items {
			v, ok := p.scalarOf(item, fmt.Sprintf("%s[%d]", f.path, i+1), f.valueLine(), false)
			if !ok {
				continue
			}
			if strings.TrimSpace(v.text) == "" {
				p.errorf(v.line, v.path, "is empty: give the name the source had before")
				continue
			}
			src.PreviousNames = append(src.PreviousNames, v.text)
		}
	}
	if !typeOK {
		return src, meta, false
	}
	switch src.Type {
	case SourceICal:
		p.icalSource(s, &src)
	case SourceOutlook:
		p.outlookSource(s, &src)
	}
	return src, meta, true
}

// icalSource reads the keys of an ical source and returns a non-secret hint for its name.
func (p *parser) icalSource(s *section, src *Source) string {
	var d string
	src.Dialect = DialectAuto
	if s.enum("dialect", &d, string(DialectSkedda), string(DialectBooked), string(DialectAuto)) {
		src.Dialect = Dialect(d)
	}
	v, given, ok := s.value("url", true)
	if !given || (ok && strings.TrimSpace(v.text) == "") {
		p.errorf(s.keyLine("url"), s.child("url"), "is required: the feed's http(s) URL, a file:// URL or a local file path")
		return ""
	}
	if !ok {
		return ""
	}
	u, hint, why := p.feedURL(strings.TrimSpace(v.text))
	if why != "" {
		p.errorf(v.line, v.path, "%s; the value is not shown, as feed URLs are secret", why)
		return ""
	}
	src.URL = u
	return hint
}

var scheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]+):`)

// feedURL normalises the url of an ical source: http(s) URLs are kept, webcal(s) becomes
// https, file URLs and paths become absolute paths. It returns the stored form, a non-secret
// hint for the generated name, or a reason (never quoting the value).
func (p *parser) feedURL(text string) (stored, hint, why string) {
	m := scheme.FindStringSubmatch(text)
	if m == nil { // a local path (C:\... has a one-letter "scheme" and lands here too)
		path := p.path(text)
		return path, filepath.Base(path), ""
	}
	u, err := url.Parse(text)
	if err != nil {
		return "", "", "is not a valid URL"
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "webcal", "webcals":
		p.secrets = append(p.secrets, urlSecrets(text)...)
		if u.Host == "" || u.Opaque != "" {
			return "", "", "is not a valid URL: it has no host (write e.g. https://host/path)"
		}
		if s := strings.ToLower(u.Scheme); s == "webcal" || s == "webcals" {
			text = "https" + text[len(u.Scheme):]
			p.secrets = append(p.secrets, urlSecrets(text)...)
		}
		return text, u.Hostname(), ""
	case "file":
		if u.Host != "" && !strings.EqualFold(u.Host, "localhost") {
			return "", "", "is a file:// URL naming a host: write file:///path/to/feed.ics or just the path"
		}
		path := u.Path
		if u.Opaque != "" { // file:bookings.ics
			path = u.Opaque
			if unesc, err := url.PathUnescape(path); err == nil {
				path = unesc
			}
		}
		if path == "" {
			return "", "", "is a file:// URL without a path"
		}
		if runtime.GOOS == "windows" && len(path) >= 3 && path[0] == '/' && path[2] == ':' {
			path = path[1:] // file:///C:/feeds/x.ics
		}
		path = p.path(filepath.FromSlash(path))
		return path, filepath.Base(path), ""
	default:
		return "", "", fmt.Sprintf("has the unsupported scheme %q: use an http(s):// URL, a file:// URL or a local file path", u.Scheme)
	}
}

var (
	guid   = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)
	domain = regexp.MustCompile(`^(?i)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// outlookSource reads the keys of an outlook source and returns the tenant as name hint.
func (p *parser) outlookSource(s *section, src *Source) string {
	src.GraphEndpoint, src.AuthorityHost = DefaultGraphEndpoint, DefaultAuthorityHost
	var hint string
	if v, given, ok := s.value("tenant", false); !given || (ok && strings.TrimSpace(v.text) == "") {
		p.errorf(s.keyLine("tenant"), s.child("tenant"), "is required: the tenant's domain (contoso.onmicrosoft.com) or tenant id (a GUID)")
	} else if ok {
		t := strings.TrimSpace(v.text)
		if !guid.MatchString(t) && !domain.MatchString(t) {
			p.errorf(v.line, v.path, "%s is neither a domain (contoso.onmicrosoft.com) nor a tenant id (a GUID)", v.quoted())
		} else {
			src.Tenant, hint = t, t
		}
	}
	if v, given, ok := s.value("client_id", false); !given || (ok && strings.TrimSpace(v.text) == "") {
		p.errorf(s.keyLine("client_id"), s.child("client_id"), "is required: the application (client) id of the app registration, a GUID")
	} else if ok {
		if t := strings.TrimSpace(v.text); !guid.MatchString(t) {
			p.errorf(v.line, v.path, "must be a GUID like 11111111-2222-3333-4444-555555555555 (the application (client) id of the app registration)")
		} else {
			src.ClientID = t
		}
	}
	if v, given, ok := s.value("client_secret", true); !given || (ok && v.text == "") {
		p.errorf(s.keyLine("client_secret"), s.child("client_secret"), "is required: a client secret of the app registration (write ${VARIABLE} to take it from the environment)")
	} else if ok {
		src.ClientSecret = v.text
	}
	p.rooms(s, src)
	s.boolean("include_attendees", &src.IncludeAttendees)
	if v, given, ok := s.value("graph_endpoint", false); given && ok {
		if u, why := baseURL(v.text, true); why != "" {
			p.errorf(v.line, v.path, "%s, such as %s", why, DefaultGraphEndpoint)
		} else {
			src.GraphEndpoint = u
		}
	}
	if v, given, ok := s.value("authority_host", false); given && ok {
		if u, why := baseURL(v.text, true); why != "" {
			p.errorf(v.line, v.path, "%s, such as %s", why, DefaultAuthorityHost)
		} else {
			src.AuthorityHost, src.AuthorityHostSet = u+"/", true
		}
	}
	return hint
}

// rooms reads the room mailboxes of an outlook source.
func (p *parser) rooms(s *section, src *Source) {
	f, items, given, ok := s.list("rooms", true)
	if !given {
		p.errorf(s.keyLine("rooms"), s.child("rooms"), "is required: the room mailboxes to read (list them with `net2booking rooms`)")
		return
	}
	if !ok {
		return
	}
	if len(items) == 0 {
		p.errorf(f.valueLine(), f.path, "must list at least one room mailbox (list them with `net2booking rooms`)")
		return
	}
	seen := map[string]bool{}
	for i, item := range items {
		path := f.path
		if f.val.Kind == yaml.SequenceNode {
			path = fmt.Sprintf("%s[%d]", f.path, i+1)
		}
		if isNull(item) {
			p.errorf(f.valueLine(), path, "is empty: give a room mailbox address")
			continue
		}
		v, ok := p.scalarOf(item, path, f.valueLine(), false)
		if !ok {
			continue
		}
		addr := strings.TrimSpace(v.text)
		if a, err := mail.ParseAddress(addr); err != nil || a.Name != "" || a.Address != addr {
			p.errorf(v.line, v.path, "%s is not an email address (a room mailbox, e.g. room1@contoso.com)", v.quoted())
			continue
		}
		addr = strings.ToLower(addr)
		if seen[addr] {
			p.errorf(v.line, v.path, "%s is listed twice", v.quoted())
			continue
		}
		seen[addr] = true
		src.Rooms = append(src.Rooms, addr)
	}
}

// ---- resources ----

func (p *parser) resources(top *section, grant Grant) []Resource {
	what, example, lo := "doors", "[1484506, 6612642] or [Front door, Studio 1]", int64(1)
	if grant == GrantAccessLevels {
		what, example, lo = "access levels", "[Studio 1 bookers] or [3]", 0
	}
	need := fmt.Sprintf("at least one resource is required: map each booking-system resource name to its Net2 %s (names or ids)", what)
	f := top.fields["resources"]
	if f == nil || isNull(f.val) {
		p.errorf(top.keyLine("resources"), "resources", "%s", need)
		return nil
	}
	s := p.section(f.val, "resources", f.line, nil, nil)
	if !s.present {
		return nil
	}
	if len(s.order) == 0 {
		p.errorf(f.valueLine(), "resources", "%s", need)
		return nil
	}
	var out []Resource
	for _, rf := range s.order {
		if strings.TrimSpace(rf.name) == "" {
			p.errorf(rf.line, rf.path, "a resource name must not be empty")
			continue
		}
		r := Resource{Name: rf.name, Line: rf.line}
		var items []*yaml.Node
		switch {
		case isNull(rf.val):
		case rf.val.Kind == yaml.SequenceNode:
			items = rf.val.Content
		case rf.val.Kind == yaml.ScalarNode:
			items = []*yaml.Node{rf.val}
		default:
			p.errorf(rf.valueLine(), rf.path, "must be a list of Net2 %s, e.g. %s, not %s", what, example, kindName(rf.val))
			continue
		}
		if len(items) == 0 {
			p.errorf(rf.valueLine(), rf.path, "maps to no %s: list at least one (name or id)", what)
			continue
		}
		bad := false
		seen := map[string]bool{}
		for i, item := range items {
			path := rf.path
			if rf.val.Kind == yaml.SequenceNode {
				path = fmt.Sprintf("%s[%d]", rf.path, i+1)
			}
			t, ok := p.target(item, path, rf.valueLine(), what, lo)
			if !ok {
				bad = true
				continue
			}
			key := strings.ToLower(t.String())
			if seen[key] {
				p.errorf(resolve(item).Line, path, "%s is listed twice", t)
				bad = true
				continue
			}
			seen[key] = true
			r.Targets = append(r.Targets, t)
			if t.IsID {
				r.Doors = append(r.Doors, t.ID)
			}
		}
		if !bad {
			out = append(out, r)
		}
	}
	return out
}

// target reads one door or access level of a resource: a whole number is an id (a door's
// ACU serial number, or an access level id), anything else a name.
func (p *parser) target(item *yaml.Node, path string, line int, what string, lo int64) (NameOrID, bool) {
	if isNull(item) {
		p.errorf(line, path, "is empty: give a Net2 %s name or id", what)
		return NameOrID{}, false
	}
	v, ok := p.scalarOf(item, path, line, false)
	if !ok {
		return NameOrID{}, false
	}
	text := strings.TrimSpace(v.text)
	if v.yamlInt() || (text != "" && strings.Trim(text, "0123456789") == "") {
		n, err := parseInt(v)
		if err != nil || n < lo || n > math.MaxInt32 {
			p.errorf(v.line, v.path, "%s is not a valid id: Net2 %s ids are whole numbers from %d to %d", v.quoted(), what, lo, math.MaxInt32)
			return NameOrID{}, false
		}
		return NameOrID{ID: int(n), IsID: true}, true
	}
	if text == "" {
		p.errorf(v.line, v.path, "is empty: give a Net2 %s name or id", what)
		return NameOrID{}, false
	}
	if strings.Contains(text, ",") && strings.Trim(strings.NewReplacer(",", "", " ", "").Replace(text), "0123456789") == "" {
		p.errorf(v.line, v.path, "%s is not one id: write several as a list, e.g. %s", v.quoted(), example(what))
		return NameOrID{}, false
	}
	return NameOrID{Name: text}, true
}

func example(what string) string {
	if what == "doors" {
		return "[1484506, 6612642]"
	}
	return "[2, 3]"
}

// ---- access ----

var accessKeys = []string{"grant", "identifier", "pin_length", "qr_range", "wiegand26", "department",
	"marker_field", "fallback_access_level", "remove_after_days", "grace_before", "grace_after",
	"fetch_interval", "lookahead_days", "tentative_grants_access", "always_timezone", "qr_token_type"}

func (p *parser) access(top *section) Access {
	s := p.sub(top, "access", accessKeys)
	a := Access{
		Identifier:          IdentifierPIN,
		PINLength:           6,
		QRRange:             [2]int64{1, MaxQRNumber},
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
		Grant:               GrantIndividual,
	}
	var grant string
	if s.enum("grant", &grant, string(GrantIndividual), string(GrantAccessLevels)) {
		a.Grant = Grant(grant)
	}
	var id string
	if s.enum("identifier", &id, string(IdentifierManual), string(IdentifierPIN), string(IdentifierQR)) {
		a.Identifier = IdentifierKind(id)
	}
	s.integer("pin_length", &a.PINLength, 4, 8, "a PIN has 4 to 8 digits")

	// qr_range, then wiegand26, which narrows the default and bounds an explicit range.
	rangeGiven, rangeOK := false, false
	var rangeField *field
	if f, items, given, ok := s.list("qr_range", false); given && ok {
		rangeGiven, rangeField = true, f
		if len(items) != 2 {
			p.errorf(f.valueLine(), f.path, "must be a list of two numbers, [lowest, highest], e.g. [1, 99999999]")
		} else {
			var lohi [2]int64
			good := true
			for i, item := range items {
				path := fmt.Sprintf("%s[%d]", f.path, i+1)
				if isNull(item) {
					p.errorf(f.valueLine(), path, "is empty: give a whole number")
					good = false
					continue
				}
				v, ok := p.scalarOf(item, path, f.valueLine(), false)
				if !ok {
					good = false
					continue
				}
				n, err := parseInt(v)
				if err != nil {
					p.errorf(v.line, v.path, "%v", err)
					good = false
					continue
				}
				lohi[i] = n
			}
			switch {
			case !good:
			case lohi[0] < 1:
				p.errorf(f.valueLine(), f.path, "the lowest number, %d, must be at least 1", lohi[0])
			case lohi[1] > MaxQRNumber:
				p.errorf(f.valueLine(), f.path, "the highest number, %d, must be at most %d (Net2 token numbers have at most 8 digits)", lohi[1], MaxQRNumber)
			case lohi[0] > lohi[1]:
				p.errorf(f.valueLine(), f.path, "the lowest number, %d, is above the highest, %d", lohi[0], lohi[1])
			default:
				a.QRRange, rangeOK = lohi, true
			}
		}
	}
	s.boolean("wiegand26", &a.Wiegand26)
	if a.Wiegand26 {
		switch {
		case !rangeGiven:
			a.QRRange = [2]int64{1, MaxWiegand26Number}
		case rangeOK && a.QRRange[1] > MaxWiegand26Number:
			p.errorf(rangeField.valueLine(), rangeField.path, "[%d, %d] goes above %d, the largest number a 26-bit Wiegand reader carries (access.wiegand26 is true)",
				a.QRRange[0], a.QRRange[1], MaxWiegand26Number)
		}
	}

	s.nameOrID("department", &a.Department, 0, math.MaxInt32)
	if v, ok := s.nameOrID("marker_field", &a.MarkerField, 1, 14); ok && a.MarkerField.IsID && a.MarkerField.ID == MemoField {
		p.errorf(v.line, v.path, "user field 13 is the memo (Notes), which holds the bookings: choose another field (1-12 or 14)")
		a.MarkerField = NameOrID{Name: "Position"}
	}
	s.nameOrID("fallback_access_level", &a.FallbackAccessLevel, 0, math.MaxInt32)
	s.integer("remove_after_days", &a.RemoveAfterDays, -1, math.MaxInt32, "write -1 (never remove) or a number of days, 0 or more")
	s.duration("grace_before", &a.GraceBefore, 0, 24*time.Hour)
	s.duration("grace_after", &a.GraceAfter, 0, 24*time.Hour)
	s.duration("fetch_interval", &a.FetchInterval, 30*time.Second, 0)
	s.integer("lookahead_days", &a.LookaheadDays, 1, 366, "1 to 366 days")
	s.boolean("tentative_grants_access", &a.TentativeGrantsAccess)
	s.nameOrID("always_timezone", &a.AlwaysTimezone, 0, math.MaxInt32)
	s.enum("qr_token_type", &a.QRTokenType, tokenTypes...)
	return a
}

// ---- safety ----

func (p *parser) safety(top *section) Safety {
	s := p.sub(top, "safety", []string{"max_shrink", "verify_every"})
	sf := Safety{MaxShrink: 0.5, VerifyEvery: time.Hour}
	if v, given, ok := s.value("max_shrink", false); given && ok {
		x, err := strconv.ParseFloat(strings.TrimSpace(v.text), 64)
		switch {
		case err != nil:
			p.errorf(v.line, v.path, "%s is not a number (a share of the bookings, e.g. 0.5 for half)", v.quoted())
		case !(x > 0 && x <= 1):
			p.errorf(v.line, v.path, "%s is out of range: more than 0 and at most 1 (0.5 = half of the bookings)", v.quoted())
		default:
			sf.MaxShrink = x
		}
	}
	s.duration("verify_every", &sf.VerifyEvery, time.Minute, 0)
	return sf
}

// ---- email ----

func (p *parser) email(top *section) Email {
	s := p.sub(top, "email", []string{"smtp", "admins", "notifications"})
	e := Email{
		Present:       s.present,
		SMTP:          SMTP{Security: SMTPStartTLS},
		Notifications: Notifications{Subject: DefaultSubject},
	}
	smtp := p.sub(s, "smtp", []string{"host", "port", "security", "username", "password"})
	errsBefore := len(p.errs)
	if v, given, ok := smtp.value("host", false); given && ok {
		h := strings.TrimSpace(v.text)
		_, port, err := net.SplitHostPort(h)
		switch {
		case strings.Contains(h, "://"):
			p.errorf(v.line, v.path, "%s must be a host name only, without a scheme (set email.smtp.security instead)", v.quoted())
		case err == nil:
			p.errorf(v.line, v.path, "%s must be a host name only: write the port (%s) under email.smtp.port", v.quoted(), port)
		case h == "" || strings.ContainsAny(h, " \t/"):
			p.errorf(v.line, v.path, "%s is not a host name", v.quoted())
		default:
			e.SMTP.Host = h
		}
	}
	hostBad := len(p.errs) > errsBefore
	var sec string
	if smtp.enum("security", &sec, string(SMTPNone), string(SMTPStartTLS), string(SMTPTLS)) {
		e.SMTP.Security = SMTPSecurity(sec)
	}
	e.SMTP.Port = map[SMTPSecurity]int{SMTPNone: 25, SMTPStartTLS: 587, SMTPTLS: 465}[e.SMTP.Security]
	smtp.integer("port", &e.SMTP.Port, 1, 65535, "a port is 1 to 65535")
	smtp.str("username", &e.SMTP.Username, false)
	if v, ok := smtp.str("password", &e.SMTP.Password, true); ok && v.text != "" && strings.TrimSpace(e.SMTP.Username) == "" {
		p.errorf(v.line, v.path, "is set but email.smtp.username is not: give both, or neither")
	}

	e.Admins = p.admins(s)

	n := p.sub(s, "notifications", []string{"enabled", "sender", "subject", "text_template", "html_template", "date_format"})
	n.boolean("enabled", &e.Notifications.Enabled)
	bad := map[string]bool{} // keys already reported, not to be called missing as well
	read := func(key string, fn func()) {
		before := len(p.errs)
		fn()
		bad[key] = len(p.errs) > before
	}
	read("sender", func() {
		v, ok := n.str("sender", &e.Notifications.Sender, false)
		e.Notifications.Sender = strings.TrimSpace(e.Notifications.Sender)
		if ok && e.Notifications.Sender != "" {
			if _, err := mail.ParseAddress(e.Notifications.Sender); err != nil {
				p.errorf(v.line, v.path, `%s is not an email address or "Name <address>"`, v.quoted())
				e.Notifications.Sender = ""
			}
		}
	})
	if v, ok := n.str("subject", &e.Notifications.Subject, false); ok {
		switch {
		case strings.TrimSpace(v.text) == "":
			p.errorf(v.line, v.path, "is empty (leave the key out for the default subject)")
			e.Notifications.Subject = DefaultSubject
		case strings.ContainsAny(v.text, "\r\n"):
			p.errorf(v.line, v.path, "must be one line: a line break would let text into the mail headers")
			e.Notifications.Subject = DefaultSubject
		case strings.IndexFunc(v.text, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) >= 0:
			p.errorf(v.line, v.path, "must not contain control characters")
			e.Notifications.Subject = DefaultSubject
		}
	}
	for _, t := range []struct {
		key string
		dst *string
	}{{"text_template", &e.Notifications.TextTemplate}, {"html_template", &e.Notifications.HTMLTemplate}} {
		read(t.key, func() {
			if _, ok := n.str(t.key, t.dst, false); ok && strings.TrimSpace(*t.dst) != "" {
				*t.dst = p.path(strings.TrimSpace(*t.dst))
			} else {
				*t.dst = ""
			}
		})
	}
	if v, ok := n.str("date_format", &e.Notifications.DateFormat, false); ok {
		ref := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
		if strings.TrimSpace(v.text) == "" || ref.Format(v.text) == v.text {
			p.errorf(v.line, v.path, `%s is not a Go time layout: write the reference time 2006-01-02 15:04 the way dates should look, e.g. "Monday 2 January 2006 15:04" or "02/01/2006 15:04"`, v.quoted())
			e.Notifications.DateFormat = ""
		}
	}
	if e.Notifications.Enabled {
		for _, req := range []struct{ key, val, what string }{
			{"sender", e.Notifications.Sender, `the From of the emails, "Name <address>" or an address`},
		} {
			if req.val == "" && !bad[req.key] {
				p.errorf(n.keyLine(req.key), n.child(req.key), "is required when notifications are enabled: %s", req.what)
			}
		}
	}
	if (e.Notifications.Enabled || len(e.Admins) > 0) && e.SMTP.Host == "" && !hostBad {
		p.errorf(smtp.keyLine("host"), smtp.child("host"), "is required to send notifications and admin alerts")
	}
	return e
}

// admins reads email.admins: a semicolon-separated string, or a list (of such strings).
func (p *parser) admins(s *section) []string {
	f, items, given, ok := s.list("admins", true)
	if !given || !ok {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for i, item := range items {
		path := f.path
		if f.val.Kind == yaml.SequenceNode {
			path = fmt.Sprintf("%s[%d]", f.path, i+1)
		}
		if isNull(item) {
			continue
		}
		v, ok := p.scalarOf(item, path, f.valueLine(), false)
		if !ok {
			continue
		}
		for _, part := range strings.Split(v.text, ";") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			a, err := mail.ParseAddress(part)
			if err != nil {
				hint := ""
				if strings.Contains(part, ",") {
					hint = " (separate addresses with ;)"
				}
				p.errorf(v.line, v.path, "%q is not an email address%s", part, hint)
				continue
			}
			if key := strings.ToLower(a.Address); !seen[key] {
				seen[key] = true
				out = append(out, a.Address)
			}
		}
	}
	return out
}

// ---- logging, status ----

func (p *parser) logging(top *section) Logging {
	s := p.sub(top, "logging", []string{"dir", "level"})
	l := Logging{Dir: p.path("logs"), Level: "info"}
	if v, given, ok := s.value("dir", false); given && ok && strings.TrimSpace(v.text) != "" {
		l.Dir = p.path(strings.TrimSpace(v.text))
	}
	s.enum("level", &l.Level, "debug", "info", "warn", "error")
	return l
}

func (p *parser) status(top *section) Status {
	s := p.sub(top, "status", []string{"listen", "token"})
	var st Status
	s.str("token", &st.Token, true)
	if v, given, ok := s.value("listen", false); given && ok && strings.TrimSpace(v.text) != "" {
		addr := strings.TrimSpace(v.text)
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			p.errorf(v.line, v.path, "%s is not host:port (e.g. 127.0.0.1:8089; leave empty for off)", v.quoted())
			return st
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			p.errorf(v.line, v.path, "%s has no valid port: give a number from 1 to 65535", v.quoted())
			return st
		}
		st.Listen = addr
	}
	return st
}

// ---- service ----

func (p *parser) service(top *section) Service {
	s := p.sub(top, "service", []string{"start", "net2_service"})
	sv := Service{Start: ServiceStartDependency, Net2Service: DefaultNet2Service}
	s.enum("start", &sv.Start, ServiceStartDependency, ServiceStartDelayed)
	if v, given, ok := s.value("net2_service", false); given && ok {
		name := strings.TrimSpace(v.text)
		switch {
		case name == "":
			p.errorf(v.line, v.path, "is empty: give the Windows service name of Net2 (%q by default), or leave the key out", DefaultNet2Service)
		case strings.ContainsAny(name, `/\`) || strings.IndexFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0:
			p.errorf(v.line, v.path, "%s is not a Windows service name (no slashes or control characters)", v.quoted())
		case len(name) > 256:
			p.errorf(v.line, v.path, "is longer than the 256 characters of a Windows service name")
		default:
			sv.Net2Service = name
		}
	}
	return sv
}
