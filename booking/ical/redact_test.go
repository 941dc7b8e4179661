package ical

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://calendar.skedda.com/ical/abcdef1234567890abcdef.ics":                  "https://calendar.skedda.com/ical/***",
		"https://booked.example.org/Web/export/ical-subscribe.php?icskey=K3y&uid=42&x": "https://booked.example.org/Web/export/***?icskey=***&uid=***&***",
		"https://user:pass@host.example.com:8443/a/b?x=1#frag":                         "https://host.example.com:8443/a/b?x=***",
		"HTTP://Host.Example.com/short/path":                                           "http://Host.Example.com/short/path",
		"https://host.example.com/%7Etoken%7Eabcdefghij/x":                             "https://host.example.com/***/x",
		"https://host.example.com":                                                     "https://host.example.com",
		"https://host.example.com/?":                                                   "https://host.example.com/",
		"/var/lib/net2booking/feed-with-a-long-name.ics":                               "/var/lib/net2booking/feed-with-a-long-name.ics",
		`C:\feeds\rooms.ics`:                                                           `C:\feeds\rooms.ics`,
		"file:///srv/feeds/a-very-long-file-name.ics":                                  "file:///srv/feeds/a-very-long-file-name.ics",
		"https://host.example.com/%zz/secretsecretsecret?token=abc":                    "https://host.example.com/***",
		"webcal://calendar.example.com/feeds/0123456789abcdef0123?token=abc":           "webcal://calendar.example.com/feeds/***?token=***",
		"https://user:" + secret + "@[::1]:80/p":                                       "https://[::1]:80/p",
	} {
		assert.Equal(t, want, RedactURL(in), in)
	}
}
