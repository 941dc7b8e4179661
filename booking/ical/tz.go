package ical

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // IANA zones must resolve on every host, Windows included
	"unicode"
	"unicode/utf8"
)

// Time zone resolution for a TZID parameter, per calendar, in this order:
//
//  1. an IANA name (time.LoadLocation, with the tz database embedded in the binary);
//  2. a VTIMEZONE of the feed with that TZID (fixed offset, or STANDARD/DAYLIGHT rules), else
//     an IANA name in another case (europe/vienna);
//  3. a Windows zone name, through the CLDR windowsZones "001" table (also behind Exchange's
//     prefix: tzone://Microsoft/Utc), or a Windows display name such as "(UTC-05:00) Eastern
//     Time (US & Canada)" (displayNameZone), or its places alone when they all keep one time
//     (placeListZone);
//  4. the pattern UTC±hh[:mm] (Skedda writes UTC+02 and defines it in the feed, but we accept
//     it without a definition too), and GMT±hh:mm (see utcOffsetName);
//  5. a "globally unique" TZID with a leading slash, such as
//     /mozilla.org/20050126_1/Europe/Berlin or /Europe/Stockholm, resolved by its IANA suffix.
//
// An IANA name wins over an in-feed VTIMEZONE of the same name: feeds that name IANA zones
// generate their VTIMEZONEs from the same database, and where the two differ the in-feed copy
// is the one that is wrong (truncated to the rules of one year, or stale). A name that
// resolves nowhere is an error: the event is skipped with a warning, never read as UTC.

var (
	ianaCache  sync.Map // name -> *zone, successes only
	ianaMisses sync.Map // names that are not IANA zones (a few thousand at most)
	nMisses    atomic.Int32
)

// maxIANAMisses bounds the names remembered as not IANA zones.
const maxIANAMisses = 10_000

// maxParseIANAMisses bounds the names one parse looks up in the zone database in vain (past
// the names remembered as not IANA zones): each costs time.LoadLocation 20-50 µs of reading
// zone files, and a feed may name a zone of its own in each of 500,000 events. Past it, a
// name not remembered is not looked up there (an IANA name first met in such a feed resolves
// only as its VTIMEZONE, if any).
const maxParseIANAMisses = 1000

// knownIANA answers for a name whose lookup is remembered: its zone, or nil when it is no
// IANA zone (known), or that it has not been looked up.
func knownIANA(name string) (z *zone, known bool) {
	if name == "" || strings.EqualFold(name, "local") {
		return nil, true // time.LoadLocation("Local") is the host's zone: not what a feed means
	}
	if v, ok := ianaCache.Load(name); ok {
		return v.(*zone), true
	}
	if _, miss := ianaMisses.Load(name); miss {
		return nil, true // time.LoadLocation reads the zone files again on every miss
	}
	return nil, false
}

func loadIANA(name string) *zone {
	if z, known := knownIANA(name); known {
		return z
	}
	return lookupIANA(name)
}

// lookupIANA reads a name not looked up before from the zone database, and remembers the
// answer.
func lookupIANA(name string) *zone {
	loc, err := time.LoadLocation(name)
	if err != nil {
		if nMisses.Add(1) <= maxIANAMisses {
			ianaMisses.Store(name, true)
		}
		return nil
	}
	z := locationZone(loc)
	z.name = name
	ianaCache.Store(name, z)
	return z
}

// ianaShaped reports whether name could be an IANA zone name: the database's names are
// letters, digits and "/_+-" only (isTokenByte, '/' and '+'). A display name, a list of
// places or Exchange's tzone://Microsoft/Utc is not looked up in the zone files, which costs
// time.LoadLocation 20-50 µs and 40 KB of reading for each name it does not know.
func ianaShaped(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isTokenByte(c) && c != '/' && c != '+' {
			return false
		}
	}
	return name != ""
}

// ianaByFold maps every IANA name of ianazones.go, in lower case, to the name itself.
var ianaByFold = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, 600)
	for _, name := range strings.Fields(ianaZoneNames) {
		m[strings.ToLower(name)] = name
	}
	return m
})

var windowsZonesFold = func() map[string]string {
	m := make(map[string]string, len(windowsZones))
	for k, v := range windowsZones {
		m[strings.ToLower(k)] = v
	}
	return m
}()

// utcOffsetName matches UTC±hh[[:]mm], and GMT±hh:mm: the GMT form only with its minutes
// (Google has written GMT+05:30 for India), as GMT+5 alone is ambiguous: in the tz database,
// Etc/GMT+5 is five hours behind UTC.
var utcOffsetName = regexp.MustCompile(`(?i)^(?:UTC\s*([+-])(\d{1,2})(?::?(\d{2}))?|GMT([+-])(\d{2}):(\d{2}))$`)

// utcOffsetZone resolves names such as UTC+02, UTC-05:00, UTC+0530 and GMT+05:30.
func utcOffsetZone(name string) *zone {
	m := utcOffsetName.FindStringSubmatch(name)
	if m == nil {
		return nil
	}
	if m[1] == "" { // the GMT form
		m = m[3:]
	}
	off, ok := offsetSeconds(m[1], m[2], m[3])
	if !ok {
		return nil
	}
	return fixedZone(name, off)
}

// offsetSeconds is the UTC offset of a sign ("+" or "-"), hours (at most 14) and minutes
// (at most 59, "" for none) written in a zone's name, in seconds.
func offsetSeconds(sign, hours, minutes string) (int, bool) {
	h, _ := strconv.Atoi(hours)
	mins := 0
	if minutes != "" {
		mins, _ = strconv.Atoi(minutes)
	}
	if h > 14 || mins > 59 {
		return 0, false
	}
	off := h*3600 + mins*60
	if sign == "-" {
		off = -off
	}
	return off, true
}

