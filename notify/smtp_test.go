package notify_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html"
	"image/png"
	"io"
	"log/slog"
	"mime"
	"net"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-smtp"
	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/notify"
)

var amsterdam = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		panic(err)
	}
	return loc
}()

var fixedNow = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, amsterdam)
	if err != nil {
		panic(err)
	}
	return t
}

// sample is Jane's notification: a new QR code, one new booking and one upcoming one.
func sample(kind, code string) notify.Notification {
	return notify.Notification{
		Email: "jane.doe@example.com", DisplayName: "Jane Doe", FirstName: "Jane", LastName: "Doe",
		CodeKind: kind, Code: code, NewCode: true,
		Bookings: []notify.Booking{{
			Source: "skedda", UID: "24600000_6375", Resources: []string{"Room #1", "Room #2"},
			Start: at("2026-12-01 11:00"), End: at("2026-12-01 13:00"),
			AccessFrom: at("2026-12-01 10:45"), AccessUntil: at("2026-12-01 13:15"),
		}},
		Upcoming: []notify.Booking{
			{
				Source: "skedda", UID: "24600000_6375", Resources: []string{"Room #1", "Room #2"},
				Start: at("2026-12-01 11:00"), End: at("2026-12-01 13:00"),
				AccessFrom: at("2026-12-01 10:45"), AccessUntil: at("2026-12-01 13:15"),
			},
			{
				Source: "outlook", UID: "AAMkAD-42", Resources: []string{"Board room"},
				Start: at("2026-12-03 09:00"), End: at("2026-12-03 17:30"),
				AccessFrom: at("2026-12-03 08:45"), AccessUntil: at("2026-12-03 17:45"),
			},
		},
		ValidFrom: at("2026-12-01 00:00"), ValidUntil: at("2026-12-04 00:00"),
	}
}

