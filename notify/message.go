package notify

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// entity is one MIME entity: its Content-* headers and its encoded body.
type entity struct {
	header textproto.MIMEHeader
	body   []byte
}

// textEntity is a text part in UTF-8, quoted-printable (7-bit clean, CRLF line ends).
func textEntity(mediaType string, params map[string]string, text string) (entity, error) {
	p := map[string]string{"charset": "utf-8"}
	for k, v := range params {
		p[k] = v
	}
	var buf bytes.Buffer
	qp := quotedprintable.NewWriter(&buf)
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(text)
	if !strings.HasSuffix(text, "\n") {
		text += "\n" // SMTP would add the line end anyway; have it in every copy of the message
	}
	if _, err := qp.Write([]byte(text)); err != nil {
		return entity{}, err
	}
	if err := qp.Close(); err != nil {
		return entity{}, err
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", mime.FormatMediaType(mediaType, p))
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	return entity{header: h, body: buf.Bytes()}, nil
}

// binaryEntity is a base64 part; disposition is "inline" or "attachment".
func binaryEntity(mediaType string, params map[string]string, disposition, filename string, data []byte) entity {
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", mime.FormatMediaType(mediaType, params))
	h.Set("Content-Transfer-Encoding", "base64")
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": filename}))
	return entity{header: h, body: base64Lines(data)}
}

// base64Lines encodes data in lines of 76 characters (RFC 2045).
func base64Lines(data []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(data)
	var b bytes.Buffer
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteString("\r\n")
	return b.Bytes()
}

// multipartEntity nests parts in a multipart/<subtype> entity.
func multipartEntity(subtype string, params map[string]string, parts ...entity) (entity, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	// A short random boundary keeps the Content-Type lines near 78 characters.
	if err := w.SetBoundary("=_n2b_" + randomHex(12)); err != nil {
		return entity{}, err
	}
	for _, p := range parts {
		pw, err := w.CreatePart(p.header)
		if err != nil {
			return entity{}, err
		}
		if _, err := pw.Write(p.body); err != nil {
			return entity{}, err
		}
	}
	if err := w.Close(); err != nil {
		return entity{}, err
	}
	p := map[string]string{"boundary": w.Boundary()}
	for k, v := range params {
		p[k] = v
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", mime.FormatMediaType("multipart/"+subtype, p))
	return entity{header: h, body: buf.Bytes()}, nil
}

// headers is an ordered list of top-level header fields.
type headers [][2]string

func (h *headers) add(name, value string) { *h = append(*h, [2]string{name, value}) }

// message writes the top-level headers, the root entity's Content-* headers and its body.
// A header value with a CR or LF is refused: values are built from cleaned text, so this is
// the last line of defence against header injection, not the first.
func message(h headers, root entity) ([]byte, error) {
	var b bytes.Buffer
	h.add("MIME-Version", "1.0")
	for _, k := range []string{"Content-Type", "Content-Transfer-Encoding"} {
		if v := root.header.Get(k); v != "" {
			h.add(k, v)
		}
	}
	for _, f := range h {
		if strings.ContainsAny(f[0]+f[1], "\r\n") {
			return nil, fmt.Errorf("compose message: header %s holds a line break", f[0])
		}
		writeFolded(&b, f[0], f[1])
	}
	b.WriteString("\r\n")
	b.Write(root.body)
	return b.Bytes(), nil
}

// writeFolded writes "Name: value" folded at spaces so that lines stay within 78 characters
// where the words allow (RFC 5322 section 2.2.3).
func writeFolded(b *bytes.Buffer, name, value string) {
	line := len(name) + 2
	b.WriteString(name)
	b.WriteString(":")
	for i, word := range strings.Split(value, " ") {
		if i > 0 && line+1+len(word) > 78 {
			b.WriteString("\r\n")
			line = 0
		}
		b.WriteString(" ")
		b.WriteString(word)
		line += 1 + len(word)
	}
	b.WriteString("\r\n")
}

// encodeHeaderText makes free text (a subject) safe for a header: cleaned of control
// characters (CleanText) and RFC 2047-encoded when it is not plain ASCII.
func encodeHeaderText(s string) string {
	return mime.QEncoding.Encode("utf-8", CleanText(s))
}

// formatAddress renders an address for a header; the display name is cleaned (CleanText) and
// RFC 2047-encoded or quoted as needed by net/mail.
func formatAddress(name, addr string) string {
	return (&mail.Address{Name: CleanText(name), Address: addr}).String()
}

// parseRecipient validates an address from a booking feed: one plain address, nothing else.
func parseRecipient(s string) (string, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil || a.Name != "" || strings.ContainsAny(a.Address, "\r\n<>,; \t") {
		return "", fmt.Errorf("%q is not a valid email address: %w", CleanText(s), ErrPermanent)
	}
	return a.Address, nil
}

// messageID returns a new globally unique Message-ID in the sender's domain.
func messageID(sender string) string {
	domain := "net2booking.invalid"
	if i := strings.LastIndexByte(sender, '@'); i >= 0 && i+1 < len(sender) {
		domain = sender[i+1:]
	}
	return "<" + randomHex(16) + "@" + domain + ">"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// commonHeaders are the headers every message carries. Auto-Submitted (RFC 3834) and
// X-Auto-Response-Suppress keep out-of-office replies away from the sender address.
func commonHeaders(from, to, subject, msgID string, date time.Time) headers {
	var h headers
	h.add("From", from)
	h.add("To", to)
	h.add("Subject", subject)
	h.add("Date", date.Format(time.RFC1123Z))
	h.add("Message-ID", msgID)
	h.add("Auto-Submitted", "auto-generated")
	h.add("X-Auto-Response-Suppress", "All")
	return h
}
