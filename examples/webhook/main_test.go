package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

// receiver is a webhook endpoint that records what it is sent and answers with status.
type receiver struct {
	mu       sync.Mutex
	status   int
	payloads []Payload
	auth     []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var p Payload
	err := json.NewDecoder(r.Body).Decode(&p)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	rc.payloads = append(rc.payloads, p)
	rc.auth = append(rc.auth, r.Header.Get("Authorization"))
	if rc.status != 0 {
		w.WriteHeader(rc.status)
	}
}

func (rc *receiver) received() []Payload {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Payload(nil), rc.payloads...)
}

func TestWebhookTellsEachBookerTheirCode(t *testing.T) {
	sim := net2sim.NewDemo(net2sim.Options{})
	net2Srv := httptest.NewServer(sim)
	defer net2Srv.Close()
	rc := &receiver{}
	hookSrv := httptest.NewServer(rc)
	defer hookSrv.Close()

	now := time.Now()
	src := sampleBookings(now)
	hook := &Webhook{URL: hookSrv.URL, Token: "s3cret"}
	rep, err := syncOnce(context.Background(), src, net2Srv.URL+"/api/v1", hook, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.Empty(t, rep.Failed)
	sent, failed := countNotify(rep)
	assert.Equal(t, 2, sent)
	assert.Equal(t, 0, failed)

	pins := map[string]string{}
	for _, u := range sim.State().Users {
		if u.CustomFields[10] == net2.Marker {
			pins[u.FirstName+" "+u.LastName] = u.PIN
		}
	}
	got := rc.received()
	require.Len(t, got, 2, "one request per person")
	byEmail := map[string]Payload{}
	for _, p := range got {
		byEmail[p.Email] = p
	}
	alex, sam := byEmail["alex@example.com"], byEmail["sam@example.org"]
	assert.Equal(t, "pin", alex.CodeKind)
	assert.True(t, alex.NewCode)
	assert.Equal(t, pins["Alex Example"], alex.Code, "the code posted is the PIN in Net2")
	assert.Equal(t, pins["Sam Sample"], sam.Code)
	assert.Len(t, alex.Code, 6)
	require.Len(t, sam.Bookings, 1)
	assert.Equal(t, "hook-2", sam.Bookings[0].UID)
	assert.Equal(t, []string{"Studio 1"}, sam.Bookings[0].Resources)
	assert.True(t, sam.Bookings[0].Start.Equal(src[1].Start))
	assert.True(t, sam.Bookings[0].AccessFrom.Equal(src[1].Start.Add(-5*time.Minute)))
	assert.Equal(t, []string{"Bearer s3cret", "Bearer s3cret"}, rc.auth)

	// Delivered notifications are recorded in Net2: the next cycle sends nothing again.
	rep, err = syncOnce(context.Background(), src, net2Srv.URL+"/api/v1", hook, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	sent, _ = countNotify(rep)
	assert.Equal(t, 0, sent)
	assert.Len(t, rc.received(), 2)
}

func TestWebhookFailureLeavesTheNotificationOwed(t *testing.T) {
	sim := net2sim.NewDemo(net2sim.Options{})
	net2Srv := httptest.NewServer(sim)
	defer net2Srv.Close()
	rc := &receiver{status: http.StatusServiceUnavailable}
	hookSrv := httptest.NewServer(rc)
	defer hookSrv.Close()

	src := sampleBookings(time.Now())
	rep, err := syncOnce(context.Background(), src, net2Srv.URL+"/api/v1", &Webhook{URL: hookSrv.URL}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	sent, failed := countNotify(rep)
	assert.Equal(t, 0, sent)
	assert.Equal(t, 2, failed)

	// Once the endpoint is back, a new engine (a restart) delivers what is still owed.
	rc.mu.Lock()
	rc.status = 0
	rc.mu.Unlock()
	rep, err = syncOnce(context.Background(), src, net2Srv.URL+"/api/v1", &Webhook{URL: hookSrv.URL}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	sent, failed = countNotify(rep)
	assert.Equal(t, 2, sent)
	assert.Equal(t, 0, failed)
	assert.Len(t, rc.received(), 4)
}

func TestWebhookAnswers(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	hook := &Webhook{URL: srv.URL}
	n := accessplan.Notification{Email: "a@example.com", CodeKind: "pin", Code: "123456",
		Bookings: []accessplan.NotifiedBooking{{Source: "s", UID: "u", Resources: []string{"R"}}}}
	for _, tt := range []struct {
		status    int
		ok        bool
		permanent bool
	}{
		{http.StatusOK, true, false},
		{http.StatusNoContent, true, false},
		{http.StatusUnprocessableEntity, false, true},
		{http.StatusNotFound, false, true},
		{http.StatusTooManyRequests, false, false},
		{http.StatusRequestTimeout, false, false},
		{http.StatusInternalServerError, false, false},
		{http.StatusBadGateway, false, false},
	} {
		rc.mu.Lock()
		rc.status = tt.status
		rc.mu.Unlock()
		err := hook.Notify(context.Background(), n)
		if tt.ok {
			assert.NoError(t, err, tt.status)
			continue
		}
		require.Error(t, err, tt.status)
		assert.Equal(t, tt.permanent, errors.Is(err, accessplan.ErrPermanent), "%d: %v", tt.status, err)
	}
	last := rc.received()[len(rc.received())-1]
	assert.Equal(t, "123456", last.Code)
	assert.Equal(t, "u", last.Bookings[0].UID)

	srv.Close()
	err := hook.Notify(context.Background(), n)
	require.Error(t, err)
	assert.False(t, errors.Is(err, accessplan.ErrPermanent), "an unreachable endpoint is retried")
}
