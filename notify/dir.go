package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Dir is a Notifier that writes each message as an .eml file into a folder instead of
// sending it: for `net2booking demo`, dry runs and tests. The files open in any mail program.
// SMTP composes the messages (its server settings are not used; its Host may be empty).
type Dir struct {
	// Path is the folder; it is created when missing.
	Path string
	// SMTP composes the messages (sender, subject, templates, dates).
	SMTP *SMTP
	// Logger, when set, gets one line per file written.
	Logger *slog.Logger

	mu sync.Mutex
}

var _ Notifier = (*Dir)(nil)

// Notify writes n's message as <time>-<address>.eml into the folder.
func (d *Dir) Notify(ctx context.Context, n Notification) error {
	if d.SMTP == nil {
		return errors.New("notify.Dir: no SMTP composer set")
	}
	msg, to, _, err := d.SMTP.compose(n)
	if err != nil {
		return err
	}
	_, err = d.write(ctx, to, msg)
	return err
}

// SendAlert writes an admin alert as <time>-alert.eml into the folder; it has the signature
// of AlertsConfig.Send.
func (d *Dir) SendAlert(ctx context.Context, to []string, subject, body string) error {
	if d.SMTP == nil {
		return errors.New("notify.Dir: no SMTP composer set")
	}
	msg, _, _, err := d.SMTP.composeAlert(to, subject, body)
	if err != nil {
		return err
	}
	_, err = d.write(ctx, "alert", msg)
	return err
}

// write stores msg in a new file (never overwriting one) and returns its path.
func (d *Dir) write(ctx context.Context, who string, msg []byte) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := os.MkdirAll(d.Path, 0o755); err != nil {
		return "", fmt.Errorf("create the email folder: %w", err)
	}
	base := d.SMTP.now().UTC().Format("20060102-150405") + "-" + safeFileName(who)
	for i := 1; ; i++ {
		name := base + ".eml"
		if i > 1 {
			name = fmt.Sprintf("%s-%d.eml", base, i)
		}
		p := filepath.Join(d.Path, name)
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("write the email file: %w", err)
		}
		_, err = f.Write(msg)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", fmt.Errorf("write the email file %s: %w", p, err)
		}
		if d.Logger != nil {
			d.Logger.Info("email written", "file", p)
		}
		return p, nil
	}
}

// safeFileName keeps letters, digits and . @ _ - of s; everything else becomes _ (so that
// no address can name another folder or a reserved Windows name character).
func safeFileName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '@', r == '_', r == '-':
			return r
		}
		return '_'
	}, s)
	s = strings.Trim(s, ".")
	if len(s) > 80 {
		s = s[:80]
	}
	if s == "" {
		s = "message"
	}
	return s
}
