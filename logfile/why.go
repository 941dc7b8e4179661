package logfile

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Change is one applied Net2 write of a person, read back from the log: the engine logs each
// one as "applied" with action, email, user_id and reason (engine.Syncer).
type Change struct {
	At     time.Time
	Action string
	UserID string
	Reason string
	// Opens is true when the change gives the door, Closes when it takes it away (a
	// permission set without it, or the user's deletion); neither for other writes.
	Opens, Closes bool
}

// Answer is what the logs say about one person and door around an instant.
type Answer struct {
	// Covered is false when the logs do not reach back (or forward) to the instant; From and
	// To are the span the log files hold.
	Covered  bool
	From, To time.Time
	// HadAccess is the door's state for the person at the instant by the last change before
	// it; Known is false when no change before it is in the logs.
	HadAccess, Known bool
	// Before is the last change that opened or closed the door at or before the instant;
	// After the first one after it. Related are the person's other writes within a day of
	// the instant.
	Before, After *Change
	Related       []Change
}

var doorsRe = regexp.MustCompile(`doors ([0-9, ]+) for `)

// classify says whether an applied write gives or takes door (an id, or a resource name
// matched in the reason when door is not a number).
func classify(c *Change, door string) {
	switch c.Action {
	case "delete-user":
		c.Closes = true
	case "set-permissions":
		if m := doorsRe.FindStringSubmatch(c.Reason); m != nil {
			has := false
			if _, err := strconv.Atoi(door); err == nil {
				for _, d := range strings.Split(m[1], ",") {
					has = has || strings.TrimSpace(d) == door
				}
			} else {
				has = strings.Contains(strings.ToLower(c.Reason), strings.ToLower(door))
			}
			c.Opens, c.Closes = has, !has
			return
		}
		if strings.Contains(c.Reason, "access levels") { // access_levels grant: levels, not doors
			c.Opens = strings.Contains(strings.ToLower(c.Reason), strings.ToLower(door))
			c.Closes = !c.Opens
			return
		}
		c.Closes = true // fallback access level alone
	}
}

// Why answers from records (oldest first, as Read returns them) which applied writes gave or
// took email's access to door around at.
func Why(recs []Record, email, door string, at time.Time) Answer {
	var a Answer
	for _, r := range recs {
		if r.Time.IsZero() {
			continue
		}
		if a.From.IsZero() || r.Time.Before(a.From) {
			a.From = r.Time
		}
		if r.Time.After(a.To) {
			a.To = r.Time
		}
		if r.Msg != "applied" || !strings.EqualFold(r.Get("email"), email) {
			continue
		}
		c := Change{At: r.Time, Action: r.Get("action"), UserID: r.Get("user_id"), Reason: r.Get("reason")}
		classify(&c, door)
		if d := c.At.Sub(at); d > -24*time.Hour && d < 24*time.Hour {
			a.Related = append(a.Related, c)
		}
		if !c.Opens && !c.Closes {
			continue
		}
		if !c.At.After(at) {
			cc := c
			a.Before, a.Known, a.HadAccess = &cc, true, c.Opens
		} else if a.After == nil {
			cc := c
			a.After = &cc
		}
	}
	a.Covered = !a.From.IsZero() && !at.Before(a.From) && !at.After(a.To)
	return a
}

// Explain renders an answer for people.
func (a Answer) Explain(email, door string, at time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	f := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04:05 MST") }
	var b strings.Builder
	switch {
	case a.From.IsZero():
		fmt.Fprintf(&b, "The logs hold no records: they do not cover %s.\n", f(at))
	case !a.Covered:
		fmt.Fprintf(&b, "The logs do not cover %s: they hold %s to %s (older files were rotated away, or it is later than the last record). What follows is only what they hold.\n", f(at), f(a.From), f(a.To))
	}
	switch {
	case a.Known && a.HadAccess:
		fmt.Fprintf(&b, "At %s %s COULD open door %s: given at %s by %s (Net2 user %s) because %s.\n", f(at), email, door, f(a.Before.At), a.Before.Action, a.Before.UserID, a.Before.Reason)
	case a.Known:
		fmt.Fprintf(&b, "At %s %s could NOT open door %s: taken at %s by %s (Net2 user %s) because %s.\n", f(at), email, door, f(a.Before.At), a.Before.Action, a.Before.UserID, a.Before.Reason)
	default:
		fmt.Fprintf(&b, "The logs record no change of %s's access to door %s before %s.\n", email, door, f(at))
	}
	if a.After != nil {
		verb := "taken away"
		if a.After.Opens {
			verb = "given"
		}
		fmt.Fprintf(&b, "Next change: %s at %s by %s because %s.\n", verb, f(a.After.At), a.After.Action, a.After.Reason)
	}
	if len(a.Related) > 0 {
		fmt.Fprintf(&b, "Writes for %s within a day of %s:\n", email, f(at))
		for _, c := range a.Related {
			fmt.Fprintf(&b, "  %s  %-16s user %s: %s\n", f(c.At), c.Action, c.UserID, c.Reason)
		}
	}
	return b.String()
}
