package net2

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// TLSConfig selects how the Net2 server's certificate is checked. Net2 serves HTTPS with a
// self-signed certificate unless the site installs its own, so there are three modes:
//
//   - default (both fields zero): the certificate chain and host name are verified against
//     the system's trusted roots;
//   - pinned (PinSHA256 set): only a server whose leaf certificate has exactly this SHA-256
//     fingerprint is accepted; chain and host name are not checked, since the pin is
//     stricter. A pin wins over InsecureSkipVerify;
//   - insecure (InsecureSkipVerify): any certificate is accepted. Use only on a trusted
//     network, and prefer a pin.
type TLSConfig struct {
	InsecureSkipVerify bool
	// PinSHA256 is the hex SHA-256 of the server's leaf certificate (DER). Upper case and
	// ':' or space separators are accepted. See Fingerprint.
	PinSHA256 string
}

// PinMismatchError is returned when the server's certificate does not match the pin.
type PinMismatchError struct {
	// Got is the fingerprint the server presented; Want the configured pin (lower-case hex).
	Got, Want string
}

// Error says which fingerprints differ and what to do.
func (e *PinMismatchError) Error() string {
	return fmt.Sprintf("the Net2 server's TLS certificate does not match the configured pin: the server presents SHA-256 %s, the configuration pins %s (if Net2's certificate was renewed on purpose, update the pin)", e.Got, e.Want)
}

// build returns the *tls.Config for the mode, or nil for default verification.
func (t TLSConfig) build() (*tls.Config, error) {
	if strings.TrimSpace(t.PinSHA256) != "" {
		pin, err := parsePin(t.PinSHA256)
		if err != nil {
			return nil, err
		}
		want := hex.EncodeToString(pin)
		return &tls.Config{
			MinVersion: tls.VersionTLS12,
			// The chain is not verified: the pin below is the check.
			InsecureSkipVerify: true, //nolint:gosec // replaced by VerifyConnection's pin check
			VerifyConnection: func(cs tls.ConnectionState) error {
				if len(cs.PeerCertificates) == 0 {
					return errors.New("the Net2 server presented no TLS certificate")
				}
				got := sha256.Sum256(cs.PeerCertificates[0].Raw)
				if subtle.ConstantTimeCompare(got[:], pin) != 1 {
					return &PinMismatchError{Got: hex.EncodeToString(got[:]), Want: want}
				}
				return nil
			},
		}, nil
	}
	if t.InsecureSkipVerify {
		return &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true}, nil //nolint:gosec // chosen by the admin
	}
	return nil, nil
}

// parsePin decodes a SHA-256 fingerprint written as hex, optionally with ':' or spaces.
func parsePin(s string) ([]byte, error) {
	clean := strings.NewReplacer(":", "", " ", "", "-", "").Replace(strings.TrimSpace(s))
	b, err := hex.DecodeString(clean)
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("net2: the TLS pin %q is not a SHA-256 fingerprint (64 hex digits)", s)
	}
	return b, nil
}

// FingerprintDER returns the lower-case hex SHA-256 of a DER certificate, the form PinSHA256
// takes.
func FingerprintDER(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// Fingerprint connects to the HTTPS server of baseURL without verifying it and returns the
// SHA-256 fingerprint of the certificate it presents, for an admin to check and pin. It sends
// no credentials.
func Fingerprint(ctx context.Context, baseURL string) (string, error) {
	base, err := normaliseBaseURL(baseURL)
	if err != nil {
		return "", err
	}
	u, _ := url.Parse(base)
	if u.Scheme != "https" {
		return "", fmt.Errorf("net2: %s is not an https URL; there is no certificate to pin", base)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "443")
	}
	d := tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true, ServerName: u.Hostname()}} //nolint:gosec // only reads the certificate
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return "", fmt.Errorf("net2: reading the TLS certificate of %s: %w", host, err)
	}
	defer conn.Close()
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return "", fmt.Errorf("net2: %s presented no TLS certificate", host)
	}
	return FingerprintDER(certs[0].Raw), nil
}
