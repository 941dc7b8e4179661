package config

import (
	"strconv"
	"time"
)

// Config is a whole, validated configuration file.
type Config struct {
	// Path is the file the configuration was read from, made absolute; relative paths in it
	// (local feeds, templates, log folder) are resolved against its directory.
	Path string

	Net2      Net2
	Site      Site
	Sources   []Source
	Resources []Resource // in file order
	Access    Access
	Safety    Safety
	Email     Email
	Logging   Logging
	Status    Status
	Service   Service
}

// Net2 is how to reach and log in to the Net2 Local API. Present reports whether the file has
// a net2 section at all: preview and validate work without one; commands that talk to Net2
// require it.
type Net2 struct {
	Present  bool
	URL      string // base, e.g. https://localhost:8443/api/v1 (http or https; no trailing slash)
	Operator string // "First Last"; required when Present
	Password string // secret; may be empty
	ClientID string // secret-ish: the licence file's name; may be empty
	TLS      TLS
	// PermissionIDs is what Net2 expects in individualPermissions[].id on this server:
	// reader-area ids (PermissionAreas, the default and the likely truth) or door ids (ACU
	// serials). `net2booking check --live` finds out for a site.
	PermissionIDs PermissionIDs
	// CacheFile keeps what a one-shot sync needs between runs (resolved ids, what was written
	// to managed users, token values in use) so that a scheduled sync costs a few requests;
	// losing it costs one full read. Default: net2booking.cache.json next to the
	// configuration file (key net2.cache_file).
	CacheFile string
}

// PermissionIDs names the id space of individual permissions on a Net2 server.
type PermissionIDs string

// The id spaces of net2.permission_ids.
const (
	PermissionAreas PermissionIDs = "area"
	PermissionDoors PermissionIDs = "door"
)

// TLS says how the Net2 server's certificate is checked, in this order of precedence:
//
//   - PinSHA256 set: pinned. The server's leaf certificate must have exactly this SHA-256
//     (of its DER encoding); the chain and host name are not checked against the system
//     roots, since pinning exists for Net2's self-signed certificate. InsecureSkipVerify is
//     then irrelevant (it may be true or false): a pin is never skipped.
//   - InsecureSkipVerify true (and no pin): not checked at all.
//   - Otherwise: verified against the system roots, as any HTTPS client does.
//
// A pin with an http:// Net2 URL is rejected by validation.
type TLS struct {
	InsecureSkipVerify bool
	PinSHA256          string // 64 lower-case hex digits without separators; empty = no pin
}

// Site holds facts about the building. Location is used for floating times and all-day
// bookings (site.timezone; default the system zone).
type Site struct {
	Location *time.Location
}

// SourceType names the kind of booking source.
type SourceType string

// The source types the file may use.
const (
	SourceICal    SourceType = "ical"
	SourceOutlook SourceType = "outlook"
)

// Dialect is the iCal dialect a feed speaks: who the person is and where the resources are.
type Dialect string

// The iCal dialects.
const (
	DialectSkedda Dialect = "skedda"
	DialectBooked Dialect = "booked"
	DialectAuto   Dialect = "auto"
)

// Source is one entry of `sources`. Fields that do not apply to Type are zero.
type Source struct {
	Type SourceType
	// Name is the `name` key: the source's identity, under which its bookings are recorded in
	// Net2, so it must not change when the list is reordered or a URL edited. It is required
	// when there are several sources; a single source without one is named by its type
	// ("ical" or "outlook"). Names are unique (case-insensitively).
	Name string
	// PreviousNames are names the source had before (`previous_names`): bookings recorded
	// under them count as this source's, so a declared rename moves them over with no hold.
	PreviousNames []string
	Line          int // line of the entry in the file, for messages

	// ical
	Dialect Dialect // default auto
	// URL is an http(s) URL (secret: see Config.Secrets) or an absolute local path. The file
	// may also give a relative path (resolved against the file's directory), a file:// URL
	// (turned into a path) or a webcal:// / webcals:// URL (turned into https://). Whether a
	// local file exists is not checked here.
	URL string

	// outlook
	Tenant           string   // domain (contoso.onmicrosoft.com) or tenant id (GUID), as written
	ClientID         string   // application (client) id, a GUID; not treated as a secret
	ClientSecret     string   // secret
	Rooms            []string // room mailbox addresses, lower-cased, at least one
	IncludeAttendees bool
	GraphEndpoint    string // https URL without trailing slash; default https://graph.microsoft.com/v1.0
	AuthorityHost    string // https URL with trailing slash; default https://login.microsoftonline.com/
	AuthorityHostSet bool   // authority_host was given in the file
}

// Resource maps one booking-system resource name (exactly as spelled there) to what it opens
// in Net2: doors (access.grant individual) or access levels (access.grant access_levels),
// each given by name or id.
type Resource struct {
	Name string // as written in the file, case and spaces kept
	// Targets are the doors or access levels as written, at least one, in file order, no
	// repeats. Names are resolved against Net2 (net2.ResolveSite).
	Targets []NameOrID
	// Doors are the targets given as ids (all of them when no name is used); kept for
	// callers that work without Net2, such as preview.
	Doors []int
	Line  int // line of the name in the file, for messages
}

// HasNames reports whether any target is given by name (resolving it needs Net2).
func (r Resource) HasNames() bool {
	for _, t := range r.Targets {
		if !t.IsID {
			return true
		}
	}
	return false
}

// Grant is how access is given in Net2 while a booking window is open (access.grant).
type Grant string

// The grant modes.
const (
	// GrantIndividual gives the booked doors as individual (personal) permissions, as the
	// reference product does; resources map to doors.
	GrantIndividual Grant = "individual"
	// GrantAccessLevels gives the union of the access levels of the resources whose windows
	// are open; resources map to Net2 access levels. For sites where individual rights are
	// unwanted or do not reach the ACUs.
	GrantAccessLevels Grant = "access_levels"
)

