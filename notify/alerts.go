package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultRemind is how often an admin is reminded of a problem that lasts, when
// AlertsConfig.Remind is zero.
const DefaultRemind = 4 * time.Hour

// maxListed bounds the conditions one alert email lists in each section.
const maxListed = 50

// AlertsConfig configures the admin alerts (SPEC F20).
type AlertsConfig struct {
	// Admins are the addresses alerts go to (email.admins, already split). With none, Flush
	// sends nothing and keeps what is owed for when admins are configured.
	Admins []string
	// StatePath is the JSON file that remembers which conditions are active and what the
	// admins were told, so that a process started every few minutes (a scheduled `sync`)
	// does not email them again. "" keeps the state in memory only.
	StatePath string
	// Remind is the least time between two emails about a lasting condition; 0 means
	// DefaultRemind.
	Remind time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Location is the zone times are shown in; nil means the system's zone.
	Location *time.Location
	// Send delivers one alert email, for example (*SMTP).SendAlert or (*Dir).SendAlert.
	Send func(ctx context.Context, to []string, subject, body string) error
	// Redact removes secrets (feed URL tokens, passwords) from text; it is applied to every
	// summary and detail when raised (so the state file holds none either) and to every
	// subject and body sent. nil leaves text as it is.
	Redact func(string) string
	// Prefix starts every subject, in brackets; "" means "net2booking".
	Prefix string
	// Logger gets a line per alert sent; nil means slog.Default().
	Logger *slog.Logger
}

// Alerts tells the admins when something goes wrong, without flooding them (SPEC F20): one
// email when a condition starts, a reminder at most every Remind while it lasts, one when it
// clears, and nothing else. The caller reports conditions every cycle, level-triggered:
// Raise while a condition holds, Clear when it does not; Flush at the end of the cycle sends
// what is due, several conditions in one email. Conditions are named by a key, for example
// "source:skedda", "net2", "shrink:skedda", "mail", "write:42". Alerts is safe for
// concurrent use.
type Alerts struct {
	cfg     AlertsConfig
	flushMu sync.Mutex // one Flush at a time

	mu    sync.Mutex
	st    alertState
	dirty bool
}

// Condition is an active condition, as Active lists it.
type Condition struct {
	// Key names the condition ("source:skedda"); Summary and Detail are its text as raised
	// (redacted).
	Key, Summary, Detail string
	// Since is when the condition started.
	Since time.Time
}

// alertState is what the state file holds.
type alertState struct {
	Version    int                        `json:"version"`
	Epoch      int64                      `json:"epoch"`
	Conditions map[string]*alertCondition `json:"conditions"`
}

type alertCondition struct {
	Summary string    `json:"summary"`
	Detail  string    `json:"detail,omitempty"`
	Active  bool      `json:"active"`
	Since   time.Time `json:"since"`
	// Announced is true once an email told the admins this condition started.
	Announced bool `json:"announced"`
	// Mailed is when an email last mentioned the condition while active.
	Mailed time.Time `json:"mailed,omitzero"`
	// Resolved is when the condition cleared (an email saying so is owed).
	Resolved time.Time `json:"resolved,omitzero"`
	// Epoch tells this occurrence of the condition from a later one under the same key.
	Epoch int64 `json:"epoch"`
}