func newSMTP(t *testing.T, ms *mailServer, security string, mod func(*notify.SMTPConfig)) *notify.SMTP {
	t.Helper()
	cfg := notify.SMTPConfig{
		Sender: "Front desk <noreply@example.com>", Location: amsterdam,
		Timeout: 20 * time.Second, Now: func() time.Time { return fixedNow },
		Hostname: "net2booking.test", Logger: slog.New(slog.DiscardHandler),
	}
	if ms != nil {
		cfg.Host, cfg.Port, cfg.Security = ms.Host, ms.Port, security
		cfg.TLSConfig = &tls.Config{RootCAs: ms.Pool}
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := notify.NewSMTP(cfg)
	require.NoError(t, err)
	return s
}

func decodeQR(t *testing.T, data []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	require.NoError(t, err)
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	require.NoError(t, err)
	return res.GetText()
}

// checkQRMessage verifies everything a QR notification must hold.
func checkQRMessage(t *testing.T, raw []byte, code string) {
	t.Helper()
	msg, root := parseMessage(t, raw)
	assert.Equal(t, "multipart/mixed\n"+
		"  multipart/alternative\n"+
		"    text/plain\n"+
		"    multipart/related\n"+
		"      text/html\n"+
		"      image/png (inline)\n"+
		"  image/png (attachment)\n"+
		"  text/calendar (attachment)\n", root.shape())

	// Headers.
	from, err := msg.Header.AddressList("From")
	require.NoError(t, err)
	assert.Equal(t, "Front desk", from[0].Name)
	assert.Equal(t, "noreply@example.com", from[0].Address)
	to, err := msg.Header.AddressList("To")
	require.NoError(t, err)
	require.Len(t, to, 1)
	assert.Equal(t, "Jane Doe", to[0].Name)
	assert.Equal(t, "jane.doe@example.com", to[0].Address)
	assert.Equal(t, notify.DefaultSubject, msg.Header.Get("Subject"))
	assert.Regexp(t, `^<[0-9a-f]{32}@example\.com>$`, msg.Header.Get("Message-Id"))
	date, err := msg.Header.Date()
	require.NoError(t, err)
	assert.True(t, date.Equal(fixedNow))
	assert.Equal(t, "auto-generated", msg.Header.Get("Auto-Submitted"))

	// The text part: the code, the attachment named, the bookings in Amsterdam time.
	text := string(root.find("text/plain")[0].Body)
	assert.Contains(t, text, "Hello Jane,")
	assert.Contains(t, text, "Your access code: "+code+" (the QR code is attached as access-code.png)")
	assert.Contains(t, text, "- Room #1, Room #2: Tuesday 1 December 2026 11:00 to 13:00 (doors open Tuesday 1 December 2026 10:45 to 13:15) (new)")
	assert.Contains(t, text, "- Board room: Thursday 3 December 2026 09:00 to 17:30")
	assert.Contains(t, text, "valid from Tuesday 1 December 2026 00:00 until Friday 4 December 2026 00:00")
	assert.Contains(t, text, "\r\n", "text lines end in CRLF once decoded")

	// The HTML part refers to the inline image by its Content-ID.
	related := root.find("multipart/related")[0]
	assert.Equal(t, "text/html", related.Params["type"])
	htm := string(related.Parts[0].Body)
	inline := related.Parts[1]
	cid := strings.Trim(inline.Header.Get("Content-Id"), "<>")
	require.NotEmpty(t, cid)
	assert.Contains(t, htm, `<img src="cid:`+cid+`"`)
	assert.Contains(t, htm, "<br>"+code)
	assert.Contains(t, htm, "Room #1, Room #2")
	assert.Equal(t, code, decodeQR(t, inline.Body), "the inline image is the QR of the code")

	// The same image as an attachment for text readers.
	var att *mimePart
	for _, p := range root.Parts[1:] {
		if p.MediaType == "image/png" {
			att = p
		}
	}
	require.NotNil(t, att)
	disp, dparams, err := mime.ParseMediaType(att.Header.Get("Content-Disposition"))
	require.NoError(t, err)
	assert.Equal(t, "attachment", disp)
	assert.Equal(t, notify.QRFileName, dparams["filename"])
	assert.Equal(t, code, decodeQR(t, att.Body))

	checkCalendar(t, root)
}

func checkCalendar(t *testing.T, root *mimePart) {
	t.Helper()
	cals := root.find("text/calendar")
	require.Len(t, cals, 1)
	assert.Equal(t, "PUBLISH", cals[0].Params["method"])
	cal, err := ical.NewDecoder(bytes.NewReader(cals[0].Body)).Decode()
	require.NoError(t, err)
	method, err := cal.Props.Text(ical.PropMethod)
	require.NoError(t, err)
	assert.Equal(t, "PUBLISH", method)
	events := cal.Events()
	require.Len(t, events, 2)
	type window struct{ from, until time.Time }
	got := map[string]window{}
	for _, ev := range events {
		uid, err := ev.Props.Text(ical.PropUID)
		require.NoError(t, err)
		from, err := ev.DateTimeStart(time.UTC)
		require.NoError(t, err)
		until, err := ev.DateTimeEnd(time.UTC)
		require.NoError(t, err)
		assert.Contains(t, ev.Props.Get(ical.PropDateTimeStart).Value, "Z", "DTSTART in UTC")
		got[uid] = window{from, until}
		summary, _ := ev.Props.Text(ical.PropSummary)
		desc, _ := ev.Props.Text(ical.PropDescription)
		if uid == notify.CalendarUID("skedda", "24600000_6375") {
			assert.Equal(t, "Access: Room #1, Room #2", summary)
			assert.Contains(t, desc, "Booking: Tuesday 1 December 2026 11:00 to 13:00")
		}
	}
	assert.Equal(t, window{at("2026-12-01 10:45").UTC(), at("2026-12-01 13:15").UTC()},
		got[notify.CalendarUID("skedda", "24600000_6375")])
	assert.Equal(t, window{at("2026-12-03 08:45").UTC(), at("2026-12-03 17:45").UTC()},
		got[notify.CalendarUID("outlook", "AAMkAD-42")])
}

func TestSMTPPlainDeliversQRMessage(t *testing.T) {
	ms := startServer(t, modePlain, nil)
	s := newSMTP(t, ms, notify.SecurityNone, nil)
	require.NoError(t, s.Notify(context.Background(), sample(notify.KindQR, "12345678")))

	msgs := ms.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, "noreply@example.com", msgs[0].From)
	assert.Equal(t, []string{"jane.doe@example.com"}, msgs[0].To)
	assert.False(t, msgs[0].TLS)
	checkQRMessage(t, msgs[0].Data, "12345678")
}

