package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/net2booking/net2booking/identifier/qrcode"
)

// SMTP security modes (email.smtp.security).
const (
	SecurityNone     = "none"     // plain SMTP, no TLS (port 25 inside a trusted network)
	SecurityStartTLS = "starttls" // STARTTLS is required (port 587)
	SecurityTLS      = "tls"      // implicit TLS from the first byte (port 465)
)

// DefaultTimeout bounds one SMTP conversation when SMTPConfig.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// SMTPConfig configures the SMTP notifier: the server (email.smtp), the sender and subject
// (email.notifications) and how dates are shown.
type SMTPConfig struct {
	// Host and Port of the SMTP server. Port 0 means 25, 587 or 465 by Security. An empty
	// Host gives a notifier that composes messages (Message, for Dir and previews) but cannot
	// send them.
	Host string
	Port int // see Host
	// Security is SecurityNone, SecurityStartTLS (the default) or SecurityTLS.
	Security string
	// Username and Password log in (optional). The mechanism is the best the server offers;
	// a password is only sent over TLS (PLAIN, LOGIN) or as a challenge response (SCRAM,
	// CRAM-MD5). The password never appears in an error or a log line.
	Username, Password string
	// Sender is the From address, "Name <addr>" or a bare address.
	Sender string
	// Subject of the notifications; "" means DefaultSubject.
	Subject string
	// Templates are the message templates; nil means the built-in defaults.
	Templates *Templates
	// Location is the site's time zone for dates; nil means the system's zone.
	Location *time.Location
	// DateFormat is the Go layout of dates; "" means DefaultDateFormat.
	DateFormat string
	// Timeout bounds one SMTP conversation (connect, TLS, login, send); 0 means DefaultTimeout.
	Timeout time.Duration
	// TLSConfig is used for STARTTLS and implicit TLS; nil means the system's roots with
	// ServerName = Host. A given config without ServerName gets Host as its ServerName.
	TLSConfig *tls.Config
	// Hostname is the name sent in EHLO/HELO; "" means this machine's host name.
	Hostname string
	// QRSize is the QR image's size in pixels; 0 means qrcode.DefaultSize.
	QRSize int
	// Now is the clock for Date headers and calendar stamps; nil means time.Now.
	Now func() time.Time
	// Logger receives one line per message sent; nil means slog.Default().
	Logger *slog.Logger
}

// SMTP is the Notifier that emails each booker through an SMTP server (SPEC F17–F19), and
// sends the admins' alerts (SPEC F20). It is safe for concurrent use; each message is sent in
// its own SMTP conversation.
type SMTP struct {
	cfg     SMTPConfig
	from    *mail.Address
	subject string
	tpl     *Templates
	log     *slog.Logger
	now     func() time.Time
}

var _ Notifier = (*SMTP)(nil)

// NewSMTP checks cfg and returns the notifier. It does not connect: an unreachable server is
// reported by Notify (as a transient error), not here.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	switch cfg.Security {
	case "":
		cfg.Security = SecurityStartTLS
	case SecurityNone, SecurityStartTLS, SecurityTLS:
	default:
		return nil, fmt.Errorf("email.smtp.security %q: want none, starttls or tls", cfg.Security)
	}
	if cfg.Port == 0 {
		cfg.Port = map[string]int{SecurityNone: 25, SecurityStartTLS: 587, SecurityTLS: 465}[cfg.Security]
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("email.smtp.port %d: want 1 to 65535", cfg.Port)
	}
	if strings.ContainsAny(cfg.Host, " \t\r\n/") {
		return nil, fmt.Errorf("email.smtp.host %q: want a host name or IP address", cfg.Host)
	}
	if cfg.Password != "" && cfg.Username == "" {
		return nil, errors.New("email.smtp.password is set but email.smtp.username is not: give both or neither")
	}
	if cfg.Sender == "" {
		return nil, errors.New("email.notifications.sender is not set: give \"Name <address>\" or an address")
	}
	from, err := mail.ParseAddress(cfg.Sender)
	if err != nil {
		return nil, fmt.Errorf("email.notifications.sender %q: not an address: %w", CleanText(cfg.Sender), err)
	}
	from.Name = CleanText(from.Name)
	if cfg.DateFormat != "" {
		ref := time.Date(2027, 11, 28, 21, 37, 49, 0, time.UTC)
		if ref.Format(cfg.DateFormat) == cfg.DateFormat {
			return nil, fmt.Errorf("date format %q shows no date or time: write it as a Go layout of Monday 2 January 2006 15:04, e.g. %q", cfg.DateFormat, DefaultDateFormat)
		}
	}
	if cfg.QRSize < 0 {
		return nil, fmt.Errorf("QR image size %d px is negative", cfg.QRSize)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	tpl := cfg.Templates
	if tpl == nil {
		if tpl, err = LoadTemplates("", ""); err != nil {
			return nil, err
		}
	}
	s := &SMTP{cfg: cfg, from: from, subject: cfg.Subject, tpl: tpl, log: cfg.Logger, now: cfg.Now}
	if CleanText(s.subject) == "" {
		s.subject = DefaultSubject
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Server is "host:port (security)", for logs and messages.
func (s *SMTP) Server() string {
	return net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port)) + " (" + s.cfg.Security + ")"
}