// NewAlerts returns the alerts, with the state of StatePath when the file exists. A state
// file that cannot be parsed is logged and replaced (at worst the admins hear about an
// ongoing problem once more); one that cannot be read is an error.
func NewAlerts(cfg AlertsConfig) (*Alerts, error) {
	if cfg.Send == nil {
		return nil, errors.New("alerts: no Send function")
	}
	if cfg.Remind <= 0 {
		cfg.Remind = DefaultRemind
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Redact == nil {
		cfg.Redact = func(s string) string { return s }
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "net2booking"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	a := &Alerts{cfg: cfg, st: alertState{Version: 1, Conditions: map[string]*alertCondition{}}}
	if cfg.StatePath == "" {
		return a, nil
	}
	data, err := os.ReadFile(cfg.StatePath)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return a, nil
	case err != nil:
		return nil, fmt.Errorf("read the alert state: %w", err)
	}
	var st alertState
	if err := json.Unmarshal(data, &st); err != nil || st.Version != 1 {
		cfg.Logger.Warn("alert state file unreadable; starting afresh (an ongoing problem may be reported once more)",
			"file", cfg.StatePath, "error", err)
		a.dirty = true
		return a, nil
	}
	if st.Conditions == nil {
		st.Conditions = map[string]*alertCondition{}
	}
	a.st = st
	return a, nil
}

// Raise marks the condition key as active, with a one-line summary and a detail (what failed,
// what to do). Raising an active condition again only updates its text: it sends nothing new.
func (a *Alerts) Raise(key, summary, detail string) {
	summary = CleanText(a.cfg.Redact(summary))
	detail = truncateRunes(cleanLines(a.cfg.Redact(detail)), 2000)
	if summary == "" {
		summary = CleanText(key)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.st.Conditions[key]
	if c == nil {
		a.st.Epoch++
		a.st.Conditions[key] = &alertCondition{Summary: summary, Detail: detail, Active: true,
			Since: a.cfg.Now(), Epoch: a.st.Epoch}
		a.dirty = true
		return
	}
	if !c.Active { // cleared, and raised again before the admins were told: no news for them
		c.Active, c.Resolved = true, time.Time{}
		a.dirty = true
	}
	if c.Summary != summary || c.Detail != detail {
		c.Summary, c.Detail = summary, detail
		a.dirty = true
	}
}

// Clear marks the condition key as over. If the admins were told it started, one email
// saying it is resolved is owed; if not, it is forgotten silently.
func (a *Alerts) Clear(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.st.Conditions[key]
	if c == nil || !c.Active {
		return
	}
	if !c.Announced {
		delete(a.st.Conditions, key)
	} else {
		c.Active, c.Resolved = false, a.cfg.Now()
	}
	a.dirty = true
}

// Active returns the active conditions, sorted by key (for a status page, or to clear
// conditions the caller no longer tracks).
func (a *Alerts) Active() []Condition {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []Condition
	for k, c := range a.st.Conditions {
		if c.Active {
			out = append(out, Condition{Key: k, Summary: c.Summary, Detail: c.Detail, Since: c.Since})
		}
	}
	slices.SortFunc(out, func(x, y Condition) int { return strings.Compare(x.Key, y.Key) })
	return out
}

// Flush sends the alert email that is due, if any: the conditions that started, those due a
// reminder and those that cleared, in one message that also lists every other active
// condition (an email that lists a lasting condition counts as its reminder). It then
// records what was sent in the state file. A failed send is an error and
// everything stays owed for the next Flush.
func (a *Alerts) Flush(ctx context.Context) error {
	a.flushMu.Lock()
	defer a.flushMu.Unlock()

	a.mu.Lock()
	now := a.cfg.Now()
	type item struct {
		key string
		c   alertCondition
	}
	var started, reminded, still, resolved []item
	for _, k := range slices.Sorted(maps.Keys(a.st.Conditions)) {
		c := a.st.Conditions[k]
		switch {
		case c.Active && !c.Announced:
			started = append(started, item{k, *c})
		case c.Active && now.Sub(c.Mailed) >= a.cfg.Remind:
			reminded = append(reminded, item{k, *c})
		case c.Active:
			still = append(still, item{k, *c})
		default:
			resolved = append(resolved, item{k, *c})
		}
	}
	due := len(started) + len(reminded) + len(resolved)
	if due == 0 || len(a.cfg.Admins) == 0 {
		err := a.saveLocked()
		a.mu.Unlock()
		return err
	}
	a.mu.Unlock()

	var only string // the summary when a single condition is due
	for _, group := range [][]item{started, reminded, resolved} {
		if len(group) > 0 {
			only = group[0].c.Summary
		}
	}
	subject := alertSubject(a.cfg.Prefix, len(started), len(reminded), len(resolved), only)
	var b strings.Builder
	b.WriteString("net2booking reports a change in the problems it sees.\n")
	section := func(title string, items []item, line func(alertCondition) string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s\n", title)
		for i, it := range items {
			if i == maxListed {
				fmt.Fprintf(&b, "- ... and %d more\n", len(items)-maxListed)
				break
			}
			fmt.Fprintf(&b, "- %s\n", line(it.c))
			if it.c.Detail != "" && title != "Resolved" {
				for _, l := range strings.Split(it.c.Detail, "\n") {
					fmt.Fprintf(&b, "    %s\n", strings.TrimRight(l, " \t\r"))
				}
			}
		}
	}
	when := func(t time.Time) string { return t.In(a.cfg.Location).Format("Mon 2 Jan 2006 15:04 MST") }
	section("New problems", started, func(c alertCondition) string { return c.Summary + " (since " + when(c.Since) + ")" })
	section("Still failing", reminded, func(c alertCondition) string {
		return c.Summary + " (since " + when(c.Since) + ", " + roundDuration(now.Sub(c.Since)) + ")"
	})
	section("Resolved", resolved, func(c alertCondition) string {
		return c.Summary + " (from " + when(c.Since) + " to " + when(c.Resolved) + ", " + roundDuration(c.Resolved.Sub(c.Since)) + ")"
	})
	section("Also still active (reported before)", still, func(c alertCondition) string { return c.Summary + " (since " + when(c.Since) + ")" })
	fmt.Fprintf(&b, "\nYou get one email when a problem starts, a reminder every %s while it lasts, and one when it is resolved. The log has the details.\n",
		roundDuration(a.cfg.Remind))

	if err := a.cfg.Send(ctx, a.cfg.Admins, a.cfg.Redact(subject), a.cfg.Redact(b.String())); err != nil {
		return fmt.Errorf("send the admin alert %q: %w (it stays owed and is sent on the next attempt)", a.cfg.Redact(subject), err)
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	for _, group := range [][]item{started, reminded, still} {
		for _, it := range group {
			if c := a.st.Conditions[it.key]; c != nil && c.Epoch == it.c.Epoch && c.Active {
				c.Announced, c.Mailed = true, now
			}
		}
	}
	for _, it := range resolved {
		if c := a.st.Conditions[it.key]; c != nil && c.Epoch == it.c.Epoch && !c.Active {
			delete(a.st.Conditions, it.key)
		}
	}
	a.dirty = true
	a.cfg.Logger.Info("admin alert sent", "subject", a.cfg.Redact(subject), "to", strings.Join(a.cfg.Admins, ", "))
	return a.saveLocked()
}

func alertSubject(prefix string, started, reminded, resolved int, only string) string {
	s := "[" + CleanText(prefix) + "] "
	switch {
	case started+reminded+resolved == 1 && started == 1:
		return s + "Problem: " + only
	case started+reminded+resolved == 1 && reminded == 1:
		return s + "Still failing: " + only
	case started+reminded+resolved == 1:
		return s + "Resolved: " + only
	}
	var parts []string
	plural := func(n int, one, many string) {
		if n == 1 {
			parts = append(parts, "1 "+one)
		} else if n > 1 {
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	plural(started, "new problem", "new problems")
	plural(reminded, "problem still failing", "problems still failing")
	plural(resolved, "problem resolved", "problems resolved")
	return s + strings.Join(parts, ", ")
}

// saveLocked writes the state file when it changed; a.mu is held.
func (a *Alerts) saveLocked() error {
	if !a.dirty || a.cfg.StatePath == "" {
		a.dirty = false
		return nil
	}
	data, err := json.MarshalIndent(a.st, "", "  ")
	if err != nil {
		return fmt.Errorf("save the alert state: %w", err)
	}
	if err := writeFileAtomic(a.cfg.StatePath, append(data, '\n')); err != nil {
		return fmt.Errorf("save the alert state (admins may be emailed again after a restart): %w", err)
	}
	a.dirty = false
	return nil
}

// writeFileAtomic replaces path with data through a temporary file and a rename, so that a
// crash leaves the old or the new state, never half of one.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

func roundDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	if d < time.Minute {
		return "under a minute"
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return fmt.Sprintf("%d min", m)
	case m == 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %d min", h, m)
}

func truncateRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + " ..."
		}
		i++
	}
	return s
}

// cleanLines cleans each line of a multi-line text (CleanText) and drops empty ones.
func cleanLines(s string) string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = cleanText(l, 1000); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Keys lists the keys of the active conditions, sorted: how a level-triggered caller (the
// engine) clears conditions it no longer observes, also after a restart.
func (a *Alerts) Keys() []string {
	var out []string
	for _, c := range a.Active() {
		out = append(out, c.Key)
	}
	return out
}
