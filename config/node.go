package config

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// parser walks one file's yaml.Node tree, collecting problems.
type parser struct {
	file    string // as given, for messages
	dir     string // absolute directory against which relative paths are resolved
	env     func(string) (string, bool)
	errs    ErrorList
	secrets []string // raw secret values seen, masked from every message at the end
}

// errorf records a problem. Reasons are built by this package and never quote secret values.
func (p *parser) errorf(line int, key, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Key: key, Reason: fmt.Sprintf(format, args...)})
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// isNull reports whether a node is absent or an explicit YAML null (`key:`, `key: ~`,
// `key: null`), which counts as "not given".
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || n.Kind == 0 || n.Kind == yaml.AliasNode ||
		(n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// kindName names a node's kind for messages about a value of the wrong kind.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a section of keys"
	case yaml.SequenceNode:
		return "a list"
	default:
		return "a single value"
	}
}

// field is one key of a mapping.
type field struct {
	name string
	key  *yaml.Node
	val  *yaml.Node // alias resolved
	path string
	line int // line of the key
}

// valueLine is the line of the value, or of the key when the value has none.
func (f *field) valueLine() int {
	if f.val != nil && f.val.Line > 0 {
		return f.val.Line
	}
	return f.line
}

// section is a mapping whose keys have been checked: no duplicates, no unknown keys.
type section struct {
	p       *parser
	path    string // key path of the section itself; "" for the top level
	line    int    // line of the key naming the section (for "missing" problems)
	present bool   // the section is given and is a mapping
	fields  map[string]*field
	order   []*field // in file order
}

// child returns the path of a key inside the section.
func (s *section) child(name string) string {
	if s.path == "" {
		return name
	}
	return s.path + "." + name
}

// get returns the field of a key, or nil when the key is absent or has no value.
func (s *section) get(name string) *field {
	f := s.fields[name]
	if f == nil || isNull(f.val) {
		return nil
	}
	return f
}

// keyLine is the line of a key if given, else the line of the section.
func (s *section) keyLine(name string) int {
	if f := s.fields[name]; f != nil {
		return f.line
	}
	return s.line
}