func TestSMTPStartTLSWithAuthPlain(t *testing.T) {
	const password = "s3cret-Pa55word"
	ms := startServer(t, modeStartTLS, func(ms *mailServer) { ms.User, ms.Password = "bookings@example.com", password })
	s := newSMTP(t, ms, notify.SecurityStartTLS, func(c *notify.SMTPConfig) {
		c.Username, c.Password = "bookings@example.com", password
	})
	require.NoError(t, s.Notify(context.Background(), sample(notify.KindQR, "87654321")))
	msgs := ms.Messages()
	require.Len(t, msgs, 1)
	assert.True(t, msgs[0].TLS, "sent after STARTTLS")
	assert.Equal(t, "bookings@example.com", msgs[0].User)
	checkQRMessage(t, msgs[0].Data, "87654321")

	t.Run("wrong password is transient and never shown", func(t *testing.T) {
		bad := newSMTP(t, ms, notify.SecurityStartTLS, func(c *notify.SMTPConfig) {
			c.Username, c.Password = "bookings@example.com", "wrong-"+password
		})
		err := bad.Notify(context.Background(), sample(notify.KindPIN, "482913"))
		require.Error(t, err)
		assert.False(t, notify.IsPermanent(err), "a login failure is the site's to fix, not the address's: %v", err)
		assert.Contains(t, err.Error(), "535")
		assert.NotContains(t, err.Error(), password)
		assert.Len(t, ms.Messages(), 1)
	})
	t.Run("untrusted certificate fails", func(t *testing.T) {
		untrusting := newSMTP(t, ms, notify.SecurityStartTLS, func(c *notify.SMTPConfig) {
			c.Username, c.Password = "bookings@example.com", password
			c.TLSConfig = nil // system roots do not trust the test certificate
		})
		err := untrusting.Notify(context.Background(), sample(notify.KindPIN, "482913"))
		require.Error(t, err)
		assert.False(t, notify.IsPermanent(err))
		assert.Contains(t, err.Error(), "certificate")
	})
}

