package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/mail"
	"time"

	"github.com/net2booking/net2booking/notify"
)

// runTemplates writes the built-in email templates into a folder for editing.
func runTemplates(_ context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet("templates", env)
	out := fs.String("out", "", "folder to write notification.txt and notification.html into (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return badInput(errors.New("--out is required: the folder to write the templates into"))
	}
	if err := notify.WriteDefaults(*out); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Wrote %s and %s into %s; point email.notifications.text_template and html_template at them.\nPlaceholders: %v\n",
		notify.DefaultTextFile, notify.DefaultHTMLFile, *out, notify.Placeholders)
	return nil
}

// runNotify is `notify test`: a sample message of each code kind to one address, through the
// configured SMTP server and templates.
func runNotify(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "test" {
		return badInput(errors.New("say what to do: notify test --config F --to ADDRESS"))
	}
	var to string
	cfg, err := parseWithConfig("notify test", env, args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&to, "to", "", "address to send the sample messages to (required)")
	})
	if err != nil {
		return err
	}
	if _, err := mail.ParseAddress(to); err != nil {
		return badInput(fmt.Errorf("--to %q is not an email address", to))
	}
	m, err := newMailer(cfg, cliLogger(env.stderr, cfg))
	if err != nil {
		return err
	}
	if m == nil {
		return badInput(fmt.Errorf("%s has no email.smtp.host: there is no mail server to send through", cfg.Path))
	}
	now := time.Now()
	sample := notify.Booking{Source: "sample", UID: "net2booking-sample", Resources: []string{"Sample room"},
		Start: now.Add(24 * time.Hour), End: now.Add(26 * time.Hour), AccessFrom: now.Add(24*time.Hour - cfg.Access.GraceBefore), AccessUntil: now.Add(26*time.Hour + cfg.Access.GraceAfter)}
	for _, kind := range []struct{ kind, code string }{{notify.KindPIN, "482913"}, {notify.KindQR, "4829137"}} {
		n := notify.Notification{Email: to, DisplayName: "Sample Booker", FirstName: "Sample", LastName: "Booker",
			CodeKind: kind.kind, Code: kind.code, NewCode: true, Bookings: []notify.Booking{sample}}
		if err := m.Notify(ctx, n); err != nil {
			return fmt.Errorf("sending the %s sample to %s through %s: %w", kind.kind, to, m.Server(), err)
		}
		fmt.Fprintf(env.stdout, "Sent the %s sample (code %s) to %s through %s.\n", kind.kind, kind.code, to, m.Server())
	}
	return nil
}