// section checks that n is a mapping and that its keys are known (known == nil: any key) and
// unique. foreign gives a specific reason for keys that are known elsewhere but not here.
// A null or absent n gives an empty, not present section.
func (p *parser) section(n *yaml.Node, path string, line int, known []string, foreign map[string]string) *section {
	s := &section{p: p, path: path, line: line, fields: map[string]*field{}}
	n = resolve(n)
	if isNull(n) {
		return s
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, path, "must be a section of keys indented below it, not %s", kindName(n))
		return s
	}
	s.present = true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.errorf(n.Content[i].Line, path, "keys must be plain names, not %s", kindName(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			p.errorf(k.Line, path, "merge keys (<<) are not supported: write the keys out")
			continue
		}
		name := k.Value
		f := &field{name: name, key: k, val: v, path: s.child(name), line: k.Line}
		if known == nil { // free-form names (resources): quote them in paths
			f.path = s.path + "." + strconv.Quote(name)
		}
		if first, dup := s.fields[name]; dup {
			p.errorf(k.Line, f.path, "duplicate key (first given at line %d)", first.line)
			continue
		}
		if known != nil && !contains(known, name) {
			s.fields[name] = f // so that a repeat is not reported twice
			if why, ok := foreign[name]; ok {
				p.errorf(k.Line, f.path, "%s", why)
			} else {
				p.errorf(k.Line, f.path, "unknown key%s", suggest(name, known))
			}
			continue
		}
		s.fields[name] = f
		s.order = append(s.order, f)
	}
	// Unknown keys were put in fields only to catch repeats.
	for name := range s.fields {
		if known != nil && !contains(known, name) {
			delete(s.fields, name)
		}
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest names the known key closest to a misspelt one, or lists the known keys.
func suggest(name string, known []string) string {
	best, bestD := "", 3
	lower := strings.ToLower(name)
	for _, k := range known {
		d := editDistance(lower, k)
		if d > 0 && len(k) >= 3 && (strings.HasPrefix(lower, k) || strings.HasPrefix(k, lower)) {
			d = 1 // hostname for host, dial for dialect
		}
		if d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	return " (known keys: " + strings.Join(known, ", ") + ")"
}

// editDistance is the Levenshtein distance, for suggestions between short key names.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return math.MaxInt32
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// scalar is the text of a single value after ${ENV} expansion.
type scalar struct {
	text   string
	node   *yaml.Node
	path   string
	line   int
	raw    bool // the text is exactly as written (no ${...} was expanded)
	secret bool
}

// quoted renders the value for a message: quoted, or a placeholder for secrets.
func (v scalar) quoted() string {
	if v.secret {
		return "the value (not shown: it is secret)"
	}
	return strconv.Quote(v.text)
}

// yamlInt reports whether the value was written as a YAML integer.
func (v scalar) yamlInt() bool {
	return v.raw && v.node.ShortTag() == "!!int"
}

// scalarOf checks that a node is a single value and expands it. ok is false when the node has
// the wrong kind or an expansion failed (both reported).
func (p *parser) scalarOf(n *yaml.Node, path string, line int, secret bool) (scalar, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		p.errorf(n.Line, path, "must be a single value, not %s", kindName(n))
		return scalar{}, false
	}
	if n.Line > 0 {
		line = n.Line
	}
	if secret {
		p.secrets = append(p.secrets, n.Value)
	}
	text, ok := p.expand(n.Value, line, path)
	if !ok {
		return scalar{}, false
	}
	if secret {
		p.secrets = append(p.secrets, text)
	}
	return scalar{text: text, node: n, path: path, line: line, raw: text == n.Value, secret: secret}, true
}

// value returns the expanded text of a key. given is false when the key is absent or null;
// ok is false when it is given but unusable (already reported).
func (s *section) value(name string, secret bool) (v scalar, given, ok bool) {
	f := s.get(name)
	if f == nil {
		return scalar{}, false, true
	}
	v, ok = s.p.scalarOf(f.val, f.path, f.valueLine(), secret)
	return v, true, ok
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expand replaces ${NAME} references by environment values. Problems are reported with the
// key path and the line; the value itself is never quoted.
func (p *parser) expand(s string, line int, path string) (string, bool) {
	if !strings.Contains(s, "${") {
		return s, true
	}
	var b strings.Builder
	ok := true
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		rest := s[i+2:]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			p.errorf(line, path, "has ${ without a closing } (write ${NAME} to use the environment variable NAME)")
			return "", false
		}
		name := rest[:j]
		switch {
		case !envName.MatchString(name):
			p.errorf(line, path, "has a ${...} that is not an environment variable name (letters, digits and _, not starting with a digit)")
			ok = false
		default:
			v, set := p.env(name)
			if !set {
				p.errorf(line, path, "environment variable %s is not set", name)
				ok = false
			}
			b.WriteString(v)
		}
		s = rest[j+1:]
	}
	return b.String(), ok
}

// str reads a string key into dst; an absent key leaves dst alone. It reports whether the key
// was given with a usable value.
func (s *section) str(name string, dst *string, secret bool) (scalar, bool) {
	v, given, ok := s.value(name, secret)
	if !given || !ok {
		return v, false
	}
	*dst = v.text
	return v, true
}

// boolean reads a true/false key.
func (s *section) boolean(name string, dst *bool) {
	v, given, ok := s.value(name, false)
	if !given || !ok {
		return
	}
	switch v.text {
	case "true", "True", "TRUE":
		*dst = true
	case "false", "False", "FALSE":
		*dst = false
	default:
		s.p.errorf(v.line, v.path, "%s is not true or false", v.quoted())
	}
}

// parseInt reads a whole number: decimal, or any YAML integer notation when written as one.
func parseInt(v scalar) (int64, error) {
	text := strings.TrimSpace(v.text)
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil && v.yamlInt() { // 0x1F, 0o17, 0b101: YAML notations (0123 stays decimal)
		n, err = strconv.ParseInt(text, 0, 64)
	}
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, errors.New("is too large")
		}
		return 0, fmt.Errorf("%s is not a whole number", v.quoted())
	}
	return n, nil
}

