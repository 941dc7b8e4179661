package config

import (
	"net/url"
	"sort"
	"strings"
	"time"
)

// Secrets returns every secret value of the configuration, for redacting logs and messages:
// the Net2 password and client_id, the client secret of each outlook source, the SMTP
// password, and for each http(s) iCal feed the full URL plus its parts that carry tokens: the
// user info, the query string and its values of 8 characters or more, and path segments of 16
// characters or more (private calendar links put their token in the path). Local feed paths
// are not secret. The list has no empty or repeated strings and is sorted longest first, so
// that replacing each in turn masks a whole URL before its parts.
//
// The Graph application (client) id is not included: it is a public identifier that Microsoft
// error messages quote, and hiding it would only make them harder to act on.
func (c *Config) Secrets() []string {
	var s []string
	s = append(s, c.Net2.Password, c.Net2.ClientID, c.Email.SMTP.Password, c.Status.Token)
	for _, src := range c.Sources {
		s = append(s, src.ClientSecret)
		if src.Type == SourceICal && isHTTP(src.URL) {
			s = append(s, urlSecrets(src.URL)...)
		}
	}
	return sortSecrets(s)
}

// Lookahead is access.lookahead_days as a duration: how far ahead bookings create users and
// codes.
func (c *Config) Lookahead() time.Duration {
	return time.Duration(c.Access.LookaheadDays) * 24 * time.Hour
}

// IsFile reports whether an ical source reads a local file (URL is then an absolute path)
// rather than an http(s) URL.
func (s Source) IsFile() bool {
	return s.Type == SourceICal && s.URL != "" && !isHTTP(s.URL)
}

func isHTTP(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// urlSecrets returns a feed URL and its token-bearing parts.
func urlSecrets(raw string) []string {
	out := []string{raw}
	u, err := url.Parse(raw)
	if err != nil {
		return out
	}
	if u.User != nil {
		out = append(out, u.User.String(), u.User.Username())
		if pw, ok := u.User.Password(); ok {
			out = append(out, pw)
		}
	}
	if u.RawQuery != "" {
		out = append(out, u.RawQuery)
		for _, vs := range u.Query() {
			for _, v := range vs {
				if len(v) >= 8 {
					out = append(out, v, url.QueryEscape(v))
				}
			}
		}
	}
	for _, p := range []string{u.Path, u.EscapedPath()} {
		for _, seg := range strings.Split(p, "/") {
			if len(seg) >= 16 {
				out = append(out, seg)
			}
		}
	}
	return out
}

// sortSecrets drops empty and repeated strings and sorts the rest longest first.
func sortSecrets(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}
