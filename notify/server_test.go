package notify_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"

	"io"
	"log"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
)

// received is one message as the test SMTP server got it.
type received struct {
	From string
	To   []string
	Data []byte
	User string // the AUTH PLAIN user, "" without login
	TLS  bool   // whether the session was encrypted when the message came
}

// mailServer is a real SMTP server (github.com/emersion/go-smtp) on loopback.
type mailServer struct {
	Host string
	Port int
	Pool *x509.CertPool // trusts the server's self-signed certificate

	mu       sync.Mutex
	msgs     []received
	logins   int
	sessions int

	// Knobs, set before use.
	User, Password string                  // when set, AUTH PLAIN is offered and required
	RcptErr        func(to string) error   // refuse a recipient
	DataErr        func(data []byte) error // refuse a message after DATA
}

type serverMode int

const (
	modePlain    serverMode = iota // no TLS at all
	modeStartTLS                   // STARTTLS offered; AUTH only after it
	modeTLS                        // implicit TLS from the first byte
)

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "net2booking test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// startServer starts a server in the given mode; configure knobs through setup before it
// accepts connections.
func startServer(t *testing.T, mode serverMode, setup func(*mailServer)) *mailServer {
	t.Helper()
	ms := &mailServer{Host: "127.0.0.1"}
	if setup != nil {
		setup(ms)
	}
	cert, pool := selfSigned(t)
	ms.Pool = pool
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ms.Port = ln.Addr().(*net.TCPAddr).Port
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		ms.mu.Lock()
		ms.sessions++
		ms.mu.Unlock()
		return &session{ms: ms, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	switch mode {
	case modeStartTLS:
		srv.TLSConfig = tlsConf
	case modeTLS:
		ln = tls.NewListener(ln, tlsConf)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ms
}

func (ms *mailServer) Addr() string { return net.JoinHostPort(ms.Host, strconv.Itoa(ms.Port)) }

func (ms *mailServer) Messages() []received {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]received(nil), ms.msgs...)
}

type session struct {
	ms   *mailServer
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (s *session) AuthMechanisms() []string {
	if s.ms.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.ms.User || password != s.ms.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		s.user = username
		s.ms.mu.Lock()
		s.ms.logins++
		s.ms.mu.Unlock()
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.ms.User != "" && s.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.ms.RcptErr != nil {
		if err := s.ms.RcptErr(to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.ms.DataErr != nil {
		if err := s.ms.DataErr(data); err != nil {
			return err
		}
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.ms.mu.Lock()
	s.ms.msgs = append(s.ms.msgs, received{From: s.from, To: s.to, Data: bytes.Clone(data), User: s.user, TLS: isTLS})
	s.ms.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

var discardLog = log.New(io.Discard, "", 0)