func TestSMTPStartTLSRequired(t *testing.T) {
	ms := startServer(t, modePlain, nil) // offers no STARTTLS
	s := newSMTP(t, ms, notify.SecurityStartTLS, nil)
	err := s.Notify(context.Background(), sample(notify.KindPIN, "482913"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "STARTTLS")
	assert.False(t, notify.IsPermanent(err))
	assert.Empty(t, ms.Messages(), "nothing goes out in the clear when starttls is asked for")
}

func TestSMTPImplicitTLS(t *testing.T) {
	ms := startServer(t, modeTLS, func(ms *mailServer) { ms.User, ms.Password = "u", "p4ssw0rd" })
	s := newSMTP(t, ms, notify.SecurityTLS, func(c *notify.SMTPConfig) { c.Username, c.Password = "u", "p4ssw0rd" })
	require.NoError(t, s.Notify(context.Background(), sample(notify.KindQR, "16777215")))
	msgs := ms.Messages()
	require.Len(t, msgs, 1)
	assert.True(t, msgs[0].TLS)
	assert.Equal(t, "u", msgs[0].User)
	checkQRMessage(t, msgs[0].Data, "16777215")
}

func TestSMTPPINMessage(t *testing.T) {
	ms := startServer(t, modePlain, nil)
	s := newSMTP(t, ms, notify.SecurityNone, nil)
	require.NoError(t, s.Notify(context.Background(), sample(notify.KindPIN, "482913")))
	msgs := ms.Messages()
	require.Len(t, msgs, 1)
	_, root := parseMessage(t, msgs[0].Data)
	assert.Equal(t, "multipart/mixed\n"+
		"  multipart/alternative\n"+
		"    text/plain\n"+
		"    text/html\n"+
		"  text/calendar (attachment)\n", root.shape())
	assert.Contains(t, string(root.find("text/plain")[0].Body), "Your access code: 482913\r\n")
	htm := string(root.find("text/html")[0].Body)
	assert.Contains(t, htm, ">482913</div>")
	assert.NotContains(t, htm, "<img")
	assert.Empty(t, root.find("image/png"))
	checkCalendar(t, root)
}

func TestSMTPManualMessageHasNoCode(t *testing.T) {
	ms := startServer(t, modePlain, nil)
	s := newSMTP(t, ms, notify.SecurityNone, nil)
	n := sample(notify.KindManual, "")
	n.NewCode = false
	require.NoError(t, s.Notify(context.Background(), n))
	_, root := parseMessage(t, ms.Messages()[0].Data)
	text := string(root.find("text/plain")[0].Body)
	assert.Contains(t, text, "issued by the site administrator")
	assert.Contains(t, text, "Room #1, Room #2", "the booking confirmation is still sent")
	assert.Empty(t, root.find("image/png"))
	checkCalendar(t, root)
}

func TestSMTPRejections(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rcpt      error
		data      error
		permanent bool
		says      string
	}{
		{"user unknown", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}, nil, true, "550 5.1.1 No such user"},
		{"mailbox name invalid", &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "Bad address syntax"}, nil, true, "553"},
		{"greylisted", &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted, try again later"}, nil, false, "451"},
		{"mailbox busy", &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 1}, Message: "Mailbox busy"}, nil, false, "450"},
		{"relaying denied is the site's setup", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relaying denied"}, nil, false, "mail setup"},
		{"access denied by policy is the site's setup", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Client host rejected: access denied"}, nil, false, "550 5.7.1"},
		{"552 at RCPT is temporary (RFC 5321)", &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 2, 2}, Message: "Mailbox full"}, nil, false, "552"},
		{"message refused", nil, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message content rejected"}, true, "554 5.6.0"},
		{"message deferred", nil, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Queue full"}, false, "421"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := startServer(t, modePlain, func(ms *mailServer) {
				ms.RcptErr = func(string) error { return tc.rcpt }
				ms.DataErr = func([]byte) error { return tc.data }
			})
			s := newSMTP(t, ms, notify.SecurityNone, nil)
			err := s.Notify(context.Background(), sample(notify.KindPIN, "482913"))
			require.Error(t, err)
			assert.Equal(t, tc.permanent, notify.IsPermanent(err), "%v", err)
			assert.Equal(t, tc.permanent, errors.Is(err, notify.ErrPermanent))
			assert.Contains(t, err.Error(), tc.says)
			assert.Contains(t, err.Error(), "jane.doe@example.com")
			assert.Empty(t, ms.Messages())
		})
	}
}

func TestSMTPServerDownIsTransient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close()) // nothing listens there now
	s, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: port, Security: notify.SecurityNone,
		Sender: "noreply@example.com", Timeout: 5 * time.Second})
	require.NoError(t, err)
	err = s.Notify(context.Background(), sample(notify.KindPIN, "482913"))
	require.Error(t, err)
	assert.False(t, notify.IsPermanent(err))
	assert.Contains(t, err.Error(), fmt.Sprintf("127.0.0.1:%d", port))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = s.Notify(ctx, sample(notify.KindPIN, "482913"))
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, notify.IsPermanent(err))
}

// A server that is down for three attempts and then up gets each message exactly once: Notify
// reports the failures (the caller keeps the message owed) and the one success.
func TestSMTPDownThenUpDeliversOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	s, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: port, Security: notify.SecurityNone,
		Sender: "noreply@example.com", Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	owed := []notify.Notification{sample(notify.KindPIN, "482913"), sample(notify.KindPIN, "739164")}
	owed[1].Email = "john@example.com"
	for cycle := 0; cycle < 3; cycle++ {
		var still []notify.Notification
		for _, n := range owed {
			err := s.Notify(context.Background(), n)
			require.Error(t, err)
			require.False(t, notify.IsPermanent(err))
			still = append(still, n)
		}
		owed = still
	}
	// The server comes up on the same port.
	ln, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Skipf("port %d taken meanwhile: %v", port, err)
	}
	ms := &mailServer{Host: "127.0.0.1", Port: port}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{ms: ms, conn: c}, nil }))
	srv.Domain = "localhost"
	srv.ErrorLog = discardLog
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	for cycle := 0; cycle < 2; cycle++ {
		var still []notify.Notification
		for _, n := range owed {
			if err := s.Notify(context.Background(), n); err != nil {
				still = append(still, n)
			}
		}
		owed = still
	}
	assert.Empty(t, owed)
	msgs := ms.Messages()
	require.Len(t, msgs, 2)
	assert.Equal(t, []string{"jane.doe@example.com"}, msgs[0].To)
	assert.Equal(t, []string{"john@example.com"}, msgs[1].To)
}

