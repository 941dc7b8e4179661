// Package config reads the one human-edited configuration file (shared config.example.yaml is
// the contract) into typed, validated values. It expands ${ENV} references, parses Go
// durations, accepts Net2 objects by name or by id, and rejects unknown keys and bad values
// with the file, line and key. It does no network I/O: names are resolved against Net2 later.
package config

import (
	"strconv"
	"time"
)

// Config is a whole, validated configuration file.
type Config struct {
	// Path is the file the configuration was read from; relative paths in it (local feeds,
	// templates, log folder) are resolved against its directory.
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
}

// Net2 is how to reach and log in to the Net2 Local API. Present reports whether the file has
// a net2 section at all: preview and validate work without one; commands that talk to Net2
// require it.
type Net2 struct {
	Present  bool
	URL      string // base, e.g. https://localhost:8443/api/v1
	Operator string // "First Last"
	Password string // secret
	ClientID string // secret-ish: the licence file's name
	TLS      TLS
}

// TLS says how the Net2 server's certificate is checked: verified against the system roots
// (default), pinned by the SHA-256 of the certificate (DER), or not at all.
type TLS struct {
	InsecureSkipVerify bool
	PinSHA256          string // lower-case hex without separators; empty = no pin
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
	// Name is the optional `name` key, else a generated one without secrets
	// (e.g. "ical feed 1 (app.skedda.com)"). Names are unique.
	Name string
	Line int // line of the entry in the file, for messages

	// ical
	Dialect Dialect // default auto
	URL     string  // http(s) URL, file:// URL or local path (made absolute against the file's dir)

	// outlook
	Tenant           string
	ClientID         string
	ClientSecret     string // secret
	Rooms            []string
	IncludeAttendees bool
	GraphEndpoint    string // default https://graph.microsoft.com/v1.0
	AuthorityHost    string // default https://login.microsoftonline.com/ ; AuthorityHostSet tells if given
	AuthorityHostSet bool
}

// Resource maps one booking-system resource name (exactly as spelled there) to Net2 door ids.
type Resource struct {
	Name  string
	Doors []int
	Line  int
}

// IdentifierKind is the kind of personal code issued to a booker.
type IdentifierKind string

// The identifier kinds (SPEC F14).
const (
	IdentifierManual IdentifierKind = "manual"
	IdentifierPIN    IdentifierKind = "pin"
	IdentifierQR     IdentifierKind = "qr"
)

// NameOrID refers to a Net2 object (department, access level, user field, timezone) either by
// its name or by its numeric id, as the file allows both. A value written as a whole number is
// an id; anything else is a name, matched case-insensitively when resolved.
type NameOrID struct {
	Name string
	ID   int
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
	Identifier            IdentifierKind // default pin
	PINLength             int            // default 6, 4..8
	QRRange               [2]int64       // default [1, 99999999]; [1, 65535] with Wiegand26
	Wiegand26             bool
	Department            NameOrID // default "Booking"
	MarkerField           NameOrID // default "Position"; ids 1-14
	FallbackAccessLevel   NameOrID // default "No access"
	RemoveAfterDays       int      // default 7; -1 = never
	GraceBefore           time.Duration
	GraceAfter            time.Duration
	FetchInterval         time.Duration
	LookaheadDays         int
	TentativeGrantsAccess bool
	AlwaysTimezone        NameOrID // default "All day, every day"
	QRTokenType           string   // default ProxCard; one of Net2's token type names
}

// Safety holds the guards of SPEC B3.
type Safety struct {
	MaxShrink   float64       // default 0.5; (0, 1]
	VerifyEvery time.Duration // default 1h
}

// SMTPSecurity is how the SMTP connection is protected.
type SMTPSecurity string

// The SMTP security modes.
const (
	SMTPNone     SMTPSecurity = "none"
	SMTPStartTLS SMTPSecurity = "starttls"
	SMTPTLS      SMTPSecurity = "tls"
)

// Email holds the mail settings. Present reports whether the file has an email section.
type Email struct {
	Present       bool
	SMTP          SMTP
	Admins        []string // parsed from the semicolon-separated string
	Notifications Notifications
}

// SMTP is the outgoing mail server.
type SMTP struct {
	Host     string
	Port     int // default from Security: 25, 587, 465
	Security SMTPSecurity
	Username string
	Password string // secret
}

// Notifications configures the email to each person (SPEC F17).
type Notifications struct {
	Enabled      bool
	Sender       string // "Name <addr>" or "addr", validated
	Subject      string
	TextTemplate string // absolute path
	HTMLTemplate string // absolute path
}

// Logging configures the log folder and level.
type Logging struct {
	Dir   string // absolute path; default ./logs next to the file
	Level string // debug | info | warn | error; default info
}

// Status configures the status endpoint; empty Listen = off.
type Status struct {
	Listen string
}
