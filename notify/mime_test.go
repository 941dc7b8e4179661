package notify_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// mimePart is one parsed MIME entity, its body decoded.
type mimePart struct {
	MediaType string
	Params    map[string]string
	Header    textproto.MIMEHeader
	Body      []byte
	Parts     []*mimePart
}

// parseMessage parses a whole message the way a mail reader does (net/mail, mime/multipart)
// and checks the wire format on the way: CRLF line ends and lines of at most 998 octets.
func parseMessage(t *testing.T, raw []byte) (*mail.Message, *mimePart) {
	t.Helper()
	for i, line := range strings.Split(string(raw), "\r\n") {
		require.NotContains(t, line, "\n", "line %d has a bare LF", i+1)
		require.NotContains(t, line, "\r", "line %d has a bare CR", i+1)
		require.LessOrEqual(t, len(line), 998, "line %d too long", i+1)
		for _, b := range []byte(line) {
			require.True(t, b == '\t' || (b >= 0x20 && b < 0x7f), "line %d is not 7-bit clean: %q", i+1, line)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	require.NoError(t, err)
	body, err := io.ReadAll(msg.Body)
	require.NoError(t, err)
	return msg, parseEntity(t, textproto.MIMEHeader(msg.Header), body)
}

func parseEntity(t *testing.T, h textproto.MIMEHeader, body []byte) *mimePart {
	t.Helper()
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	require.NoError(t, err, "Content-Type %q", ct)
	p := &mimePart{MediaType: mt, Params: params, Header: h}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			part, err := r.NextRawPart()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			b, err := io.ReadAll(part)
			require.NoError(t, err)
			p.Parts = append(p.Parts, parseEntity(t, part.Header, b))
		}
		return p
	}
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		p.Body, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	case "base64":
		p.Body, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(body)))
	default:
		p.Body = body
	}
	require.NoError(t, err)
	return p
}

// find returns the parts (depth first) of the given media type.
func (p *mimePart) find(mediaType string) []*mimePart {
	var out []*mimePart
	if p.MediaType == mediaType {
		out = append(out, p)
	}
	for _, c := range p.Parts {
		out = append(out, c.find(mediaType)...)
	}
	return out
}

// shape renders the MIME tree as an indented list of media types, for structure checks.
func (p *mimePart) shape() string {
	var b strings.Builder
	var walk func(*mimePart, int)
	walk = func(p *mimePart, depth int) {
		b.WriteString(strings.Repeat("  ", depth) + p.MediaType)
		if d := p.Header.Get("Content-Disposition"); d != "" {
			dt, _, _ := mime.ParseMediaType(d)
			b.WriteString(" (" + dt + ")")
		}
		b.WriteString("\n")
		for _, c := range p.Parts {
			walk(c, depth+1)
		}
	}
	walk(p, 0)
	return b.String()
}
