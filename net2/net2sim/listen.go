package net2sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// ListenAndServe runs an emulator on addr (e.g. "localhost:8080"; port 0 picks a free one)
// until ctx ends, for `net2booking sim --listen ADDR [--seed demo]`. With seedDemo the demo
// site is loaded (SeedDemo), otherwise only a fresh server's built-ins (New). The token route
// is rate-limited like Net2 6.8+ (2 per second, Retry-After 1). It writes to out the base
// URL, operator, password and client id to configure, and the inspection URLs.
func ListenAndServe(ctx context.Context, addr string, seedDemo bool, out io.Writer) error {
	sim := New(Options{TokenRateLimit: 2, RetryAfterSeconds: 1})
	if seedDemo {
		if err := SeedDemo(sim); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("net2sim: listening on %s: %w", addr, err)
	}
	root := "http://" + displayAddr(ln.Addr())
	fmt.Fprintf(out, "Net2 emulator listening (plain HTTP; stop with Ctrl-C)\n")
	fmt.Fprintf(out, "  base URL:  %s%s\n", root, apiPrefix)
	fmt.Fprintf(out, "  operator:  %s\n", DemoOperator)
	fmt.Fprintf(out, "  password:  %s\n", DemoPassword)
	fmt.Fprintf(out, "  client id: %s\n", DemoClientID)
	fmt.Fprintf(out, "  inspect:   %s/_sim/state  %s/_sim/requests\n", root, root)

	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("net2sim: serving: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("net2sim: stopping: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("net2sim: serving: %w", err)
	}
	return nil
}

// displayAddr renders a listening address as a URL host; an unspecified IP becomes
// localhost.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := tcp.IP.String()
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}