func TestHeaderAndHTMLInjectionNeutralised(t *testing.T) {
	ms := startServer(t, modePlain, nil)
	s := newSMTP(t, ms, notify.SecurityNone, func(c *notify.SMTPConfig) {
		c.Subject = "Your access\r\nBcc: subject-victim@example.org"
	})
	n := sample(notify.KindQR, "12345678")
	n.DisplayName = "Eve\r\nBcc: victim@example.org\r\n\r\n<html>"
	n.FirstName = "Eve\nBcc: first-victim@example.org"
	n.LastName = "O'Hara\n" + "X-Evil: 1" // what a CN decoder makes of RFC 6868 ^n
	n.Bookings[0].Resources = []string{"<script>alert('room')</script>", "Room\r\nBcc: room-victim@example.org"}
	n.Upcoming[0].Resources = n.Bookings[0].Resources
	n.Upcoming[1].Resources = []string{`"><img src=x onerror=alert(1)>`}
	require.NoError(t, s.Notify(context.Background(), n))

	msgs := ms.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, []string{"jane.doe@example.com"}, msgs[0].To, "the envelope has the one recipient")
	raw := string(msgs[0].Data)
	for _, injected := range []string{"\r\nBcc:", "\r\nX-Evil:", "\nBcc:"} {
		assert.NotContains(t, raw, injected)
	}
	msg, root := parseMessage(t, msgs[0].Data)
	assert.Empty(t, msg.Header.Get("Bcc"))
	assert.Empty(t, msg.Header.Get("X-Evil"))
	to, err := msg.Header.AddressList("To")
	require.NoError(t, err)
	require.Len(t, to, 1)
	assert.Equal(t, "jane.doe@example.com", to[0].Address)
	assert.Equal(t, "Eve Bcc: victim@example.org <html>", to[0].Name)
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	require.NoError(t, err)
	assert.Equal(t, "Your access Bcc: subject-victim@example.org", subject)

	htm := string(root.find("text/html")[0].Body)
	assert.NotContains(t, htm, "<script>")
	assert.NotContains(t, htm, "<img src=x")
	assert.Contains(t, htm, "&lt;script&gt;alert(&#39;room&#39;)&lt;/script&gt;")
	assert.Contains(t, htm, "Hello Eve Bcc: first-victim@example.org,")
	text := string(root.find("text/plain")[0].Body)
	assert.Contains(t, text, "- <script>alert('room')</script>, Room Bcc: room-victim@example.org: ", "the text part shows names as they are, on one line")

	// The calendar file holds the names on one line each too.
	cal, err := ical.NewDecoder(bytes.NewReader(root.find("text/calendar")[0].Body)).Decode()
	require.NoError(t, err)
	for _, ev := range cal.Events() {
		summary, err := ev.Props.Text(ical.PropSummary)
		require.NoError(t, err)
		assert.NotContains(t, summary, "\n")
	}
}

func TestInvalidRecipientIsPermanent(t *testing.T) {
	ms := startServer(t, modePlain, nil)
	s := newSMTP(t, ms, notify.SecurityNone, nil)
	for _, addr := range []string{"", "not an address", "jane@example.com\r\nRCPT TO:<x@example.org>", "Jane <jane@example.com>", "a@b.c, d@e.f"} {
		n := sample(notify.KindPIN, "482913")
		n.Email = addr
		err := s.Notify(context.Background(), n)
		require.Error(t, err, "%q", addr)
		assert.True(t, notify.IsPermanent(err), "%q: %v", addr, err)
	}
	n := sample(notify.KindPIN, "")
	assert.True(t, notify.IsPermanent(s.Notify(context.Background(), n)), "a PIN notification without a PIN")
	n = sample(notify.KindQR, "123\r\n456")
	assert.True(t, notify.IsPermanent(s.Notify(context.Background(), n)), "a code with a line break")
	assert.Empty(t, ms.Messages())
}

