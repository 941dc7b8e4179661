package graph

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
)

// A national or private cloud: Graph and the authority on hosts of their own. The token is
// asked for that Graph (scope https://<graph host>/.default), sent to that host (the SDK's
// allowed hosts follow the endpoint, or it would silently drop the header: the fake checks
// every request), and the authority never receives an instance discovery request (the
// public cloud is never asked either: only the two hosts can be dialled).
func TestNationalCloudEndpoints(t *testing.T) {
	for _, set := range []bool{true, false} {
		t.Run(fmt.Sprintf("authority_host set=%v", set), func(t *testing.T) {
			auth := newFakeAuthority(t)
			graph := newFakeGraph(t, true)
			graphHost, authHost := "graph.example.com", "login.example.com"
			graph.base = "https://" + graphHost + ":" + port(t, graph.srv.URL) + "/v1.0"
			graph.put(room1, meeting(room1, "gov", time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC), time.Hour))
			graph.rooms = []map[string]any{roomJSON(room1, "Room 1", "HQ", 8, 1)}

			var mu sync.Mutex
			var dialled []string
			addrs := map[string]string{
				graphHost + ":" + port(t, graph.srv.URL): graph.srv.Listener.Addr().String(),
				authHost + ":" + port(t, auth.srv.URL):   auth.srv.Listener.Addr().String(),
			}
			tr := auth.srv.Client().Transport.(*http.Transport).Clone()
			tr.TLSClientConfig = &tls.Config{RootCAs: auth.srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
			tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				mu.Lock()
				dialled = append(dialled, addr)
				mu.Unlock()
				real, ok := addrs[addr]
				if !ok {
					return nil, fmt.Errorf("no route to %s in this test", addr)
				}
				return (&net.Dialer{}).DialContext(ctx, network, real)
			}

			o := Options{
				Name: "outlook gov", Tenant: testTenant, ClientID: testClientID, ClientSecret: testSecret,
				Rooms:            []string{room1},
				GraphEndpoint:    graph.base,
				AuthorityHost:    "https://" + authHost + ":" + port(t, auth.srv.URL) + "/",
				AuthorityHostSet: set,
				HTTPClient:       &http.Client{Transport: tr},
				Now:              func() time.Time { return t0 },
			}
			src, err := New(o)
			require.NoError(t, err)
			res, err := fetch(t, src)
			require.NoError(t, err)
			require.Len(t, res.Bookings, 1)

			rooms, _, err := ListRooms(t.Context(), o)
			require.NoError(t, err)
			require.Len(t, rooms, 1)

			auth.mu.Lock()
			scopes := auth.scopes
			auth.mu.Unlock()
			require.NotEmpty(t, scopes)
			for _, s := range scopes {
				assert.Contains(t, s, "https://graph.example.com/.default")
			}
			mu.Lock()
			defer mu.Unlock()
			for _, a := range dialled {
				assert.Contains(t, addrs, a, "only the configured hosts are contacted")
			}
		})
	}
}

// Settings derived from the endpoints: scope, allowed host, instance discovery.
func TestEndpointSettings(t *testing.T) {
	base := Options{Tenant: testTenant, ClientID: testClientID, ClientSecret: testSecret, Rooms: []string{room1}}
	s, err := base.settings(true)
	require.NoError(t, err)
	assert.Equal(t, "https://graph.microsoft.com/.default", s.scope)
	assert.Equal(t, "graph.microsoft.com", s.graphHost)
	assert.Equal(t, DefaultAuthorityHost, s.authority)
	assert.False(t, s.noDiscovery, "the public cloud keeps instance discovery")
	assert.Equal(t, "outlook (contoso.onmicrosoft.com)", s.Name)

	china := base
	china.GraphEndpoint = "https://microsoftgraph.chinacloudapi.cn/v1.0/"
	china.AuthorityHost = "https://login.chinacloudapi.cn"
	s, err = china.settings(true)
	require.NoError(t, err)
	assert.Equal(t, "https://microsoftgraph.chinacloudapi.cn/.default", s.scope)
	assert.Equal(t, "https://microsoftgraph.chinacloudapi.cn/v1.0", s.graphBase.String())
	assert.Equal(t, "https://login.chinacloudapi.cn/", s.authority)
	assert.True(t, s.noDiscovery)

	same := base
	same.AuthorityHost, same.AuthorityHostSet = DefaultAuthorityHost, true
	s, err = same.settings(true)
	require.NoError(t, err)
	assert.True(t, s.noDiscovery, "an authority_host written in the file disables discovery")
}

// New checks its options and does no network I/O.
func TestNewChecksOptionsWithoutNetwork(t *testing.T) {
	good := Options{Tenant: testTenant, ClientID: testClientID, ClientSecret: testSecret, Rooms: []string{"Room1@Contoso.com", "room1@contoso.com"}, HTTPClient: noNetwork(t)}
	src, err := New(good)
	require.NoError(t, err)
	require.Len(t, src.rooms, 1, "rooms are lower-cased and de-duplicated")
	assert.Equal(t, room1, src.rooms[0].room)

	for _, tc := range []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"no tenant", func(o *Options) { o.Tenant = "" }, "tenant is empty"},
		{"bad tenant", func(o *Options) { o.Tenant = "contoso/evil" }, "letters, digits"},
		{"no client id", func(o *Options) { o.ClientID = " " }, "client_id is empty"},
		{"no secret", func(o *Options) { o.ClientSecret = "" }, "client_secret is empty"},
		{"no rooms", func(o *Options) { o.Rooms = nil }, "no rooms"},
		{"bad room", func(o *Options) { o.Rooms = []string{"Room 1"} }, "not a mailbox address"},
		{"http endpoint", func(o *Options) { o.GraphEndpoint = "http://graph.microsoft.com/v1.0" }, "must be an https URL"},
		{"endpoint with query", func(o *Options) { o.GraphEndpoint = "https://graph.microsoft.com/v1.0?x=1" }, "not a base URL"},
		{"http authority", func(o *Options) { o.AuthorityHost = "http://login.microsoftonline.com/" }, "authority_host"},
	} {
		o := good
		tc.edit(&o)
		_, err := New(o)
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
		requireNoSecrets(t, err.Error())
	}
}