type resolved struct {
	z   *zone
	err error
}

// resolver resolves the TZIDs of one VCALENDAR.
type resolver struct {
	inFile map[string]*zone
	// folded holds the zones of inFile by foldKey of their TZID (of those that differ only in
	// case the last, as inFile keeps the last of one TZID), for the lookup that ignores case:
	// comparing with every VTIMEZONE cost 30,000 events naming unknown zones 20 s in a feed
	// of 30,000 VTIMEZONEs.
	folded map[string]*zone
	// misses counts the parse's vain lookups in the zone database (maxParseIANAMisses),
	// shared by the resolvers of all its calendars and workers.
	misses *atomic.Int32
	cache  map[string]resolved
	// recent are the last TZIDs resolved, compared before cache is hashed: events name one
	// or two zones over and over.
	recent     [2]recentZone
	nextRecent int
}

// recentZone is a TZID resolved lately, with its answer.
type recentZone struct {
	tzid string
	resolved
	set bool
}

func newResolver(misses *atomic.Int32) *resolver {
	return &resolver{inFile: make(map[string]*zone), folded: make(map[string]*zone), misses: misses, cache: make(map[string]resolved)}
}

// addInFile makes a VTIMEZONE of the feed known by its TZID.
func (r *resolver) addInFile(tzid string, z *zone) {
	r.inFile[tzid] = z
	r.folded[foldKey(tzid)] = z
}

// foldKey maps each letter of s to the least of its Unicode simple case folds, so that two
// strings have the same key exactly when strings.EqualFold holds for them.
func foldKey(s string) string {
	ascii := true
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToUpper(s) // an ASCII letter's least fold is its upper case (k: K, not the Kelvin sign)
	}
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, s)
}

// iana is loadIANA within the parse's budget of vain lookups (maxParseIANAMisses).
func (r *resolver) iana(name string) *zone {
	if z, known := knownIANA(name); known {
		return z
	}
	if !ianaShaped(name) {
		return nil // no zone file has such a name: not looked up, and no miss counted
	}
	if r.misses != nil && r.misses.Load() >= maxParseIANAMisses {
		return nil
	}
	z := lookupIANA(name)
	if z == nil && r.misses != nil {
		r.misses.Add(1)
	}
	return z
}

func (r *resolver) resolve(tzid string) (*zone, error) {
	for i := range r.recent {
		if rz := &r.recent[i]; rz.set && rz.tzid == tzid {
			return rz.z, rz.err
		}
	}
	v, ok := r.cache[tzid]
	if !ok {
		v.z, v.err = r.lookup(tzid)
		if len(r.cache) < 10_000 {
			r.cache[tzid] = v
		}
	}
	r.recent[r.nextRecent] = recentZone{tzid: tzid, resolved: v, set: true}
	r.nextRecent = (r.nextRecent + 1) % len(r.recent)
	return v.z, v.err
}

func (r *resolver) lookup(tzid string) (*zone, error) {
	name := strings.TrimSpace(tzid)
	if name == "" {
		return nil, fmt.Errorf("empty TZID")
	}
	if z := r.iana(name); z != nil {
		return z, nil
	}
	if z := r.inFileZone(name); z != nil {
		return z, nil
	}
	// An IANA name in another case (AMERICA/NEW_YORK; spatie/icalendar-generator feeds have
	// written europe/vienna) is that zone when the feed defines none of the name. A feed's
	// own definition wins here, unlike for the exact name: it is no copy of the database's
	// zone (a Google export defines Europe/lisbon as central European time beside a correct
	// Europe/Lisbon, and means it for the events it labels so).
	if canonical, ok := ianaByFold()[strings.ToLower(name)]; ok {
		if z := loadIANA(canonical); z != nil {
			return z, nil
		}
	}
	// Exchange and Outlook write UTC as tzone://Microsoft/Utc ("Utc" being its Windows id) and
	// often define no VTIMEZONE for it (python-recurring-ical-events issue 126).
	if iana, ok := windowsZonesFold[strings.TrimPrefix(strings.ToLower(name), "tzone://microsoft/")]; ok {
		if z := loadIANA(iana); z != nil {
			return z, nil
		}
	}
	if z := displayNameZone(name); z != nil {
		return z, nil
	}
	if z := placeListZone(name); z != nil {
		return z, nil
	}
	if z := utcOffsetZone(name); z != nil {
		return z, nil
	}
	if strings.HasPrefix(name, "/") {
		segs := strings.Split(strings.Trim(name, "/"), "/")
		for i := range segs { // the IANA name itself may follow the slash: /Europe/Stockholm
			if z := r.iana(strings.Join(segs[i:], "/")); z != nil {
				return z, nil
			}
		}
	}
	return nil, fmt.Errorf("time zone %q cannot be resolved: not an IANA zone, a Windows zone or display name, nor UTC±hh:mm, and the feed defines no VTIMEZONE for it", tzid)
}

// inFileZone finds a VTIMEZONE of the feed by TZID: exactly, then ignoring case. VTIMEZONEs
// are stored under their unescaped TZID (Microsoft writes `TZID:Kuala Lumpur\, Singapore` and
// references it as `TZID="Kuala Lumpur, Singapore"`), so a reference written with the TEXT
// escapes (`TZID=Kuala Lumpur\, Singapore`, unquoted) is unescaped before a second attempt.
func (r *resolver) inFileZone(name string) *zone {
	try := func(name string) *zone {
		if z := r.inFile[name]; z != nil {
			return z
		}
		return r.folded[foldKey(name)]
	}
	if z := try(name); z != nil {
		return z
	}
	if strings.IndexByte(name, '\\') >= 0 {
		return try(strings.TrimSpace(unescapeText(name)))
	}
	return nil
}