func TestNewSMTPValidates(t *testing.T) {
	for _, tc := range []struct {
		cfg  notify.SMTPConfig
		says string
	}{
		{notify.SMTPConfig{Host: "h"}, "sender is not set"},
		{notify.SMTPConfig{Host: "h", Sender: "not an address"}, "not an address"},
		{notify.SMTPConfig{Host: "h", Sender: "a@b.c", Security: "ssl"}, "want none, starttls or tls"},
		{notify.SMTPConfig{Host: "h", Sender: "a@b.c", Port: 70000}, "port"},
		{notify.SMTPConfig{Host: "h", Sender: "a@b.c", Password: "x"}, "username is not"},
		{notify.SMTPConfig{Host: "h", Sender: "a@b.c", DateFormat: "dd-mm-yyyy"}, "Go layout"},
	} {
		_, err := notify.NewSMTP(tc.cfg)
		assert.ErrorContains(t, err, tc.says)
	}
	s, err := notify.NewSMTP(notify.SMTPConfig{Host: "mail.example.com", Sender: "a@b.c", Security: notify.SecurityTLS})
	require.NoError(t, err)
	assert.Equal(t, "mail.example.com:465 (tls)", s.Server())
	s, err = notify.NewSMTP(notify.SMTPConfig{Host: "mail.example.com", Sender: "a@b.c"})
	require.NoError(t, err)
	assert.Equal(t, "mail.example.com:587 (starttls)", s.Server())
}

func TestSMTPDateFormatAndSubject(t *testing.T) {
	s := newSMTP(t, nil, "", func(c *notify.SMTPConfig) {
		c.DateFormat = "02/01/2006 15:04"
		c.Subject = "Uw toegang tot de geboekte ruimte — één code"
	})
	raw, err := s.Message(sample(notify.KindPIN, "482913"))
	require.NoError(t, err)
	msg, root := parseMessage(t, raw)
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	require.NoError(t, err)
	assert.Equal(t, "Uw toegang tot de geboekte ruimte — één code", subject)
	text := string(root.find("text/plain")[0].Body)
	assert.Contains(t, text, "- Room #1, Room #2: 01/12/2026 11:00 to 01/12/2026 13:00")
	assert.Contains(t, text, "valid from 01/12/2026 00:00 until 04/12/2026 00:00")
}

func TestMessageWithoutServer(t *testing.T) {
	s := newSMTP(t, nil, "", nil)
	raw, err := s.Message(sample(notify.KindQR, "12345678"))
	require.NoError(t, err)
	checkQRMessage(t, raw, "12345678")
	err = s.Notify(context.Background(), sample(notify.KindQR, "12345678"))
	assert.ErrorContains(t, err, "email.smtp.host")
	assert.False(t, notify.IsPermanent(err))
}

// One person booked through two sources gets one email listing both.
func TestOneEmailForTwoSources(t *testing.T) {
	ms := startServer(t, modePlain, nil)
	s := newSMTP(t, ms, notify.SecurityNone, nil)
	n := sample(notify.KindPIN, "482913")
	n.Bookings = n.Upcoming // both new
	require.NoError(t, s.Notify(context.Background(), n))
	require.Len(t, ms.Messages(), 1)
	_, root := parseMessage(t, ms.Messages()[0].Data)
	text := string(root.find("text/plain")[0].Body)
	assert.Contains(t, text, "Room #1, Room #2: Tuesday 1 December 2026 11:00 to 13:00 (doors open Tuesday 1 December 2026 10:45 to 13:15) (new)")
	assert.Contains(t, text, "Board room: Thursday 3 December 2026 09:00 to 17:30 (doors open Thursday 3 December 2026 08:45 to 17:45) (new)")
	checkCalendar(t, root)
}

