package net2_test

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2"
)

// These tests run the emulator behind httptest's self-signed TLS certificate, like a Net2
// server that still has its factory certificate.

func TestTLSPinnedCertificateIsAccepted(t *testing.T) {
	h := newHarness(t, withTLS())
	pin := net2.FingerprintDER(h.srv.Certificate().Raw)
	for _, written := range []string{pin, strings.ToUpper(pin), colons(pin)} {
		c := h.newClient(func(cfg *net2.Config) { cfg.TLS.PinSHA256 = written })
		_, err := c.Doors(ctx(t))
		require.NoError(t, err, written)
	}
	// A pin wins over InsecureSkipVerify: a wrong pin still fails.
	c := h.newClient(func(cfg *net2.Config) {
		cfg.TLS = net2.TLSConfig{InsecureSkipVerify: true, PinSHA256: strings.Repeat("ab", 32)}
	})
	_, err := c.Doors(ctx(t))
	require.Error(t, h.err(err))
}

func TestTLSWrongPinIsRefused(t *testing.T) {
	h := newHarness(t, withTLS())
	wrong := strings.Repeat("0f", 32)
	c := h.newClient(func(cfg *net2.Config) { cfg.TLS.PinSHA256 = wrong })
	_, err := c.Doors(ctx(t))
	require.Error(t, h.err(err))
	var pinErr *net2.PinMismatchError
	require.True(t, errors.As(err, &pinErr), "got %v", err)
	assert.Equal(t, net2.FingerprintDER(h.srv.Certificate().Raw), pinErr.Got)
	assert.Equal(t, wrong, pinErr.Want)
	assert.Contains(t, err.Error(), "does not match the configured pin")
	assert.Zero(t, h.tokenRequests(), "the password never left the client")
}

func TestTLSVerifyModeRefusesASelfSignedCertificate(t *testing.T) {
	h := newHarness(t, withTLS())
	_, err := h.client.Doors(ctx(t))
	require.Error(t, h.err(err))
	assert.Contains(t, err.Error(), "TLS certificate is not trusted")
	assert.Contains(t, err.Error(), "pin it")
	assert.Contains(t, err.Error(), "net2.tls.pin_sha256: "+net2.FingerprintDER(h.srv.Certificate().Raw), "the error gives the pin to write")
	assert.Zero(t, h.tokenRequests())
}

func TestTLSInsecureModeAcceptsAnyCertificate(t *testing.T) {
	h := newHarness(t, withTLS())
	c := h.newClient(func(cfg *net2.Config) { cfg.TLS.InsecureSkipVerify = true })
	_, err := c.Doors(ctx(t))
	require.NoError(t, err)
}

func TestTLSPinWorksWithACallersHTTPClient(t *testing.T) {
	h := newHarness(t, withTLS())
	pin := net2.FingerprintDER(h.srv.Certificate().Raw)
	hc := h.srv.Client() // trusts the test certificate; the pin must still be enforced
	c := h.newClient(func(cfg *net2.Config) { cfg.HTTPClient = hc; cfg.TLS.PinSHA256 = strings.Repeat("11", 32) })
	_, err := c.Doors(ctx(t))
	assert.Error(t, h.err(err))
	c = h.newClient(func(cfg *net2.Config) { cfg.HTTPClient = hc; cfg.TLS.PinSHA256 = pin })
	_, err = c.Doors(ctx(t))
	assert.NoError(t, err)
}

func TestFingerprint(t *testing.T) {
	h := newHarness(t, withTLS())
	got, err := net2.Fingerprint(ctx(t), h.srv.URL+"/api/v1")
	require.NoError(t, err)
	assert.Equal(t, net2.FingerprintDER(h.srv.Certificate().Raw), got)
	assert.Len(t, got, 64)

	_, err = net2.Fingerprint(ctx(t), "http://localhost:8080/api/v1")
	assert.ErrorContains(t, err, "not an https URL")
}

// colons writes a fingerprint as AB:CD:..., as browsers show it.
func colons(hex string) string {
	var parts []string
	for i := 0; i < len(hex); i += 2 {
		parts = append(parts, strings.ToUpper(hex[i:i+2]))
	}
	return strings.Join(parts, ":")
}

// countingTransport counts the requests it passes on.
type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// TestWrapTransportWorksWithAPinnedCertificate: the status server's request counter wraps
// the transport whatever the TLS mode, and the pin is still checked.
func TestWrapTransportWorksWithAPinnedCertificate(t *testing.T) {
	h := newHarness(t, withTLS())
	pin := net2.FingerprintDER(h.srv.Certificate().Raw)
	var counter *countingTransport
	wrap := func(next http.RoundTripper) http.RoundTripper {
		counter = &countingTransport{next: next}
		return counter
	}
	c := h.newClient(func(cfg *net2.Config) { cfg.TLS.PinSHA256 = pin; cfg.WrapTransport = wrap })
	_, err := c.Doors(ctx(t))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, counter.n.Load(), int64(2), "login and the door list were counted")
	bad := h.newClient(func(cfg *net2.Config) { cfg.TLS.PinSHA256 = strings.Repeat("0f", 32); cfg.WrapTransport = wrap })
	_, err = bad.Doors(ctx(t))
	require.Error(t, h.err(err), "a wrong pin is still refused through the wrapper")
}
