package ical

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // IANA zones must resolve on every host, Windows included

	goical "github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// Time zone resolution for a TZID parameter, per calendar, in this order:
//
//  1. an IANA name (time.LoadLocation, with the tz database embedded in the binary);
//  2. a VTIMEZONE of the feed with that TZID (fixed offset, or STANDARD/DAYLIGHT rules);
//  3. a Windows zone name, through the CLDR windowsZones "001" table;
//  4. the pattern UTC±hh[:mm] (Skedda writes UTC+02 and defines it in the feed, but we accept
//     it without a definition too);
//  5. a "globally unique" TZID with a leading slash, such as
//     /mozilla.org/20050126_1/Europe/Berlin, resolved by its IANA suffix.
//
// An IANA name wins over an in-feed VTIMEZONE of the same name: feeds that name IANA zones
// generate their VTIMEZONEs from the same database, and where the two differ the in-feed copy
// is the one that is wrong (truncated to the rules of one year, or stale). A name that
// resolves nowhere is an error: the event is skipped with a warning, never read as UTC.

var ianaCache sync.Map // name -> *zone, successes only

func loadIANA(name string) *zone {
	if name == "" || strings.EqualFold(name, "local") {
		return nil // time.LoadLocation("Local") is the host's zone: not what a feed means
	}
	if v, ok := ianaCache.Load(name); ok {
		return v.(*zone)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
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
}

func newResolver() *resolver {
	return &resolver{inFile: make(map[string]*zone), cache: make(map[string]resolved)}
}

func (r *resolver) resolve(tzid string) (*zone, error) {
	if v, ok := r.cache[tzid]; ok {
		return v.z, v.err
	}
	z, err := r.lookup(tzid)
	if len(r.cache) < 10_000 {
		r.cache[tzid] = resolved{z, err}
	}
	return z, err
}

func (r *resolver) lookup(tzid string) (*zone, error) {
	name := strings.TrimSpace(tzid)
	if name == "" {
		return nil, fmt.Errorf("empty TZID")
	}
	if z := loadIANA(name); z != nil {
		return z, nil
	}
	if z := r.inFile[name]; z != nil {
		return z, nil
	}
	for k, z := range r.inFile {
		if strings.EqualFold(k, name) {
			return z, nil
		}
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
		for i := 1; i < len(segs); i++ {
			if z := loadIANA(strings.Join(segs[i:], "/")); z != nil {
				return z, nil
			}
		}
	}
	return nil, fmt.Errorf("time zone %q cannot be resolved: not an IANA or Windows zone name, not UTC±hh:mm, and the feed defines no VTIMEZONE for it", tzid)
}

// Limits for expanding the observances of a VTIMEZONE.
const (
	vtzHorizonYear   = 2200
	vtzMaxPerRule    = 2000
	vtzMaxTransition = 20_000
)

type onset struct {
	at       int64
	from, to int
}

// buildVTimezone turns a VTIMEZONE into a zone: a fixed offset when every observance has the
// same TZOFFSETTO (Skedda's UTC+02), else the transitions of its STANDARD and DAYLIGHT
// observances (DTSTART, RDATE and RRULE onsets, up to the year 2200).
func buildVTimezone(c *goical.Component) (string, *zone, error) {
	p := c.Props.Get("TZID")
	if p == nil || strings.TrimSpace(p.Value) == "" {
		return "", nil, fmt.Errorf("VTIMEZONE without TZID")
	}
	tzid := strings.TrimSpace(p.Value)
	type observance struct {
		start    time.Time
		from, to int
		c        *goical.Component
	}
	var obs []observance
	for _, ch := range c.Children {
		if ch.Name != "STANDARD" && ch.Name != "DAYLIGHT" {
			continue
		}
		var o observance
		var err error
		tp, fp, sp := ch.Props.Get("TZOFFSETTO"), ch.Props.Get("TZOFFSETFROM"), ch.Props.Get("DTSTART")
		if tp == nil || fp == nil || sp == nil {
			return tzid, nil, fmt.Errorf("VTIMEZONE %q: %s observance lacks DTSTART, TZOFFSETFROM or TZOFFSETTO", tzid, ch.Name)
		}
		if o.to, err = parseUTCOffset(tp.Value); err != nil {
			return tzid, nil, fmt.Errorf("VTIMEZONE %q: TZOFFSETTO: %w", tzid, err)
		}
		if o.from, err = parseUTCOffset(fp.Value); err != nil {
			return tzid, nil, fmt.Errorf("VTIMEZONE %q: TZOFFSETFROM: %w", tzid, err)
		}
		if o.start, _, err = parseTimeText(sp.Value, ""); err != nil {
			return tzid, nil, fmt.Errorf("VTIMEZONE %q: DTSTART: %w", tzid, err)
		}
		o.c = ch
		obs = append(obs, o)
	}
	if len(obs) == 0 {
		return tzid, nil, fmt.Errorf("VTIMEZONE %q has no STANDARD or DAYLIGHT observance", tzid)
	}
	fixed := true
	for _, o := range obs {
		fixed = fixed && o.to == obs[0].to
	}
	if fixed {
		return tzid, fixedZone(tzid, obs[0].to), nil
	}

	var onsets []onset
	add := func(wall time.Time, o observance) {
		onsets = append(onsets, onset{at: wall.Unix() - int64(o.from), from: o.from, to: o.to})
	}
	horizon := time.Date(vtzHorizonYear, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, o := range obs {
		add(o.start, o)
		for _, rp := range o.c.Props.Values("RDATE") {
			for _, item := range strings.Split(rp.Value, ",") {
				if w, _, err := parseTimeText(item, strings.ToUpper(param(&rp, "VALUE"))); err == nil {
					add(w, o)
				}
			}
		}
		for _, rp := range o.c.Props.Values("RRULE") {
			rs, err := parseRRule(rp.Value)
			if err == nil && rs.until != "" {
				var w time.Time
				var k timeKind
				w, k, err = parseTimeText(rs.until, "")
				if k == kindUTC {
					w = w.Add(time.Duration(o.from) * time.Second) // UNTIL is UTC; onsets are local
				}
				rs.untilWall = w
			}
			var rr *rrule.RRule
			if err == nil {
				rr, err = rs.build(o.start)
			}
			if err != nil {
				return tzid, nil, fmt.Errorf("VTIMEZONE %q: RRULE: %w", tzid, err)
			}
			next := rr.Iterator()
			for n := 0; n < vtzMaxPerRule; n++ {
				t, ok := next()
				if !ok || t.After(horizon) {
					break
				}
				add(t, o)
			}
		}
		if len(onsets) > vtzMaxTransition {
			return tzid, nil, fmt.Errorf("VTIMEZONE %q has too many transitions", tzid)
		}
	}
	sort.SliceStable(onsets, func(i, j int) bool { return onsets[i].at < onsets[j].at })
	z := &zone{name: tzid, kind: zoneRules, initial: onsets[0].from}
	for _, on := range onsets {
		if n := len(z.trans); n > 0 && z.trans[n-1] == on.at {
			z.offs[n-1] = on.to
			continue
		}
		z.trans = append(z.trans, on.at)
		z.offs = append(z.offs, on.to)
	}
	return tzid, z, nil
}