func TestSendAlert(t *testing.T) {
	ms := startServer(t, modePlain, func(ms *mailServer) {
		ms.RcptErr = func(to string) error {
			if strings.HasPrefix(to, "gone@") {
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
			}
			return nil
		}
	})
	s := newSMTP(t, ms, notify.SecurityNone, nil)
	require.NoError(t, s.SendAlert(context.Background(), []string{"ops@example.com", "gone@example.com", "it@example.com"},
		"[net2booking] Problem: feed\r\nBcc: x@example.org", "Line one\nLine two"))
	msgs := ms.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, []string{"ops@example.com", "it@example.com"}, msgs[0].To)
	msg, root := parseMessage(t, msgs[0].Data)
	assert.Empty(t, msg.Header.Get("Bcc"))
	assert.Equal(t, "text/plain", root.MediaType)
	assert.Equal(t, "Line one\r\nLine two\r\n", string(root.Body))

	err := s.SendAlert(context.Background(), []string{"gone@example.com"}, "s", "b")
	require.Error(t, err)
	assert.True(t, notify.IsPermanent(err))
}

func TestPasswordEchoedByServerIsRedacted(t *testing.T) {
	const password = "hunter2-very-secret"
	ms := startServer(t, modeStartTLS, func(ms *mailServer) {
		ms.User, ms.Password = "u", password
		ms.RcptErr = func(string) error {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "debug: pass=" + password}
		}
	})
	s := newSMTP(t, ms, notify.SecurityStartTLS, func(c *notify.SMTPConfig) { c.Username, c.Password = "u", password })
	err := s.Notify(context.Background(), sample(notify.KindPIN, "482913"))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), password)
	assert.Contains(t, err.Error(), "[password]")
}

// A server that accepts the message and then drops the connection instead of answering QUIT
// has the message: Notify reports success, or the caller would send it again.
func TestSMTPDeliveredThenConnectionDropped(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	got := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		say := func(s string) { _, _ = io.WriteString(conn, s+"\r\n") }
		say("220 raw.test ESMTP")
		var data strings.Builder
		inData := false
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if inData {
				if line == ".\r\n" {
					inData = false
					say("250 2.0.0 queued")
					got <- data.String()
					continue
				}
				data.WriteString(line)
				continue
			}
			switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
			case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
				say("250 raw.test")
			case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"), strings.HasPrefix(cmd, "RSET"), strings.HasPrefix(cmd, "NOOP"):
				say("250 2.0.0 ok")
			case cmd == "DATA":
				inData = true
				say("354 go ahead")
			default: // QUIT and anything else: hang up without a word
				return
			}
		}
	}()
	s, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port,
		Security: notify.SecurityNone, Sender: "noreply@example.com", Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	require.NoError(t, s.Notify(context.Background(), sample(notify.KindPIN, "482913")))
	assert.Contains(t, <-got, "Subject: Access to the resource you booked")
}

// Whatever the feeds put in names and resources, the message keeps its own headers, one
// recipient, and no raw markup from them in the HTML part.
func FuzzMessageFromFeedNames(f *testing.F) {
	f.Add("Eve\r\nBcc: x@example.org", "Eve\nX: y", "<script>alert(1)</script>")
	f.Add("\"quoted\" <a@b.c>", "=?utf-8?q?=0D=0ABcc:_x?=", "Room\x00\x85\u2028#1")
	f.Add(strings.Repeat("é", 500), "^n", "a\rb")
	s, err := notify.NewSMTP(notify.SMTPConfig{Sender: "Front desk <noreply@example.com>", Location: amsterdam,
		Now: func() time.Time { return fixedNow }})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, display, first, resource string) {
		n := sample(notify.KindQR, "12345678")
		n.DisplayName, n.FirstName, n.LastName = display, first, display
		n.Upcoming[1].Resources = []string{resource}
		raw, err := s.Message(n)
		require.NoError(t, err)
		msg, root := parseMessage(t, raw)
		var keys []string
		for k := range msg.Header {
			keys = append(keys, k)
		}
		assert.ElementsMatch(t, []string{"From", "To", "Subject", "Date", "Message-Id", "Auto-Submitted",
			"X-Auto-Response-Suppress", "Mime-Version", "Content-Type"}, keys)
		to, err := msg.Header.AddressList("To")
		require.NoError(t, err)
		require.Len(t, to, 1)
		assert.Equal(t, "jane.doe@example.com", to[0].Address)
		htm := string(root.find("text/html")[0].Body)
		if clean := notify.CleanText(resource); clean != "" {
			assert.Contains(t, htm, "<li><strong>"+html.EscapeString(clean)+"</strong>: Thursday 3 December 2026")
		}
	})
}
