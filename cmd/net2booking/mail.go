package main

import (
	"fmt"
	"log/slog"
	"net/mail"
	"strings"

	"github.com/net2booking/net2booking/config"
	"github.com/net2booking/net2booking/notify"
)

// newMailer returns the SMTP mailer of the email section, or nil when the file has no SMTP
// server. Templates left out of the file are the built-in defaults.
func newMailer(cfg *config.Config, logger *slog.Logger) (*notify.SMTP, error) {
	e := cfg.Email
	if !e.Present || e.SMTP.Host == "" {
		return nil, nil
	}
	tpl, err := notify.LoadTemplates(e.Notifications.TextTemplate, e.Notifications.HTMLTemplate)
	if err != nil {
		return nil, badInput(err)
	}
	return notify.NewSMTP(notify.SMTPConfig{
		Host: e.SMTP.Host, Port: e.SMTP.Port, Security: string(e.SMTP.Security),
		Username: e.SMTP.Username, Password: e.SMTP.Password,
		Sender: senderOf(cfg), Subject: e.Notifications.Subject, Templates: tpl,
		Location: cfg.Site.Location, DateFormat: e.Notifications.DateFormat, Logger: logger,
	})
}

// senderOf is the From of emails: the configured sender, else (for admin alerts without
// notifications) the SMTP user name when it is an address, else a neutral one.
func senderOf(cfg *config.Config) string {
	if s := cfg.Email.Notifications.Sender; s != "" {
		return s
	}
	if a, err := mail.ParseAddress(cfg.Email.SMTP.Username); err == nil {
		return "net2booking <" + a.Address + ">"
	}
	return "net2booking <net2booking@" + strings.TrimSuffix(cfg.Email.SMTP.Host, ".") + ">"
}

// newAlerts returns the admins' alerts (SPEC F20) with their state next to the cache file,
// so a sync started every 10 minutes does not email the admins every time; nil without
// admins or SMTP.
func newAlerts(cfg *config.Config, m *notify.SMTP, logger *slog.Logger) (*notify.Alerts, error) {
	if m == nil || len(cfg.Email.Admins) == 0 {
		return nil, nil
	}
	secrets := cfg.Secrets()
	a, err := notify.NewAlerts(notify.AlertsConfig{
		Admins: cfg.Email.Admins, StatePath: cfg.Net2.CacheFile + ".alerts.json",
		Location: cfg.Site.Location, Send: m.SendAlert, Logger: logger,
		Redact: func(s string) string { return maskSecrets(secrets, s) },
	})
	if err != nil {
		return nil, fmt.Errorf("admin alerts: %w", err)
	}
	return a, nil
}
