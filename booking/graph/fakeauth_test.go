package graph

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Test credentials. The secret looks like a real Entra ID secret value, so a leak check that
// searches for it would find it in any text.
const (
	testTenant   = "contoso.onmicrosoft.com"
	testClientID = "11111111-2222-3333-4444-555555555555"
	testSecret   = "Xy8Q~s3cr3tV4lue.Of-A_Client~Secret0123"
	testToken    = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.ZmFrZS1hY2Nlc3MtdG9rZW4.c2lnbmF0dXJl"
)

// fakeAuthority is a fake Entra ID authority over TLS (MSAL accepts only https authorities):
// OpenID discovery and the token endpoint. Its answers follow the real service's shapes.
// Instance discovery must never be asked for: requests for it are recorded and refused.
type fakeAuthority struct {
	srv *httptest.Server

	mu            sync.Mutex
	tenant        string // the only tenant that exists
	secret        string // the only secret accepted
	tokenRequests int
	scopes        []string
	discovery     []string // instance discovery requests (must stay empty)
	unexpected    []string
}

func newFakeAuthority(t *testing.T) *fakeAuthority {
	t.Helper()
	a := &fakeAuthority{tenant: testTenant, secret: testSecret}
	a.srv = httptest.NewTLSServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	t.Cleanup(func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if len(a.discovery) > 0 {
			t.Errorf("the fake authority received instance discovery requests: %v", a.discovery)
		}
		if len(a.unexpected) > 0 {
			t.Errorf("the fake authority received unexpected requests: %v", a.unexpected)
		}
	})
	return a
}

// host is the authority host to configure (with trailing slash).
func (a *fakeAuthority) host() string { return a.srv.URL + "/" }

func (a *fakeAuthority) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	base := "https://" + r.Host
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case strings.Contains(r.URL.Path, "discovery/instance"):
		a.discovery = append(a.discovery, r.URL.String())
		http.Error(w, "instance discovery is not available here", http.StatusNotFound)
	case len(parts) == 4 && r.Method == http.MethodGet && parts[1] == "v2.0" && parts[2] == ".well-known" && parts[3] == "openid-configuration":
		tenant := parts[0]
		if !strings.EqualFold(tenant, a.tenant) {
			writeEntraError(w, http.StatusBadRequest, "invalid_tenant", 90002,
				fmt.Sprintf("AADSTS90002: Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenant))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"token_endpoint":                        base + "/" + tenant + "/oauth2/v2.0/token",
			"authorization_endpoint":                base + "/" + tenant + "/oauth2/v2.0/authorize",
			"issuer":                                base + "/" + tenant + "/v2.0",
			"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
			"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
			"tenant_region_scope":                   "EU",
		})
	case len(parts) == 4 && r.Method == http.MethodPost && parts[1] == "oauth2" && parts[2] == "v2.0" && parts[3] == "token":
		if err := r.ParseForm(); err != nil {
			writeEntraError(w, http.StatusBadRequest, "invalid_request", 900144, "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")
			return
		}
		a.tokenRequests++
		a.scopes = append(a.scopes, r.PostForm.Get("scope"))
		if r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_id") != testClientID {
			writeEntraError(w, http.StatusBadRequest, "unauthorized_client", 700016,
				fmt.Sprintf("AADSTS700016: Application with identifier '%s' was not found in the directory 'Contoso'.", r.PostForm.Get("client_id")))
			return
		}
		if r.PostForm.Get("client_secret") != a.secret {
			writeEntraError(w, http.StatusUnauthorized, "invalid_client", 7000215,
				"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+testClientID+"'.")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": testToken,
		})
	default:
		a.unexpected = append(a.unexpected, r.Method+" "+r.URL.Path)
		http.NotFound(w, r)
	}
}

// writeEntraError answers like Entra ID does, trace and correlation ids included.
func writeEntraError(w http.ResponseWriter, status int, code string, number int, desc string) {
	writeJSON(w, status, map[string]any{
		"error":             code,
		"error_description": desc + " Trace ID: 0f6b2c6e-3f4a-4bde-9d0c-2b1f5f0a0c00 Correlation ID: 6d1b3c7e-8a9f-4e2d-b1c0-9e8f7a6b5c4d Timestamp: 2026-05-04 08:00:00Z",
		"error_codes":       []int{number},
		"timestamp":         "2026-05-04 08:00:00Z",
		"trace_id":          "0f6b2c6e-3f4a-4bde-9d0c-2b1f5f0a0c00",
		"correlation_id":    "6d1b3c7e-8a9f-4e2d-b1c0-9e8f7a6b5c4d",
		"error_uri":         "https://login.microsoftonline.com/error?code=" + fmt.Sprint(number),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
