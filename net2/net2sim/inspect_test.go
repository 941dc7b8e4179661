package net2sim_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2/net2sim"
)

func TestFailAfterAppliesTheWriteFirst(t *testing.T) {
	e := start(t, net2sim.Options{})
	e.login()
	e.sim.FailAfter("POST /users", 500, 2)
	for range 2 {
		status, body := e.api(http.MethodPost, "/users", `{"firstName":"Ghost"}`)
		assert.Equal(t, http.StatusInternalServerError, status)
		assert.JSONEq(t, `{"Message":"An error has occurred."}`, body)
	}
	status, _ := e.api(http.MethodPost, "/users", `{"firstName":"Ghost"}`)
	assert.Equal(t, http.StatusCreated, status, "only twice")
	ghosts := 0
	for _, u := range e.sim.State().Users {
		if u.FirstName == "Ghost" {
			ghosts++
		}
	}
	assert.Equal(t, 3, ghosts, "the failed POSTs were stored: uncertain writes")

	e.sim.FailAfter("GET /users/{id}", 503, 0)
	status, _ = e.api(http.MethodGet, "/users/1", nil)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	status, _ = e.api(http.MethodGet, "/users/1", nil)
	assert.Equal(t, http.StatusOK, status, "times < 1 means once")

	e.sim.FailAfter("GET /doors", 500, 5)
	e.sim.ClearFaults()
	status, _ = e.api(http.MethodGet, "/doors", nil)
	assert.Equal(t, http.StatusOK, status)
}

func TestLatencyIsInjected(t *testing.T) {
	var mu sync.Mutex
	var slept []time.Duration
	e := start(t, net2sim.Options{Latency: 250 * time.Millisecond, Sleep: func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		slept = append(slept, d)
		return nil
	}})
	e.api(http.MethodGet, "/doors", nil)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []time.Duration{250 * time.Millisecond, 250 * time.Millisecond}, slept, "login and call")
}

func TestRequestLog(t *testing.T) {
	e := start(t, net2sim.Options{})
	e.api(http.MethodGet, "/users", nil)
	e.api(http.MethodGet, "/users/1", nil)
	e.api(http.MethodGet, "/users/2", nil)
	e.api(http.MethodPut, "/users/2/departments", `{"id":1}`)
	e.api(http.MethodDelete, "/users/4", nil)

	counts := e.sim.Counts()
	assert.Equal(t, 1, counts["POST /authorization/tokens"])
	assert.Equal(t, 1, counts["GET /users"])
	assert.Equal(t, 2, counts["GET /users/{id}"])
	assert.Equal(t, 1, counts["PUT /users/{id}/departments"])
	assert.Equal(t, 2, e.sim.Writes(), "token requests and GETs are not writes")

	reqs := e.sim.Requests()
	require.Len(t, reqs, 6)
	login := reqs[0]
	assert.Equal(t, "password", login.Grant)
	assert.Empty(t, login.Body, "token bodies carry the password and are not logged")
	assert.Equal(t, net2sim.Request{
		Time: e.clock.Now(), Method: "PUT", Path: "/api/v1/users/2/departments", Route: "PUT /users/{id}/departments",
		Status: 204, Operator: "System engineer", Body: `{"id":1}`,
	}, reqs[4])

	e.sim.ResetLog()
	assert.Empty(t, e.sim.Requests())
	assert.Zero(t, e.sim.Writes())
}

func TestStateIsADeepCopy(t *testing.T) {
	e := start(t, net2sim.Options{})
	snap := e.sim.State()
	require.Len(t, snap.Users, 4)
	snap.Users[0].CustomFields[9] = "changed"
	snap.Users[0].Permissions.AccessLevels[0] = 99
	snap.Users[0].Tokens[0].TokenValue = "changed"
	u, ok := e.sim.User(1)
	require.True(t, ok)
	assert.Equal(t, "alice@example.com", u.CustomFields[9])
	assert.Equal(t, []int{1}, u.Permissions.AccessLevels)
	assert.Equal(t, "10012345", u.Tokens[0].TokenValue)
	_, ok = e.sim.User(99)
	assert.False(t, ok)
}

func TestInspectionOverHTTP(t *testing.T) {
	e := start(t, net2sim.Options{})
	e.api(http.MethodGet, "/doors", nil)
	status, _, body := e.send(http.MethodGet, "/_sim/state", nil, nil)
	require.Equal(t, http.StatusOK, status)
	var snap net2sim.Snapshot
	require.NoError(t, json.Unmarshal([]byte(body), &snap))
	assert.Len(t, snap.Doors, 6)
	assert.NotContains(t, body, net2sim.DemoPassword)

	status, _, body = e.send(http.MethodGet, "/_sim/requests", nil, nil)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `"route": "GET /doors"`)
	assert.NotContains(t, body, net2sim.DemoPassword)
	assert.Equal(t, 2, len(e.sim.Requests()), "inspection requests are not logged")
}