// Two outlook sources (two tenants or two sets of rooms) live side by side: each has its own
// name, state and credential; their bookings never mix.
func TestTwoSourcesCoexist(t *testing.T) {
	e := newEnv(t)
	d := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
	e.graph.put(room1, meeting(room1, "one", d, time.Hour))
	e.graph.put(room2, meeting(room2, "one", d, time.Hour)) // the same meeting books both rooms
	oa, ob := e.options(room1), e.options(room2)
	oa.Name, ob.Name = "outlook hq", "outlook annex"
	a, b := e.sourceWith(oa), e.sourceWith(ob)
	assert.Equal(t, "outlook hq", a.Name())
	assert.Equal(t, "outlook annex", b.Name())

	var ra, rb struct {
		res booking.FetchResult
		err error
	}
	var wg sync.WaitGroup
	wg.Go(func() { ra.res, ra.err = a.Fetch(t.Context(), testWindow()) })
	wg.Go(func() { rb.res, rb.err = b.Fetch(t.Context(), testWindow()) })
	wg.Wait()
	require.NoError(t, ra.err)
	require.NoError(t, rb.err)
	require.Len(t, ra.res.Bookings, 1)
	require.Len(t, rb.res.Bookings, 1)
	assert.Equal(t, "outlook hq", ra.res.Bookings[0].Source)
	assert.Equal(t, []string{room1}, ra.res.Bookings[0].Resources)
	assert.Equal(t, "outlook annex", rb.res.Bookings[0].Source)
	assert.NotEqual(t, ra.res.Bookings[0].Key(), rb.res.Bookings[0].Key(), "one booking per room")
}

// At most four requests are in flight at once, however many rooms there are.
func TestAtMostFourRequestsInFlight(t *testing.T) {
	e := newEnv(t)
	rooms := make([]string, 9)
	for i := range rooms {
		rooms[i] = fmt.Sprintf("room%d@contoso.com", i+10)
		e.graph.put(rooms[i], meeting(rooms[i], fmt.Sprint(i), time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC), time.Hour))
	}
	e.graph.holdCalendarRequests(MaxConcurrency)
	res, err := fetch(t, e.source(rooms...))
	require.NoError(t, err)
	assert.Len(t, res.Bookings, 9)
	e.graph.mu.Lock()
	defer e.graph.mu.Unlock()
	assert.False(t, e.graph.gate.failed, "four requests were never in flight together")
	assert.Equal(t, MaxConcurrency, e.graph.maxInflight)
}

func port(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u.Port()
}

// Outlook's limit of four requests in flight is per app, whatever the mailbox: two sources
// with the same client id, or a source and the rooms listing, never have more than four in
// flight together. The fake holds requests until every one the client wants to send is
// either at the fake or waiting for a slot, then lets them pass.
func TestOneAppSharesTheLimitOfFourRequests(t *testing.T) {
	for _, tc := range []struct {
		name  string
		total int // requests wanting to be in flight at the start
		run   func(e *env, a, b []string) []func() error
	}{
		{"two sources", 8, func(e *env, a, b []string) []func() error {
			sa, sb := e.source(a...), e.source(b...)
			return []func() error{
				func() error { _, err := sa.Fetch(t.Context(), testWindow()); return err },
				func() error { _, err := sb.Fetch(t.Context(), testWindow()); return err },
			}
		}},
		{"a source and the rooms listing", 5, func(e *env, a, _ []string) []func() error {
			sa := e.source(a...)
			return []func() error{
				func() error { _, err := sa.Fetch(t.Context(), testWindow()); return err },
				func() error { _, _, err := ListRooms(t.Context(), e.options()); return err },
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			var a, b []string
			for i := range 4 {
				a = append(a, fmt.Sprintf("hq%d@contoso.com", i))
				b = append(b, fmt.Sprintf("annex%d@contoso.com", i))
			}
			for _, r := range append(slices.Clone(a), b...) {
				e.graph.put(r, meeting(r, "m", time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC), time.Hour))
			}
			e.graph.rooms = []map[string]any{roomJSON(room1, "Room 1", "HQ", 8, 1)}

			lim := limitFor(testClientID, "127.0.0.1")
			lim.mu.Lock()
			lim.onWait = e.graph.wakeGate
			lim.mu.Unlock()
			t.Cleanup(func() {
				lim.mu.Lock()
				lim.onWait = nil
				lim.mu.Unlock()
			})
			e.graph.holdRequestsUntil(func(inflight int) bool {
				lim.mu.Lock()
				defer lim.mu.Unlock()
				return inflight+lim.waiting >= tc.total
			})

			runs := tc.run(e, a, b)
			errs := make([]error, len(runs))
			var wg sync.WaitGroup
			for i, run := range runs {
				wg.Go(func() { errs[i] = run() })
			}
			wg.Wait()
			for _, err := range errs {
				require.NoError(t, err)
			}
			e.graph.mu.Lock()
			defer e.graph.mu.Unlock()
			assert.False(t, e.graph.gate.failed, "the requests never all arrived")
			assert.Equal(t, MaxConcurrency, e.graph.maxInflight, "in flight at once at the fake")
		})
	}
}
