package net2_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

// Every harness test checks at cleanup that no secret reached the log or a recorded error
// (harness.checkSecrets). This test drives the paths most likely to leak one, at debug level,
// in a single harness, and checks that the log did record them.
func TestSecretsNeverLeakOnErrorPaths(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.TokenRateLimit = 2; o.RetryAfterSeconds = 1 }))
	c := ctx(t)

	_, err := h.client.Users(c) // login
	require.NoError(t, err)
	h.sim.ExpireAllTokens() // 401, refused refresh, password login
	_, err = h.client.Users(c)
	require.NoError(t, h.err(err))
	h.sim.FailAfter("GET /users", 500, 1)
	_, err = h.client.Users(c)
	require.Error(t, h.err(err))
	h.sim.Forbid(net2sim.DemoOperator)
	_, err = h.client.Doors(c)
	require.Error(t, h.err(err))
	h.sim.Allow(net2sim.DemoOperator)

	wrong := h.newClient(func(cfg *net2.Config) { cfg.Password = "Wrong-" + h.password })
	_, err = wrong.Doors(c)
	require.Error(t, h.err(err))
	_, err = h.newClient(nil).Doors(c) // rate-limited, then fine
	require.NoError(t, err)

	logs := h.logs.String()
	assert.Contains(t, logs, "logged in")
	assert.Contains(t, logs, "refused the access token")
	assert.Contains(t, logs, "rate-limited")
	assert.Contains(t, logs, "route=/users")
	// checkSecrets runs at cleanup over logs, errors and the emulator's request log.
}

func TestSecretsEchoedByTheServerAreRedacted(t *testing.T) {
	const password, clientID = "Echo-Pa55word", "echo-client-id-123"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"password ` + r.Form.Get("password") + ` for client ` + r.Form.Get("client_id") + ` refused"}`))
	}))
	defer srv.Close()
	var logs bytes.Buffer
	c, err := net2.New(net2.Config{
		BaseURL: srv.URL, Operator: "System engineer", Password: password, ClientID: clientID,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	require.NoError(t, err)
	_, err = c.Users(ctx(t))
	require.Error(t, err)
	for _, text := range []string{err.Error(), logs.String()} {
		assert.NotContains(t, text, password)
		assert.NotContains(t, text, clientID)
	}
	assert.True(t, strings.Contains(err.Error(), "password [redacted] for client [redacted] refused"), err.Error())
}