func TestSeeding(t *testing.T) {
	s := net2sim.New(net2sim.Options{})
	s.AddDoor(42, "Side door")
	s.AddDepartment(5, "Guests")
	s.AddAccessLevel(7, "Guests")
	s.AddTimezone(9, "Weekends")
	require.NoError(t, s.SetFieldName(net2sim.FieldName{ID: 10, Name: "Booking marker", MaxLength: 20}))
	assert.Error(t, s.SetFieldName(net2sim.FieldName{ID: 15}))
	s.AddOperator(net2sim.Operator{FirstName: "Sync", Surname: "Service", Password: "pw"})

	u, err := s.AddUser(net2sim.User{
		FirstName: "Gus", PIN: "1111", DepartmentID: 5, CustomFields: map[int]string{10: "BOOKINGSYNC"},
		Permissions: net2sim.PermissionSet{IndividualPermissions: []net2sim.IndividualPermission{{ID: s.DoorAreas(42)[0], TimezoneID: 9}}},
		Tokens:      []net2sim.Token{{TokenType: "proxcard", TokenValue: "000123"}},
	})
	require.NoError(t, err)
	assert.Equal(t, 1, u.ID)
	assert.Equal(t, net2sim.Token{ID: 1, TokenType: "ProxCard", TokenValue: "123"}, u.Tokens[0])

	_, err = s.AddUser(net2sim.User{ID: 1, FirstName: "Again"})
	assert.ErrorContains(t, err, "taken")
	_, err = s.AddUser(net2sim.User{FirstName: "Card", Tokens: []net2sim.Token{{TokenType: "ProxCard", TokenValue: "123"}}})
	assert.ErrorContains(t, err, "already been issued")
	_, err = s.AddUser(net2sim.User{FirstName: "Dept", DepartmentID: 6})
	assert.ErrorContains(t, err, "department 6")
	_, err = s.AddUser(net2sim.User{FirstName: "Long", CustomFields: map[int]string{10: strings.Repeat("x", 21)}})
	assert.ErrorContains(t, err, "longer than 20")
	u, err = s.AddUser(net2sim.User{FirstName: "Same PIN", PIN: "1111"})
	require.NoError(t, err, "knobs do not apply to seeding")
	assert.Equal(t, 2, u.ID)

	snap := s.State()
	assert.Len(t, snap.Operators, 2)
	assert.Equal(t, net2sim.FieldName{ID: 10, Name: "Booking marker", MaxLength: 20}, snap.FieldNames[9])
}

func TestDemoSite(t *testing.T) {
	s := net2sim.NewDemo(net2sim.Options{})
	snap := s.State()
	ids := map[int]bool{}
	for _, d := range snap.Doors {
		ids[d.ID] = true
	}
	for _, id := range []int{1484506, 6612642, 7242929, 7001001} {
		assert.True(t, ids[id], id)
	}
	assert.Contains(t, snap.AccessLevels, net2sim.Named{ID: 0, Name: "No access"})
	assert.Contains(t, snap.AccessLevels, net2sim.Named{ID: 1, Name: "All hours, all doors"})
	assert.Contains(t, snap.Departments, net2sim.Named{ID: 1, Name: "Booking"})
	assert.Len(t, snap.FieldNames, 14)
	assert.Equal(t, net2sim.DefaultFieldNames, snap.FieldNames)
	require.Len(t, snap.Operators, 1)
	assert.Equal(t, net2sim.DemoOperator, snap.Operators[0].DisplayName())
	require.Len(t, snap.Users, 4)
	for _, u := range snap.Users {
		for _, v := range u.CustomFields {
			assert.NotContains(t, v, "BOOKINGSYNC", "demo users are ordinary, unmarked users")
		}
	}
	assert.NotEmpty(t, snap.Users[0].PIN)
	assert.NotEmpty(t, snap.Users[0].Tokens)
}

func TestConcurrentRequests(t *testing.T) {
	e := start(t, net2sim.Options{})
	e.login()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				switch j % 3 {
				case 0:
					e.api(http.MethodPost, "/users", `{"firstName":"C"}`)
				case 1:
					e.api(http.MethodGet, "/users", nil)
				default:
					e.api(http.MethodPut, "/users/1/doorpermissionset", `{"accessLevels":[`+string(rune('0'+i%2))+`]}`)
				}
				_ = e.sim.State()
				_ = e.sim.Counts()
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 8*4, e.sim.Counts()["POST /users"])
	assert.Len(t, e.sim.State().Users, 4+8*4)
}

func TestListenAndServe(t *testing.T) {
	c, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- net2sim.ListenAndServe(c, "127.0.0.1:0", true, pw)
		_ = pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var base string
	var printed []string
	for lines.Scan() {
		printed = append(printed, lines.Text())
		if v, ok := strings.CutPrefix(strings.TrimSpace(lines.Text()), "base URL:"); ok {
			base = strings.TrimSpace(v)
		}
		if strings.Contains(lines.Text(), "inspect:") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	text := strings.Join(printed, "\n")
	assert.Contains(t, text, "operator:  System engineer")
	assert.Contains(t, text, "password:  "+net2sim.DemoPassword)
	assert.Contains(t, text, "client id: "+net2sim.DemoClientID)
	require.True(t, strings.HasPrefix(base, "http://127.0.0.1:"), text)

	resp, err := http.Get(base + "/operators")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), "System engineer")
	resp, err = http.Get(base + "/doors")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	cancel()
	require.NoError(t, <-done)
	_, err = http.Get(base + "/operators")
	assert.Error(t, err, "stopped")
}
