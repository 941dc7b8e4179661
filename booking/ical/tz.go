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
)

// Time zone resolution for a TZID parameter, per calendar, in this order:
//
//  1. an IANA name (time.LoadLocation, with the tz database embedded in the binary);
//  2. a VTIMEZONE of the feed with that TZID (fixed offset, or STANDARD/DAYLIGHT rules);
//  3. a Windows zone name, through the CLDR windowsZones "001" table;
//  4. the pattern UTC±hh[:mm] (Skedda writes UTC+02 and defines it in the feed, but we accept
//     it without a definition too);
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

func loadIANA(name string) *zone {
	if name == "" || strings.EqualFold(name, "local") {
		return nil // time.LoadLocation("Local") is the host's zone: not what a feed means
	}
	if v, ok := ianaCache.Load(name); ok {
		return v.(*zone)
	}
	if _, miss := ianaMisses.Load(name); miss {
		return nil // time.LoadLocation reads the zone files again on every miss
	}
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

var windowsZonesFold = func() map[string]string {
	m := make(map[string]string, len(windowsZones))
	for k, v := range windowsZones {
		m[strings.ToLower(k)] = v
	}
	return m
}()

var utcOffsetName = regexp.MustCompile(`(?i)^UTC\s*([+-])(\d{1,2})(?::?(\d{2}))?$`)

// utcOffsetZone resolves names such as UTC+02, UTC-05:00, UTC+0530.
func utcOffsetZone(name string) *zone {
	m := utcOffsetName.FindStringSubmatch(name)
	if m == nil {
		return nil
	}
	h, _ := strconv.Atoi(m[2])
	mins := 0
	if m[3] != "" {
		mins, _ = strconv.Atoi(m[3])
	}
	if h > 14 || mins > 59 {
		return nil
	}
	off := h*3600 + mins*60
	if m[1] == "-" {
		off = -off
	}
	return fixedZone(name, off)
}

type resolved struct {
	z   *zone
	err error
}

// resolver resolves the TZIDs of one VCALENDAR.
type resolver struct {
	inFile map[string]*zone
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

func newResolver() *resolver {
	return &resolver{inFile: make(map[string]*zone), cache: make(map[string]resolved)}
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
	if z := loadIANA(name); z != nil {
		return z, nil
	}
	if z := r.inFileZone(name); z != nil {
		return z, nil
	}
	if iana, ok := windowsZonesFold[strings.ToLower(name)]; ok {
		if z := loadIANA(iana); z != nil {
			return z, nil
		}
	}
	if z := utcOffsetZone(name); z != nil {
		return z, nil
	}
	if strings.HasPrefix(name, "/") {
		segs := strings.Split(strings.Trim(name, "/"), "/")
		for i := range segs { // the IANA name itself may follow the slash: /Europe/Stockholm
			if z := loadIANA(strings.Join(segs[i:], "/")); z != nil {
				return z, nil
			}
		}
	}
	return nil, fmt.Errorf("time zone %q cannot be resolved: not an IANA or Windows zone name, not UTC±hh:mm, and the feed defines no VTIMEZONE for it", tzid)
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
		for k, z := range r.inFile {
			if strings.EqualFold(k, name) {
				return z
			}
		}
		return nil
	}
	if z := try(name); z != nil {
		return z
	}
	if strings.IndexByte(name, '\\') >= 0 {
		return try(strings.TrimSpace(unescapeText(name)))
	}
	return nil
}
