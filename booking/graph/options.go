package graph

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/net2booking/net2booking/booking"
)

// The public cloud's endpoints, used when Options leaves them empty.
const (
	DefaultGraphEndpoint = "https://graph.microsoft.com/v1.0"
	DefaultAuthorityHost = "https://login.microsoftonline.com/"
)

// MaxConcurrency is the most requests in flight at once for one app: Outlook's limit of
// concurrent requests per app id, whatever the mailbox. It is shared by every Source and
// ListRooms call of the process with the same client id and Graph endpoint host.
const MaxConcurrency = 4

// Options configures a Source or a ListRooms call. The fields mirror the outlook entry of
// the configuration file (config.Source); the rest are for wiring and tests.
type Options struct {
	// Name identifies the source in logs, warnings and memos; empty gives "outlook (<tenant>)".
	Name string
	// Tenant is the tenant's domain (contoso.onmicrosoft.com) or id (a GUID).
	Tenant string
	// ClientID is the app registration's application (client) id.
	ClientID string
	// ClientSecret is the app registration's client secret value. It never appears in logs
	// or errors.
	ClientSecret string
	// Rooms are the room mailbox addresses to read (at least one for New; ListRooms ignores
	// them). They are lower-cased and de-duplicated.
	Rooms []string
	// IncludeAttendees makes every attendee that the room's copy of a meeting lists a person
	// of the booking, not only the organizer (resources and the selected rooms excepted).
	// The room's copy shows no attendee's response, so those who declined are included too.
	IncludeAttendees bool
	// GraphEndpoint is Graph's base URL; empty means DefaultGraphEndpoint. National and
	// private clouds set their own (https://graph.microsoft.us/v1.0,
	// https://microsoftgraph.chinacloudapi.cn/v1.0, ...). The token scope
	// (https://<host>/.default) and the hosts the token is sent to follow it.
	GraphEndpoint string
	// AuthorityHost is the Entra ID authority; empty means DefaultAuthorityHost. When it is
	// set (AuthorityHostSet, or a value other than the default), instance discovery is
	// disabled, so a private or disconnected cloud never asks the public cloud to validate it.
	AuthorityHost    string
	AuthorityHostSet bool
	// SiteLocation is the site's time zone (site.timezone), used for all-day events; nil
	// means time.Local.
	SiteLocation *time.Location
	// HTTPClient carries the requests to Entra ID and Graph (tests use it to trust a fake's
	// certificate). Only its Transport is used for Graph; nil means a default transport.
	HTTPClient *http.Client
	// Logger receives the source's log; nil discards it.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxConcurrency caps how many rooms (or room lists) this source reads at once; 0 means
	// MaxConcurrency, larger values are lowered to it. Whatever it says, the requests of all
	// sources and listings with the same client id and Graph host stay within one shared
	// limit of MaxConcurrency in flight.
	MaxConcurrency int
}

// settings is Options checked and with defaults applied.
type settings struct {
	Options
	graphBase   *url.URL // without trailing slash
	graphHost   string   // host name only (allowed hosts compare without port)
	scope       string
	authority   string // with trailing slash
	noDiscovery bool
	rooms       []string
	roomSet     map[string]bool
	log         *slog.Logger
	now         func() time.Time
	site        *time.Location
	limit       int
}

// errOptions marks a configuration mistake found before any request.
var errOptions = errors.New("invalid outlook source settings")

func (o Options) settings(needRooms bool) (*settings, error) {
	s := &settings{Options: o}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", errOptions, fmt.Sprintf(format, a...))
	}
	s.Tenant = strings.TrimSpace(o.Tenant)
	s.ClientID = strings.TrimSpace(o.ClientID)
	switch {
	case s.Tenant == "":
		return nil, bad("tenant is empty: give the tenant's domain (contoso.onmicrosoft.com) or its id")
	case !validTenant(s.Tenant):
		return nil, bad("tenant %q may contain only letters, digits, '.' and '-'", s.Tenant)
	case s.ClientID == "":
		return nil, bad("client_id is empty: give the app registration's application (client) id")
	case o.ClientSecret == "":
		return nil, bad("client_secret is empty: give the app registration's client secret value")
	}
	s.Name = strings.TrimSpace(o.Name)
	if s.Name == "" {
		s.Name = "outlook (" + s.Tenant + ")"
	}

	s.roomSet = map[string]bool{}
	for _, r := range o.Rooms {
		addr, err := booking.NormalizeEmail(r)
		if err != nil {
			return nil, bad("room %q is not a mailbox address: %v", r, err)
		}
		if !s.roomSet[addr] {
			s.roomSet[addr] = true
			s.rooms = append(s.rooms, addr)
		}
	}
	if needRooms && len(s.rooms) == 0 {
		return nil, bad("no rooms: list the room mailbox addresses to read (net2booking rooms shows them)")
	}

	endpoint := strings.TrimRight(strings.TrimSpace(o.GraphEndpoint), "/")
	if endpoint == "" {
		endpoint = DefaultGraphEndpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, bad("graph_endpoint %q is not a base URL like %s", endpoint, DefaultGraphEndpoint)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return nil, bad("graph_endpoint %q must be an https URL", endpoint)
	}
	s.graphBase, s.graphHost = u, strings.ToLower(u.Hostname())
	s.scope = "https://" + s.graphHost + "/.default"

	authority := strings.TrimSpace(o.AuthorityHost)
	if authority == "" {
		authority = DefaultAuthorityHost
	}
	au, err := url.Parse(authority)
	if err != nil || au.Scheme != "https" || au.Host == "" || au.RawQuery != "" || au.Fragment != "" || au.User != nil {
		return nil, bad("authority_host %q must be an https URL like %s", authority, DefaultAuthorityHost)
	}
	if !strings.HasSuffix(authority, "/") {
		authority += "/"
	}
	s.authority = authority
	s.noDiscovery = o.AuthorityHostSet || !strings.EqualFold(authority, DefaultAuthorityHost)

	s.log = o.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("source", s.Name)
	s.now = o.Now
	if s.now == nil {
		s.now = time.Now
	}
	s.site = o.SiteLocation
	if s.site == nil {
		s.site = time.Local
	}
	s.limit = o.MaxConcurrency
	if s.limit <= 0 || s.limit > MaxConcurrency {
		s.limit = MaxConcurrency
	}
	return s, nil
}

// validTenant mirrors azidentity's rule for tenant ids, so the error is ours and clear.
func validTenant(t string) bool {
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	return t != ""
}

// isLoopback reports whether host is a loopback name or address; plain http is accepted only
// there (tests, a local proxy), as the SDK itself does.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isRoom reports whether addr is one of the selected rooms.
func (s *settings) isRoom(addr string) bool { return s.roomSet[addr] }