// Message composes n's email as a whole RFC 5322 message (what Notify sends; Dir writes it
// as an .eml file). Its layout:
//
//	multipart/mixed
//	  multipart/alternative
//	    text/plain                     the text template
//	    text/html                      the HTML template (PIN, manual)
//	    multipart/related              instead, for a QR code:
//	      text/html                      the HTML template, <img src="cid:...">
//	      image/png (inline)             the QR code, Content-ID matching the cid:
//	  image/png (attachment)           the QR code again, for text-only readers (QR only)
//	  text/calendar; method=PUBLISH    bookings.ics (SPEC B8), when there are bookings
//
// Names from the booking feeds are cleaned (CleanText) before they reach a header and
// HTML-escaped in the HTML part. An invalid recipient address or a missing code is an
// error wrapping ErrPermanent.
func (s *SMTP) Message(n Notification) ([]byte, error) {
	msg, _, _, err := s.compose(n)
	return msg, err
}

func (s *SMTP) compose(n Notification) (msg []byte, to, msgID string, err error) {
	to, err = parseRecipient(n.Email)
	if err != nil {
		return nil, "", "", fmt.Errorf("notification: %w", err)
	}
	now := s.now()
	opts := RenderOptions{Location: s.cfg.Location, DateFormat: s.cfg.DateFormat, ImageCID: "qr-" + randomHex(8) + "@net2booking"}
	text, htm, err := s.tpl.Render(n, opts)
	if err != nil {
		return nil, "", "", err
	}
	textPart, err := textEntity("text/plain", nil, text)
	if err != nil {
		return nil, "", "", fmt.Errorf("compose the email to %s: %w", to, err)
	}
	htmlPart, err := textEntity("text/html", nil, htm)
	if err != nil {
		return nil, "", "", fmt.Errorf("compose the email to %s: %w", to, err)
	}
	var attachments []entity
	if n.CodeKind == KindQR {
		png, err := qrcode.PNG(n.Code, s.cfg.QRSize)
		if err != nil {
			return nil, "", "", fmt.Errorf("compose the email to %s: %w", to, err)
		}
		img := binaryEntity("image/png", map[string]string{"name": QRFileName}, "inline", QRFileName, png)
		img.header.Set("Content-ID", "<"+opts.ImageCID+">")
		htmlPart, err = multipartEntity("related", map[string]string{"type": "text/html"}, htmlPart, img)
		if err != nil {
			return nil, "", "", fmt.Errorf("compose the email to %s: %w", to, err)
		}
		attachments = append(attachments, binaryEntity("image/png", map[string]string{"name": QRFileName}, "attachment", QRFileName, png))
	}
	root, err := multipartEntity("alternative", nil, textPart, htmlPart)
	if err != nil {
		return nil, "", "", fmt.Errorf("compose the email to %s: %w", to, err)
	}
	ics, err := CalendarFile(n, now, opts)
	if err != nil {
		return nil, "", "", fmt.Errorf("compose the email to %s: %w", to, err)
	}
	if ics != nil {
		attachments = append(attachments, binaryEntity("text/calendar",
			map[string]string{"charset": "utf-8", "method": "PUBLISH", "name": CalendarFileName},
			"attachment", CalendarFileName, ics))
	}
	if len(attachments) > 0 {
		if root, err = multipartEntity("mixed", nil, append([]entity{root}, attachments...)...); err != nil {
			return nil, "", "", fmt.Errorf("compose the email to %s: %w", to, err)
		}
	}
	msgID = messageID(s.from.Address)
	h := commonHeaders(formatAddress(s.from.Name, s.from.Address), formatAddress(n.DisplayName, to),
		encodeHeaderText(s.subject), msgID, now)
	msg, err = message(h, root)
	if err != nil {
		return nil, "", "", fmt.Errorf("compose the email to %s: %w", to, err)
	}
	return msg, to, msgID, nil
}