// IdentifierKind is the kind of personal code issued to a booker.
type IdentifierKind string

// The identifier kinds (SPEC F14).
const (
	IdentifierManual IdentifierKind = "manual"
	IdentifierPIN    IdentifierKind = "pin"
	IdentifierQR     IdentifierKind = "qr"
)

// NameOrID refers to a Net2 object (department, access level, user field, timezone) either by
// its name or by its numeric id, as the file allows both. A value written as a whole number (a
// YAML integer, or a string of only digits) is an id; anything else is a name, matched
// case-insensitively when resolved. A Net2 object whose name is only digits can therefore only
// be referred to by its id.
type NameOrID struct {
	Name string // set when !IsID; never empty
	ID   int    // set when IsID
	IsID bool
}

// String renders the reference as written.
func (n NameOrID) String() string {
	if n.IsID {
		return strconv.Itoa(n.ID)
	}
	return n.Name
}

// Access holds the rules of who gets what in Net2 (SPEC F7–F16).
type Access struct {
	Grant                 Grant          // default individual
	Identifier            IdentifierKind // default pin
	PINLength             int            // default 6, 4..8
	QRRange               [2]int64       // default [1, 99999999]; [1, 65535] with Wiegand26; lo <= hi
	Wiegand26             bool
	Department            NameOrID      // default "Booking"; id >= 0
	MarkerField           NameOrID      // default "Position"; ids 1-14 except 13 (the memo)
	FallbackAccessLevel   NameOrID      // default "No access"; id >= 0
	RemoveAfterDays       int           // default 7; -1 = never
	GraceBefore           time.Duration // default 5m; 0..24h
	GraceAfter            time.Duration // default 10m; 0..24h
	FetchInterval         time.Duration // default 10m; at least 30s
	LookaheadDays         int           // default 90; 1..366
	TentativeGrantsAccess bool          // default false
	AlwaysTimezone        NameOrID      // default "All day, every day"; id >= 0
	QRTokenType           string        // default ProxCard; one of TokenTypes, canonical spelling
}

// Safety holds the guards of SPEC B3.
type Safety struct {
	MaxShrink   float64       // default 0.5; more than 0, at most 1
	VerifyEvery time.Duration // default 1h; at least 1m
}

// SMTPSecurity is how the SMTP connection is protected.
type SMTPSecurity string

// The SMTP security modes.
const (
	SMTPNone     SMTPSecurity = "none"
	SMTPStartTLS SMTPSecurity = "starttls"
	SMTPTLS      SMTPSecurity = "tls"
)

// Email holds the mail settings. Present reports whether the file has an email section; when
// it has none, no mail is sent at all (no notifications, no admin alerts).
type Email struct {
	Present       bool
	SMTP          SMTP
	Admins        []string // plain addresses, parsed from the semicolon-separated string (or list)
	Notifications Notifications
}

// SMTP is the outgoing mail server.
type SMTP struct {
	Host     string       // required when notifications are enabled or admins are given
	Port     int          // default from Security: none 25, starttls 587, tls 465
	Security SMTPSecurity // default starttls
	Username string       // optional
	Password string       // secret; only together with Username
}

// Notifications configures the email to each person (SPEC F17).
// When Enabled, Sender is set. A template left out uses the built-in default (`net2booking
// templates --out DIR` writes both for editing). The template files are not opened here (they
// are checked by `net2booking check`).
type Notifications struct {
	Enabled      bool   // default false
	Sender       string // "Name <addr>" or "addr" as written, validated with net/mail
	Subject      string // default "Access to the resource you booked"; no control characters
	TextTemplate string // absolute path; "" = the built-in default
	HTMLTemplate string // absolute path; "" = the built-in default
	// DateFormat is the Go time layout of dates in the emails (date_format, an added key);
	// "" = "Monday 2 January 2006 15:04", in the site's time zone.
	DateFormat string
}

// Logging configures the log folder and level.
type Logging struct {
	Dir   string // absolute path; default ./logs next to the file
	Level string // debug | info | warn | error; default info
}

// Status configures the status endpoint (health, metrics, status page).
type Status struct {
	// Listen is host:port to listen on; empty (the default, also when the key is absent) =
	// off. An empty host (":8089") listens on every interface.
	Listen string
	// Token (secret; e.g. ${STATUS_TOKEN}) is what a client must send, as `Authorization:
	// Bearer TOKEN` or `?token=TOKEN`, to see the status server. It is required when Listen
	// is not a loopback address (the server refuses to start without it); when set, it is
	// required on loopback too.
	Token string
}

// Service start modes (service.start): how the Windows service waits for Net2 at boot.
const (
	// ServiceStartDependency makes the service depend on the Net2 service: Windows starts it
	// after Net2 (and stops it when Net2 is stopped). The default.
	ServiceStartDependency = "dependency"
	// ServiceStartDelayed starts the service automatically a little after boot, with no
	// dependency on the Net2 service (for a Net2 on another machine, or a renamed service).
	ServiceStartDelayed = "delayed"
)

// DefaultNet2Service is the Windows service name of Net2 when service.net2_service is absent.
const DefaultNet2Service = "Net2 Service"

// Service configures `net2booking service install` (a section added to the shared example).
// Either way the service waits for the Net2 Local API to answer before its first cycle.
type Service struct {
	// Start is ServiceStartDependency (the default) or ServiceStartDelayed. It matters on
	// Windows only; a systemd unit starts after the network.
	Start string
	// Net2Service is the name of the Net2 service the Windows service depends on with
	// ServiceStartDependency; default DefaultNet2Service.
	Net2Service string
}
