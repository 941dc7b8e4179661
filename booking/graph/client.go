package graph

import (
	"fmt"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	coreauth "github.com/microsoftgraph/msgraph-sdk-go-core/authentication"
	"github.com/microsoftgraph/msgraph-sdk-go/places"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// sdkVersion is the msgraph-sdk-go release this package is built and tested against; it goes
// into the SDK's telemetry header as the root package would send it.
const sdkVersion = "1.89.0"

// Retry settings for the SDK's retry handler (429, 503, 504).
const (
	maxRetries = 3
	// retryDelaySeconds is the back-off base when an answer carries no Retry-After.
	retryDelaySeconds = 3
	// maxInlineRetryAfter is the longest Retry-After waited for inside one fetch; a longer one
	// ends the attempt and the room is not asked again before that time.
	maxInlineRetryAfter = 30 * time.Second
	// requestTimeout bounds one request including its retries.
	requestTimeout = 3 * time.Minute
)

// client is one configured connection to Graph: the request adapter (authentication,
// middleware, limits) and the two request builders this package uses.
type client struct {
	adapter *msgraphcore.GraphRequestAdapterBase
	limit   *appLimit // shared with every client of the same app
	users   *users.UsersRequestBuilder
	places  *places.PlacesRequestBuilder
}

// newClient builds the credential and the Graph request adapter. It does no network I/O: the
// first token is requested with the first Graph request.
func newClient(s *settings) (*client, error) {
	credOpts := &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{
			Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: s.authority},
		},
		DisableInstanceDiscovery: s.noDiscovery,
	}
	if s.HTTPClient != nil {
		credOpts.ClientOptions.Transport = s.HTTPClient
	}
	cred, err := azidentity.NewClientSecretCredential(s.Tenant, s.ClientID, s.ClientSecret, credOpts)
	if err != nil {
		// azidentity's construction errors name the tenant or the option, never the secret;
		// they are rewritten anyway so that no SDK text can leak it.
		return nil, fmt.Errorf("%w: cannot set up the Entra ID client credential for tenant %q and client id %q", errOptions, s.Tenant, s.ClientID)
	}
	auth, err := coreauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(cred, []string{s.scope}, []string{s.graphHost})
	if err != nil {
		return nil, fmt.Errorf("%w: graph_endpoint host %q: %v", errOptions, s.graphHost, err)
	}

	clientOpts := msgraphcore.GraphClientOptions{GraphServiceLibraryVersion: sdkVersion}
	mws, err := khttp.GetDefaultMiddlewaresWithOptions(&khttp.RetryHandlerOptions{
		MaxRetries:   maxRetries,
		DelaySeconds: retryDelaySeconds,
		// ShouldRetry must be set: the handler calls it unconditionally (nil panics).
		ShouldRetry: shouldRetry,
	})
	if err != nil {
		return nil, fmt.Errorf("setting up the Graph middleware: %w", err)
	}
	mws = append([]khttp.Middleware{msgraphcore.NewGraphTelemetryHandler(&clientOpts)}, mws...)

	limit := limitFor(s.ClientID, s.graphHost)
	var base http.RoundTripper = http.DefaultTransport
	if s.HTTPClient != nil && s.HTTPClient.Transport != nil {
		base = s.HTTPClient.Transport
	}
	httpClient := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(newLimitTransport(base, limit), mws...),
		// The redirect middleware follows redirects itself.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       requestTimeout,
	}

	parse := serialization.NewParseNodeFactoryRegistry()
	parse.ContentTypeAssociatedFactories["application/json"] = jsonserialization.NewJsonParseNodeFactory()
	write := serialization.NewSerializationWriterFactoryRegistry()
	write.ContentTypeAssociatedFactories["application/json"] = jsonserialization.NewJsonSerializationWriterFactory()
	adapter, err := msgraphcore.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, clientOpts, parse, write, httpClient)
	if err != nil {
		return nil, fmt.Errorf("setting up the Graph client: %w", err)
	}
	adapter.SetBaseUrl(s.graphBase.String())
	adapter.EnableBackingStore(nil)
	params := map[string]string{"baseurl": adapter.GetBaseUrl()}
	return &client{
		adapter: adapter,
		limit:   limit,
		users:   users.NewUsersRequestBuilderInternal(params, adapter),
		places:  places.NewPlacesRequestBuilderInternal(params, adapter),
	}, nil
}

// shouldRetry lets the retry handler wait for a Retry-After of at most maxInlineRetryAfter;
// a longer one is returned as an error (the caller then holds the room until that time).
func shouldRetry(_ time.Duration, _ int, _ *http.Request, resp *http.Response) bool {
	if resp == nil {
		return true
	}
	d, ok := retryAfter(resp.Header.Values("Retry-After"), time.Now())
	return !ok || d <= maxInlineRetryAfter
}

// calendarHeaders are sent on every calendar request, first page and following ones alike:
// times in UTC, and the page size for delta (which ignores $top).
func calendarHeaders() *abstractions.RequestHeaders {
	h := abstractions.NewRequestHeaders()
	h.Add("Prefer", preferUTC+", odata.maxpagesize="+fmt.Sprint(pageSize))
	return h
}

// preferUTC is the Prefer value that makes Graph report event times in UTC.
const preferUTC = `outlook.timezone="UTC"`

// pageSize is the number of items asked for per page.
const pageSize = 100
