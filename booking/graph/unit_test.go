package graph

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDateTimeTimeZone(t *testing.T) {
	dt := func(v, zone string) models.DateTimeTimeZoneable {
		m := models.NewDateTimeTimeZone()
		m.SetDateTime(&v)
		m.SetTimeZone(&zone)
		return m
	}
	want := time.Date(2026, 5, 6, 9, 30, 15, 123456700, time.UTC)
	for _, tc := range []struct {
		v, zone string
		want    time.Time
	}{
		{"2026-05-06T09:30:15.1234567", "UTC", want},
		{"2026-05-06T09:30:15.1234567Z", "Etc/UTC", want},
		{"2026-05-06T09:30:15", "", want.Truncate(time.Second)},
		{"2026-05-06T11:30:15.1234567", "Europe/Amsterdam", want},
	} {
		got, err := parseDateTimeTimeZone(dt(tc.v, tc.zone))
		require.NoError(t, err, tc.v)
		assert.Equal(t, tc.want, got, tc.v)
	}
	_, err := parseDateTimeTimeZone(dt("2026-05-06T09:30:15.0000000", "Pacific Standard Time"))
	assert.ErrorContains(t, err, "Pacific Standard Time")
	_, err = parseDateTimeTimeZone(dt("6 May 2026", "UTC"))
	assert.Error(t, err)
	_, err = parseDateTimeTimeZone(nil)
	assert.Error(t, err)
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	d, ok := retryAfter([]string{"7"}, now)
	assert.True(t, ok)
	assert.Equal(t, 7*time.Second, d)
	d, ok = retryAfter([]string{"Mon, 04 May 2026 08:02:00 GMT"}, now)
	assert.True(t, ok)
	assert.Equal(t, 2*time.Minute, d)
	_, ok = retryAfter(nil, now)
	assert.False(t, ok)
	_, ok = retryAfter([]string{"soon"}, now)
	assert.False(t, ok)
}

func TestFirstSentenceDropsTraceIDs(t *testing.T) {
	got := firstSentence("AADSTS7000222: The provided client secret keys for app 'x' are expired. Visit the Azure portal to create new keys for your app. Trace ID: abc Correlation ID: def Timestamp: 2026-05-04 08:00:00Z")
	assert.Equal(t, "AADSTS7000222: The provided client secret keys for app 'x' are expired.", got)
}

func TestOneLine(t *testing.T) {
	assert.Equal(t, "a b c", oneLine(" a\n b\t c ", 100))
	assert.Equal(t, "héé…", oneLine("hééé", 6))
}

// The transport's body cap fails reads past the limit and lets a body of exactly the limit
// end normally.
func TestCappedBody(t *testing.T) {
	released := 0
	b := &cappedBody{rc: io.NopCloser(strings.NewReader("0123456789")), left: 10, release: func() { released++ }}
	data, err := io.ReadAll(b)
	require.NoError(t, err)
	assert.Equal(t, "0123456789", string(data))
	assert.Positive(t, released)

	b = &cappedBody{rc: io.NopCloser(strings.NewReader("0123456789!")), left: 10, release: func() {}}
	_, err = io.ReadAll(b)
	assert.True(t, errors.Is(err, errBodyTooLarge))
}

// A Retry-After up to the in-line limit is waited for; a longer one is not.
func TestShouldRetry(t *testing.T) {
	resp := func(v string) *http.Response {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		return &http.Response{StatusCode: http.StatusTooManyRequests, Header: h}
	}
	assert.True(t, shouldRetry(0, 0, nil, resp("")))
	assert.True(t, shouldRetry(0, 0, nil, resp("30")))
	assert.False(t, shouldRetry(0, 0, nil, resp("31")))
}
