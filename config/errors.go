package config

import (
	"sort"
	"strconv"
	"strings"
)

// Error is one problem found in a configuration file. Its message never contains a secret
// value.
type Error struct {
	// File is the configuration file's path as given to Load or Parse.
	File string
	// Line is the 1-based line of the offending key or value; 0 when the problem concerns
	// something missing from the top level of the file.
	Line int
	// Key is the path of the key, e.g. access.grace_before, sources[2].url (list positions
	// count from 1) or resources."Room #1"; empty for a problem with the file as a whole.
	Key string
	// Reason says what is wrong and, where it helps, how to write it instead.
	Reason string
}

// Error renders the problem as FILE:LINE: key.path: reason (the line and key are left out
// when there is none).
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// ErrorList is every problem found in one configuration file, sorted by line. Parse and Load
// return it (as an error) when the file is not valid; it is never empty then.
type ErrorList []*Error

// Error renders one problem per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap gives the individual problems, so that errors.As finds an *Error.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// sortByLine orders the problems by line, keeping the order of discovery within a line.
func (l ErrorList) sortByLine() {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Line < l[j].Line })
}

// mask replaces every secret of at least minMaskLen bytes in the reasons by "***".
func (l ErrorList) mask(secrets []string) {
	for _, e := range l {
		for _, s := range secrets {
			if len(s) >= minMaskLen {
				e.Reason = strings.ReplaceAll(e.Reason, s, "***")
			}
		}
	}
}

// minMaskLen is the shortest secret masked in messages: shorter ones would mask ordinary
// words, and are not worth protecting by this second line of defence.
const minMaskLen = 4
