// Package logfile keeps net2booking's log files (SPEC F23): JSON lines in the log folder,
// rotated by size with a bounded number of old files kept, and reads them back for the
// `logs` and `why` commands: the last lines, filtered, and followed as they grow (also across
// a rotation). Writing is done by gopkg.in/natefinch/lumberjack.v2; the records themselves
// are made by a log/slog JSON handler (see Handler).
package logfile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/natefinch/lumberjack.v2"
)

// Name is the file the current log is written to inside the log folder. Rotated files sit
// beside it as net2booking-<timestamp>.log.
const Name = "net2booking.log"

// Defaults of Options.
const (
	DefaultMaxSizeMB  = 10
	DefaultMaxBackups = 10
)

// Options bound the log files.
type Options struct {
	// MaxSizeMB is the size in megabytes at which the file is rotated; 0 means DefaultMaxSizeMB.
	MaxSizeMB int
	// MaxBackups is how many rotated files are kept; 0 means DefaultMaxBackups.
	MaxBackups int
}

// Open returns the rotating writer of the log folder dir, creating the folder. Close it at
// the end of the process.
func Open(dir string, o Options) (io.WriteCloser, error) {
	if dir == "" {
		return nil, fmt.Errorf("logfile: no log folder given (logging.dir)")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("logfile: creating the log folder %s: %w", dir, err)
	}
	if o.MaxSizeMB <= 0 {
		o.MaxSizeMB = DefaultMaxSizeMB
	}
	if o.MaxBackups <= 0 {
		o.MaxBackups = DefaultMaxBackups
	}
	return &lumberjack.Logger{Filename: filepath.Join(dir, Name), MaxSize: o.MaxSizeMB, MaxBackups: o.MaxBackups, LocalTime: false}, nil
}

// Handler returns the slog handler that writes JSON lines at level and above to w (a writer
// from Open).
func Handler(w io.Writer, level slog.Leveler) slog.Handler {
	return slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
}

// Files lists the log files of dir, oldest first: the rotated ones, then the current one.
// A folder with no log yet gives none and no error.
func Files(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("logfile: reading the log folder %s: %w", dir, err)
	}
	base := strings.TrimSuffix(Name, ".log")
	var rotated []string
	current := false
	for _, e := range entries {
		n := e.Name()
		switch {
		case e.IsDir():
		case n == Name:
			current = true
		case strings.HasPrefix(n, base+"-") && strings.HasSuffix(n, ".log"):
			rotated = append(rotated, n) // the timestamp in the name sorts in time order
		}
	}
	sort.Strings(rotated)
	var out []string
	for _, n := range rotated {
		out = append(out, filepath.Join(dir, n))
	}
	if current {
		out = append(out, filepath.Join(dir, Name))
	}
	return out, nil
}

// Record is one log line read back.
type Record struct {
	Time  time.Time
	Level slog.Level
	Msg   string
	// Attrs are the other keys of the line, in the order written.
	Attrs []Attr
	// Raw is the line as stored (a line that is not JSON is kept as its message).
	Raw string
}

// Attr is one key of a record.
type Attr struct {
	Key   string
	Value string
}

// Get returns the value of key ("" when absent).
func (r Record) Get(key string) string {
	for _, a := range r.Attrs {
		if a.Key == key {
			return a.Value
		}
	}
	return ""
}

// Parse reads one JSON line as written by Handler.
func Parse(line string) Record {
	rec := Record{Raw: line, Msg: line, Level: slog.LevelInfo}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return rec
	}
	rec.Msg = ""
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return Record{Raw: line, Msg: line, Level: slog.LevelInfo}
		}
		key, _ := kt.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return Record{Raw: line, Msg: line, Level: slog.LevelInfo}
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		switch key {
		case slog.TimeKey:
			rec.Time, _ = time.Parse(time.RFC3339Nano, s)
		case slog.LevelKey:
			_ = rec.Level.UnmarshalText([]byte(s))
		case slog.MessageKey:
			rec.Msg = s
		default:
			rec.Attrs = append(rec.Attrs, Attr{Key: key, Value: s})
		}
	}
	return rec
}

// Format renders a record on one line for people: local time, level, message, key=value.
func Format(r Record, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	var b strings.Builder
	if !r.Time.IsZero() {
		b.WriteString(r.Time.In(loc).Format("2006-01-02 15:04:05 "))
	}
	fmt.Fprintf(&b, "%-5s %s", r.Level.String(), r.Msg)
	for _, a := range r.Attrs {
		v := a.Value
		if v == "" || strings.ContainsAny(v, " \t\"=") {
			v = fmt.Sprintf("%q", v)
		}
		fmt.Fprintf(&b, " %s=%s", a.Key, v)
	}
	return b.String()
}