// integer reads a whole number in [lo, hi] into dst; what names the allowed range in the
// message, e.g. "4 to 8".
func (s *section) integer(name string, dst *int, lo, hi int64, what string) bool {
	v, given, ok := s.value(name, false)
	if !given || !ok {
		return false
	}
	n, err := parseInt(v)
	if err != nil {
		s.p.errorf(v.line, v.path, "%v", err)
		return false
	}
	if n < lo || n > hi {
		s.p.errorf(v.line, v.path, "%d is out of range: %s", n, what)
		return false
	}
	*dst = int(n)
	return true
}

// duration reads a Go duration in [lo, hi] (hi 0: no upper bound) into dst.
func (s *section) duration(name string, dst *time.Duration, lo, hi time.Duration) {
	v, given, ok := s.value(name, false)
	if !given || !ok {
		return
	}
	d, err := time.ParseDuration(strings.TrimSpace(v.text))
	if err != nil {
		s.p.errorf(v.line, v.path, "%s is not a duration (write e.g. 5m or 1h30m)", v.quoted())
		return
	}
	switch {
	case d < 0 && lo == 0:
		s.p.errorf(v.line, v.path, "%s is negative (0 or more is needed)", d)
	case d < lo:
		s.p.errorf(v.line, v.path, "%s is too short (at least %s)", d, shortDuration(lo))
	case hi > 0 && d > hi:
		s.p.errorf(v.line, v.path, "%s is too long (at most %s)", d, shortDuration(hi))
	default:
		*dst = d
	}
}

// shortDuration writes round durations the way a person would: 24h, 1m, 30s.
func shortDuration(d time.Duration) string {
	switch {
	case d != 0 && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d != 0 && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// enum reads one of choices (matched case-insensitively) into dst, in canonical spelling.
func (s *section) enum(name string, dst *string, choices ...string) bool {
	v, given, ok := s.value(name, false)
	if !given || !ok {
		return false
	}
	for _, c := range choices {
		if strings.EqualFold(strings.TrimSpace(v.text), c) {
			*dst = c
			return true
		}
	}
	s.p.errorf(v.line, v.path, "%s is not one of %s", v.quoted(), strings.Join(choices, ", "))
	return false
}

// nameOrID reads a Net2 object reference; ids must lie in [lo, hi].
func (s *section) nameOrID(name string, dst *NameOrID, lo, hi int64) (scalar, bool) {
	v, given, ok := s.value(name, false)
	if !given || !ok {
		return v, false
	}
	text := v.text
	if v.yamlInt() || (text != "" && strings.Trim(text, "0123456789") == "") {
		n, err := parseInt(v)
		if err != nil {
			s.p.errorf(v.line, v.path, "id %v", err)
			return v, false
		}
		if n < lo || n > hi {
			s.p.errorf(v.line, v.path, "id %d is out of range (%d to %d)", n, lo, hi)
			return v, false
		}
		*dst = NameOrID{ID: int(n), IsID: true}
		return v, true
	}
	if strings.TrimSpace(text) == "" {
		s.p.errorf(v.line, v.path, "is empty: give the Net2 name or id, or leave the key out for the default")
		return v, false
	}
	*dst = NameOrID{Name: text}
	return v, true
}

// list returns the items of a list key (a single value counts as a list of one when
// singleOK). given is false when the key is absent or null.
func (s *section) list(name string, singleOK bool) (f *field, items []*yaml.Node, given, ok bool) {
	f = s.get(name)
	if f == nil {
		return nil, nil, false, true
	}
	switch {
	case f.val.Kind == yaml.SequenceNode:
		return f, f.val.Content, true, true
	case f.val.Kind == yaml.ScalarNode && singleOK:
		return f, []*yaml.Node{f.val}, true, true
	default:
		s.p.errorf(f.valueLine(), f.path, "must be a list, not %s", kindName(f.val))
		return f, nil, true, false
	}
}