// AlertMessage composes an admin alert as a whole RFC 5322 plain-text message.
func (s *SMTP) AlertMessage(to []string, subject, body string) ([]byte, error) {
	msg, _, _, err := s.composeAlert(to, subject, body)
	return msg, err
}

func (s *SMTP) composeAlert(to []string, subject, body string) (msg []byte, rcpts []string, msgID string, err error) {
	if len(to) == 0 {
		return nil, nil, "", errors.New("alert: no admin address (email.admins)")
	}
	var shown []string
	for _, a := range to {
		addr, err := parseRecipient(a)
		if err != nil {
			return nil, nil, "", fmt.Errorf("alert: admin address: %w", err)
		}
		rcpts = append(rcpts, addr)
		shown = append(shown, formatAddress("", addr))
	}
	part, err := textEntity("text/plain", nil, body)
	if err != nil {
		return nil, nil, "", fmt.Errorf("compose the alert: %w", err)
	}
	msgID = messageID(s.from.Address)
	h := commonHeaders(formatAddress(s.from.Name, s.from.Address), strings.Join(shown, ", "),
		encodeHeaderText(subject), msgID, s.now())
	msg, err = message(h, part)
	if err != nil {
		return nil, nil, "", fmt.Errorf("compose the alert: %w", err)
	}
	return msg, rcpts, msgID, nil
}

// Notify emails n to the booker. It returns nil once the server accepted the message (the
// caller then records it as sent). A refusal of the recipient or the message with a permanent
// reply (5xx, except the policy refusals that point at the site's own mail setup: 5.7.x,
// authentication required, relaying denied, and 552 at RCPT, which RFC 5321 says to treat as
// temporary) wraps ErrPermanent; anything else is transient and the notification stays owed.
func (s *SMTP) Notify(ctx context.Context, n Notification) error {
	msg, to, msgID, err := s.compose(n)
	if err != nil {
		return err
	}
	refused, err := s.send(ctx, []string{to}, msg)
	if err == nil && len(refused) > 0 {
		err = refused[0]
	}
	if err != nil {
		return s.redact(fmt.Errorf("send the notification to %s via %s: %w", to, s.Server(), err))
	}
	s.log.Info("notification email sent", "to", to, "kind", n.CodeKind, "new_code", n.NewCode,
		"bookings", len(n.Bookings), "message_id", msgID, "server", s.Server())
	return nil
}

// SendAlert emails a plain-text alert to the admins. It succeeds when the server accepted the
// message for at least one of them; the ones it refused are logged.
func (s *SMTP) SendAlert(ctx context.Context, to []string, subject, body string) error {
	msg, rcpts, msgID, err := s.composeAlert(to, subject, body)
	if err != nil {
		return err
	}
	refused, err := s.send(ctx, rcpts, msg)
	if err == nil && len(refused) == len(rcpts) {
		err = errors.Join(refused...)
	}
	if err != nil {
		return s.redact(fmt.Errorf("send the alert to %s via %s: %w", strings.Join(rcpts, ", "), s.Server(), err))
	}
	for _, r := range refused {
		s.log.Warn("alert email refused for one admin", "error", s.redact(r).Error())
	}
	s.log.Info("alert email sent", "to", strings.Join(rcpts, ", "), "message_id", msgID, "server", s.Server())
	return nil
}