// Filter selects records: every term (case-insensitive) must occur in the record's
// formatted line, and its level must be at least MinLevel (the zero value is info, which
// leaves out debug records: set slog.LevelDebug for every record).
type Filter struct {
	Terms    []string
	MinLevel slog.Level
}

// Match reports whether r passes the filter.
func (f Filter) Match(r Record) bool {
	if r.Level < f.MinLevel {
		return false
	}
	if len(f.Terms) == 0 {
		return true
	}
	line := strings.ToLower(Format(r, time.UTC) + " " + r.Raw)
	for _, t := range f.Terms {
		if !strings.Contains(line, strings.ToLower(t)) {
			return false
		}
	}
	return true
}

// Read returns every record of dir that passes f, oldest first.
func Read(dir string, f Filter) ([]Record, error) {
	files, err := Files(dir)
	if err != nil {
		return nil, err
	}
	var out []Record
	for _, path := range files {
		fh, err := os.Open(path)
		if err != nil {
			if os.IsNotExist(err) {
				continue // rotated away meanwhile
			}
			return nil, fmt.Errorf("logfile: %w", err)
		}
		err = scan(fh, func(line string) {
			if r := Parse(line); f.Match(r) {
				out = append(out, r)
			}
		})
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("logfile: reading %s: %w", path, err)
		}
	}
	return out, nil
}

// Tail returns the last n records of dir that pass f, oldest first (n ≤ 0: all).
func Tail(dir string, n int, f Filter) ([]Record, error) {
	recs, err := Read(dir, f)
	if err != nil {
		return nil, err
	}
	if n > 0 && len(recs) > n {
		recs = slices.Clone(recs[len(recs)-n:])
	}
	return recs, nil
}

func scan(r io.Reader, fn func(string)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			fn(line)
		}
	}
	return sc.Err()
}

// FollowPoll is how often Follow looks for new lines.
var FollowPoll = 200 * time.Millisecond

// Follow calls fn with every record that passes f and is appended to the current log file of
// dir after Follow starts, until ctx ends (it then returns nil). When the file is rotated,
// the rest of the old file is read and the new file followed from its start.
func Follow(ctx context.Context, dir string, f Filter, fn func(Record)) error {
	path := filepath.Join(dir, Name)
	var (
		fh      *os.File
		pending []byte
	)
	defer func() {
		if fh != nil {
			fh.Close()
		}
	}()
	open := func(atEnd bool) error {
		h, err := os.Open(path)
		if err != nil {
			if os.IsNotExist(err) {
				return nil // not written yet
			}
			return fmt.Errorf("logfile: following %s: %w", path, err)
		}
		if atEnd {
			if _, err := h.Seek(0, io.SeekEnd); err != nil {
				h.Close()
				return fmt.Errorf("logfile: following %s: %w", path, err)
			}
		}
		fh, pending = h, nil
		return nil
	}
	drain := func() error {
		if fh == nil {
			return nil
		}
		buf := make([]byte, 64*1024)
		for {
			n, err := fh.Read(buf)
			pending = append(pending, buf[:n]...)
			for {
				i := bytes.IndexByte(pending, '\n')
				if i < 0 {
					break
				}
				line := strings.TrimSpace(string(pending[:i]))
				pending = pending[i+1:]
				if line == "" {
					continue
				}
				if r := Parse(line); f.Match(r) {
					fn(r)
				}
			}
			if err == io.EOF || n == 0 {
				return nil
			}
			if err != nil {
				return fmt.Errorf("logfile: following %s: %w", path, err)
			}
		}
	}
	if err := open(true); err != nil {
		return err
	}
	tick := time.NewTicker(FollowPoll)
	defer tick.Stop()
	for {
		if err := drain(); err != nil {
			return err
		}
		// Rotated (a new file under the name) or truncated: finish the old one, then
		// follow the new file from its start.
		if st, err := os.Stat(path); err == nil {
			var cur os.FileInfo
			if fh != nil {
				cur, _ = fh.Stat()
			}
			if fh == nil || cur == nil || !os.SameFile(st, cur) {
				if err := drain(); err != nil {
					return err
				}
				if fh != nil {
					fh.Close()
					fh = nil
				}
				if err := open(false); err != nil {
					return err
				}
				continue
			} else if pos, err := fh.Seek(0, io.SeekCurrent); err == nil && st.Size() < pos {
				if _, err := fh.Seek(0, io.SeekStart); err != nil {
					return fmt.Errorf("logfile: following %s: %w", path, err)
				}
				pending = nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
