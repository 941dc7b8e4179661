package ical

import (
	"errors"
	"net/url"
	"strings"
	"unicode/utf8"
)

// RedactURL returns a form of a feed URL that is safe to log. Booking systems protect their
// iCal feeds only by an obscure link (SPEC F4), so the URL is a secret: the result keeps the
// scheme, host and port, drops user information and fragment, replaces every query value (and
// every bare query token) by *** and every path segment of 12 or more characters by ***. A
// local file path (anything without "://", or a file: URL) is returned as given: file paths
// are configuration, not credentials.
func RedactURL(raw string) string {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") || strings.HasPrefix(strings.ToLower(s), "file:") {
		return raw
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return redactUnparsable(s)
	}
	var b strings.Builder
	b.WriteString(strings.ToLower(u.Scheme))
	b.WriteString("://")
	b.WriteString(u.Host)
	if p := u.EscapedPath(); p != "" {
		segs := strings.Split(p, "/")
		for i, seg := range segs {
			dec, err := url.PathUnescape(seg)
			if err != nil {
				dec = seg
			}
			if utf8.RuneCountInString(dec) >= 12 {
				segs[i] = "***"
			}
		}
		b.WriteString(strings.Join(segs, "/"))
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		kept := parts[:0]
		for _, p := range parts {
			if p == "" {
				continue
			}
			if k, _, ok := strings.Cut(p, "="); ok {
				kept = append(kept, k+"=***")
			} else {
				kept = append(kept, "***")
			}
		}
		if len(kept) > 0 {
			b.WriteByte('?')
			b.WriteString(strings.Join(kept, "&"))
		}
	}
	return b.String()
}

// redactUnparsable handles a URL that net/url rejects: keep what looks like scheme and host,
// hide everything else.
func redactUnparsable(s string) string {
	scheme, rest, _ := strings.Cut(s, "://")
	host := rest
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	out := strings.ToLower(scheme) + "://" + host
	if len(rest) > len(host) {
		out += "/***"
	}
	return out
}

// urlSecrets lists the parts of a feed URL that must never appear in an error or log line:
// query values, user information, fragment and long path segments, in raw and decoded form.
func urlSecrets(raw string) []string {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") || strings.HasPrefix(strings.ToLower(s), "file:") {
		return nil
	}
	var out []string
	add := func(v string) {
		if len(v) >= 3 {
			out = append(out, v)
		}
	}
	add(s)
	u, err := url.Parse(s)
	if err != nil {
		// Hide everything after the host.
		_, rest, _ := strings.Cut(s, "://")
		if i := strings.IndexAny(rest, "/?#"); i >= 0 {
			add(rest[i:])
		}
		return out
	}
	if u.User != nil {
		add(u.User.Username())
		if p, ok := u.User.Password(); ok {
			add(p)
		}
	}
	add(u.Fragment)
	for _, p := range strings.Split(u.RawQuery, "&") {
		_, v, ok := strings.Cut(p, "=")
		if !ok {
			v = p
		}
		add(v)
		if dec, err := url.QueryUnescape(v); err == nil {
			add(dec)
		}
	}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		dec, err := url.PathUnescape(seg)
		if err != nil {
			dec = seg
		}
		if utf8.RuneCountInString(dec) >= 12 {
			add(seg)
			add(dec)
		}
	}
	return out
}

// redactError makes err safe to return and log: a *url.Error from net/http carries the full
// request URL (after redirects, the target's), so it is rebuilt with the URL redacted; its
// cause is kept, so errors.Is(err, context.DeadlineExceeded) still works. If any secret still
// shows in the message after that, the error is replaced by a masked copy.
func redactError(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) && err == error(ue) {
		err = &url.Error{Op: ue.Op, URL: RedactURL(ue.URL), Err: ue.Err}
	}
	msg := err.Error()
	masked := maskSecrets(msg, secrets)
	if masked == msg {
		return err
	}
	return &maskedError{msg: masked, timeout: isTimeout(err)}
}

// maskSecrets replaces every occurrence of a secret in s by ***.
func maskSecrets(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}

// maskedError is an error whose message had to be masked; it deliberately does not unwrap to
// the original (which holds the secret), but still answers Timeout().
type maskedError struct {
	msg     string
	timeout bool
}

func (e *maskedError) Error() string { return e.msg }

// Timeout reports whether the masked error was a timeout, for callers that classify errors.
func (e *maskedError) Timeout() bool { return e.timeout }

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