// send runs one SMTP conversation: connect, TLS, login, MAIL FROM, RCPT TO for each
// recipient, DATA. It returns the recipients the server refused (one error each) and an
// error when nothing was delivered. A message the server acknowledged after DATA counts as
// delivered even if the connection fails afterwards (QUIT): reporting it as failed would
// send it twice.
func (s *SMTP) send(ctx context.Context, rcpts []string, msg []byte) (refused []error, err error) {
	if s.cfg.Host == "" {
		return nil, errors.New("no SMTP server is configured (email.smtp.host)")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tlsConf := s.cfg.TLSConfig
	if tlsConf == nil {
		tlsConf = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		tlsConf = tlsConf.Clone()
	}
	if tlsConf.ServerName == "" {
		tlsConf.ServerName = s.cfg.Host
	}
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSConfig(tlsConf),
	}
	switch s.cfg.Security {
	case SecurityNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case SecurityStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case SecurityTLS:
		opts = append(opts, gomail.WithSSL())
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	if s.cfg.Hostname != "" {
		opts = append(opts, gomail.WithHELO(s.cfg.Hostname))
	}
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("set up the SMTP client: %w", err)
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect and log in: %w (check email.smtp host, port, security and credentials; the message stays owed)", err)
	}
	// A cancelled context ends the conversation at once, not at the timeout.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	delivered := false
	defer func() {
		if delivered {
			if qerr := conn.Quit(); qerr != nil {
				s.log.Debug("SMTP QUIT after delivery failed", "server", s.Server(), "error", s.redact(qerr).Error())
			}
		}
		_ = conn.Close()
	}()

	if err := conn.Mail(s.from.Address); err != nil {
		return nil, replyError("the server refused the sender "+s.from.Address+" (MAIL FROM)", err, false)
	}
	accepted := 0
	for _, r := range rcpts {
		if err := conn.Rcpt(r); err != nil {
			refused = append(refused, replyError("the server refused the recipient "+r+" (RCPT TO)", err, true))
			continue
		}
		accepted++
	}
	if accepted == 0 {
		_ = conn.Reset()
		return refused, nil
	}
	w, err := conn.Data()
	if err != nil {
		return refused, replyError("the server refused the message (DATA)", err, true)
	}
	if _, err := w.Write(msg); err != nil {
		return refused, fmt.Errorf("write the message: %w", err)
	}
	if err := w.Close(); err != nil {
		return refused, replyError("the server refused the message", err, true)
	}
	delivered = true
	return refused, nil
}

// deliveryError is a failure to send, permanent or not; it unwraps to its cause and, when
// permanent, to ErrPermanent.
type deliveryError struct {
	msg       string
	cause     error
	permanent bool
}

func (e *deliveryError) Error() string { return e.msg }

func (e *deliveryError) Unwrap() []error {
	if e.permanent {
		return []error{e.cause, ErrPermanent}
	}
	return []error{e.cause}
}

// replyError classifies a failed SMTP command. mayBePermanent says whether a 5xx reply at
// this step is about the recipient or the message (RCPT, DATA) rather than about the site's
// setup (MAIL FROM).
func replyError(what string, err error, mayBePermanent bool) error {
	var tp *textproto.Error
	if !errors.As(err, &tp) {
		return &deliveryError{msg: what + ": " + err.Error() + "; it stays owed and is retried", cause: err}
	}
	reply := fmt.Sprintf("%d %s", tp.Code, strings.Join(strings.Fields(tp.Msg), " "))
	permanent := mayBePermanent && tp.Code >= 500 && tp.Code < 600 && !policyRefusal(tp.Code, tp.Msg, what)
	if permanent {
		return &deliveryError{msg: what + " (" + reply + "): " + ErrPermanent.Error(), cause: err, permanent: true}
	}
	hint := "; it stays owed and is retried"
	if tp.Code >= 500 {
		hint = "; this points at the site's mail setup (sender, login, relaying): fix it and the message is retried"
	}
	return &deliveryError{msg: what + " (" + reply + ")" + hint, cause: err}
}

// policyRefusal reports a 5xx reply that is about the site's mail setup, not about the
// address: retrying after the admin fixes it will work, so it must not be recorded as a
// permanent refusal of the person's address.
func policyRefusal(code int, msg, what string) bool {
	m := strings.ToLower(msg)
	switch {
	case code == 530 || code == 535 || code == 538: // authentication required / failed / encryption required
		return true
	case code == 552 && strings.Contains(what, "RCPT"): // RFC 5321 section 4.5.3.1.10
		return true
	case strings.HasPrefix(m, "5.7."): // security or policy status (RFC 3463)
		return true
	case strings.Contains(m, "relay") || strings.Contains(m, "authenticat"):
		return true
	}
	return false
}

// redact removes the SMTP password from an error's text, in case a server echoes it.
func (s *SMTP) redact(err error) error {
	if err == nil || len(s.cfg.Password) < 4 || !strings.Contains(err.Error(), s.cfg.Password) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), s.cfg.Password, "[password]"), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
