package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads the configuration file at path and parses it with the process environment for
// ${NAME} references (see Parse). A file that cannot be read gives the os error, wrapped; a
// file with problems gives an ErrorList.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading configuration: %w", err)
	}
	return Parse(data, path, os.LookupEnv)
}

// Parse parses and validates the contents of a configuration file. path is used in messages
// (as given) and to resolve relative paths in the file (against its directory, made
// absolute); with an empty path, messages say "config" and relative paths are resolved
// against the working directory. env looks up environment variables for ${NAME} references,
// like os.LookupEnv (nil means os.LookupEnv).
//
// When the file has problems, Parse returns a nil *Config and an ErrorList with all of them,
// sorted by line.
func Parse(data []byte, path string, env func(string) (string, bool)) (*Config, error) {
	if env == nil {
		env = os.LookupEnv
	}
	p := &parser{file: path, env: env}
	if p.file == "" {
		p.file = "config"
	}
	abs := ""
	if path != "" {
		if a, err := filepath.Abs(path); err == nil {
			abs = a
		} else {
			abs = path
		}
		p.dir = filepath.Dir(abs)
	} else if wd, err := os.Getwd(); err == nil {
		p.dir = wd
	} else {
		p.dir = "."
	}

	var cfg *Config
	if root, ok := p.document(data); ok {
		cfg = p.config(root)
	} else {
		cfg = &Config{}
	}
	cfg.Path = abs
	if len(p.errs) > 0 {
		p.errs.mask(sortSecrets(append(p.secrets, cfg.Secrets()...)))
		p.errs.sortByLine()
		return nil, p.errs
	}
	return cfg, nil
}

// document decodes the single YAML document of the file and returns its root (nil for an
// empty file). ok is false when the file is not YAML (reported): its contents are then not
// checked any further, as every other message would be noise.
func (p *parser) document(data []byte) (root *yaml.Node, ok bool) {
	defer func() {
		// The YAML decoder reports errors by panicking internally and recovering; should it
		// ever let a panic through, a broken file must still give an error, not a crash.
		if r := recover(); r != nil {
			p.errorf(0, "", "is not valid YAML")
			root, ok = nil, false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) {
			p.yamlError(err)
			return nil, false
		}
		return nil, true
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		p.yamlError(err)
		return nil, false
	case len(next.Content) == 0 || isNull(next.Content[0]):
		// a trailing "---" with nothing after it is harmless
	default:
		line := next.Line
		if len(next.Content) > 0 && next.Content[0].Line > 0 {
			line = next.Content[0].Line
		}
		p.errorf(line, "", "a second YAML document (after ---) is not allowed: the file holds one configuration")
		return nil, false
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	if r := resolve(root); r != nil && !isNull(r) && r.Kind != yaml.MappingNode {
		p.errorf(r.Line, "", "the file must consist of sections (net2:, sources:, resources:, ...), not %s", kindName(r))
		return nil, false
	}
	if expandedSize(root, map[*yaml.Node]int{}) > maxValues {
		p.errorf(0, "", "has more than %d values once its aliases (*name) are expanded", maxValues)
		return nil, false
	}
	return root, true
}

// maxValues bounds the size of a file after alias expansion, so that a few aliases of
// aliases cannot make the walk take forever (a "billion laughs" file).
const maxValues = 1_000_000

// expandedSize counts the nodes of a tree with every alias replaced by what it names,
// saturating just above maxValues. Each node is counted once (memo), so this is linear.
func expandedSize(n *yaml.Node, memo map[*yaml.Node]int) int {
	if n == nil {
		return 0
	}
	if n.Kind == yaml.AliasNode {
		return expandedSize(n.Alias, memo)
	}
	if size, seen := memo[n]; seen {
		return size
	}
	memo[n] = 1 // a node that contains an alias of itself counts once
	size := 1
	for _, c := range n.Content {
		size += expandedSize(c, memo)
		if size > maxValues {
			size = maxValues + 1
			break
		}
	}
	memo[n] = size
	return size
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError reports a syntax error of the YAML parser at its line. The parser's messages
// describe the syntax, never the values.
func (p *parser) yamlError(err error) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		reason := "not valid YAML: " + m[2]
		switch {
		case strings.Contains(m[2], "cannot start any token"):
			reason += " (indent with spaces, not tabs; quote values starting with @, ` or %)"
		case strings.HasPrefix(m[2], "did not find expected"):
			// The parser names the line where the enclosing block starts, not the bad line.
			reason += " in the block starting at this line (check the indentation of the lines below it)"
		}
		p.errorf(line, "", "%s", reason)
		return
	}
	p.errorf(0, "", "not valid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}

// topKeys are the sections of the file.
var topKeys = []string{"net2", "site", "sources", "resources", "access", "safety", "email", "logging", "status", "service"}

// config walks the whole file. It fills defaults for everything not given.
func (p *parser) config(root *yaml.Node) *Config {
	top := p.section(root, "", 0, topKeys, nil)
	cfg := &Config{}
	cfg.Net2 = p.net2(top)
	cfg.Site = p.site(top)
	cfg.Sources = p.sources(top)
	cfg.Access = p.access(top) // before resources: access.grant says what resources name
	cfg.Resources = p.resources(top, cfg.Access.Grant)
	cfg.Safety = p.safety(top)
	cfg.Email = p.email(top)
	cfg.Logging = p.logging(top)
	cfg.Status = p.status(top)
	cfg.Service = p.service(top)
	return cfg
}

// sub returns the named section of s, checked against its known keys.
func (p *parser) sub(s *section, name string, known []string) *section {
	f := s.fields[name]
	if f == nil {
		return p.section(nil, s.child(name), s.line, known, nil)
	}
	return p.section(f.val, f.path, f.line, known, nil)
}

// path resolves a path from the file against the file's directory.
func (p *parser) path(s string) string {
	s = filepath.Clean(s)
	if !filepath.IsAbs(s) {
		s = filepath.Join(p.dir, s)
	}
	return s
}
