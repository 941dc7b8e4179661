package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/booking/graph"
	"github.com/net2booking/net2booking/booking/ical"
	"github.com/net2booking/net2booking/config"
	"github.com/net2booking/net2booking/engine"
	"github.com/net2booking/net2booking/identifier"
	"github.com/net2booking/net2booking/logfile"
	"github.com/net2booking/net2booking/net2"
)

// policyFromConfig builds the planner's policy from the configuration and the Net2 ids the
// names in it resolve to (net2.ResolveSite). Without a resolved site (preview without Net2)
// the resources' ids are used as written.
func policyFromConfig(cfg *config.Config, resolved *net2.Site) accessplan.Policy {
	p := accessplan.Policy{
		Grant:                 accessplan.GrantKind(cfg.Access.Grant),
		GraceBefore:           cfg.Access.GraceBefore,
		GraceAfter:            cfg.Access.GraceAfter,
		RemoveAfterDays:       cfg.Access.RemoveAfterDays,
		Code:                  accessplan.CodeKind(cfg.Access.Identifier),
		Lookahead:             cfg.Lookahead(),
		TentativeGrantsAccess: cfg.Access.TentativeGrantsAccess,
		Location:              cfg.Site.Location,
	}
	if resolved != nil {
		return resolved.Policy(p)
	}
	p.Doors = make(map[string][]int, len(cfg.Resources))
	for _, r := range cfg.Resources {
		p.Doors[r.Name] = r.Doors
	}
	return p
}

// siteNames is what the configuration names in Net2, for net2.ResolveSite.
func siteNames(cfg *config.Config) net2.SiteNames {
	n := net2.SiteNames{
		Department:     net2.SiteRef{Key: "access.department", Ref: net2.Ref(cfg.Access.Department)},
		MarkerField:    net2.SiteRef{Key: "access.marker_field", Ref: net2.Ref(cfg.Access.MarkerField)},
		FallbackLevel:  net2.SiteRef{Key: "access.fallback_access_level", Ref: net2.Ref(cfg.Access.FallbackAccessLevel)},
		AlwaysTimezone: net2.SiteRef{Key: "access.always_timezone", Ref: net2.Ref(cfg.Access.AlwaysTimezone)},
		Grant:          accessplan.GrantKind(cfg.Access.Grant),
		PermissionIDs:  net2.PermissionIDs(cfg.Net2.PermissionIDs),
	}
	for _, r := range cfg.Resources {
		rr := net2.ResourceRefs{Key: fmt.Sprintf("resources.%q (line %d)", r.Name, r.Line), Name: r.Name}
		for _, t := range r.Targets {
			rr.Targets = append(rr.Targets, net2.Ref(t))
		}
		n.Resources = append(n.Resources, rr)
	}
	return n
}

// needsNet2ForNames reports a resource that names doors or levels by name, which only Net2
// can turn into ids.
func needsNet2ForNames(cfg *config.Config) error {
	for _, r := range cfg.Resources {
		if r.HasNames() && !cfg.Net2.Present {
			return badInput(fmt.Errorf("%s:%d: resources.%q names Net2 objects by name; looking them up needs the net2 section (or give their ids)", cfg.Path, r.Line, r.Name))
		}
	}
	return nil
}

// previewPolicy is the policy of preview and check's planning: ids as written, or resolved
// in Net2 when the resources use names.
func previewPolicy(ctx context.Context, cfg *config.Config, logger *slog.Logger) (accessplan.Policy, error) {
	names := false
	for _, r := range cfg.Resources {
		names = names || r.HasNames()
	}
	if !names {
		return policyFromConfig(cfg, nil), nil
	}
	if err := needsNet2ForNames(cfg); err != nil {
		return accessplan.Policy{}, err
	}
	client, err := newNet2Client(cfg, logger)
	if err != nil {
		return accessplan.Policy{}, err
	}
	s, errs := net2.ResolveSite(ctx, client, siteNames(cfg))
	if len(errs) > 0 {
		return accessplan.Policy{}, fmt.Errorf("the configuration does not match Net2:\n%w", joinLines(errs))
	}
	return policyFromConfig(cfg, &s), nil
}

// buildSources makes a BookingSource for every configured source.
func buildSources(cfg *config.Config, logger *slog.Logger) ([]booking.BookingSource, error) {
	var out []booking.BookingSource
	for _, s := range cfg.Sources {
		switch s.Type {
		case config.SourceICal:
			f, err := ical.New(ical.Options{
				Name:         s.Name,
				URL:          s.URL,
				Dialect:      ical.Dialect(s.Dialect),
				SiteLocation: cfg.Site.Location,
				Logger:       logger,
			})
			if err != nil {
				return nil, fmt.Errorf("source %s: %w", s.Name, err)
			}
			out = append(out, f)
		case config.SourceOutlook:
			g, err := graph.New(graphOptions(cfg, s, logger))
			if err != nil {
				return nil, fmt.Errorf("source %s: %w", s.Name, err)
			}
			out = append(out, g)
		default:
			return nil, fmt.Errorf("source %s: type %q is not supported by this build", s.Name, s.Type)
		}
	}
	return out, nil
}

// graphOptions maps an outlook source of the configuration to the Graph source's options.
func graphOptions(cfg *config.Config, s config.Source, logger *slog.Logger) graph.Options {
	return graph.Options{
		Name: s.Name, Tenant: s.Tenant, ClientID: s.ClientID, ClientSecret: s.ClientSecret,
		Rooms: s.Rooms, IncludeAttendees: s.IncludeAttendees,
		GraphEndpoint: s.GraphEndpoint, AuthorityHost: s.AuthorityHost, AuthorityHostSet: s.AuthorityHostSet,
		SiteLocation: cfg.Site.Location, Logger: logger,
	}
}

// newNet2Client returns a Net2 client for the configuration's net2 section. wrap, when
// given, wraps its transport (the status server's request counter), whatever the TLS mode.
func newNet2Client(cfg *config.Config, logger *slog.Logger, wrap ...func(http.RoundTripper) http.RoundTripper) (*net2.Client, error) {
	var wrapper func(http.RoundTripper) http.RoundTripper
	if len(wrap) > 0 {
		wrapper = wrap[0]
	}
	if !cfg.Net2.Present {
		return nil, badInput(fmt.Errorf("%s has no net2 section: this command talks to Net2 (add net2.url, net2.operator, net2.password and net2.client_id)", cfg.Path))
	}
	return net2.New(net2.Config{
		BaseURL:       cfg.Net2.URL,
		Operator:      cfg.Net2.Operator,
		Password:      cfg.Net2.Password,
		ClientID:      cfg.Net2.ClientID,
		TLS:           net2.TLSConfig{InsecureSkipVerify: cfg.Net2.TLS.InsecureSkipVerify, PinSHA256: cfg.Net2.TLS.PinSHA256},
		Logger:        logger,
		Location:      cfg.Site.Location,
		WrapTransport: wrapper,
	})
}

// newAllocator returns the code allocator of access.identifier.
func newAllocator(cfg *config.Config) (identifier.CodeAllocator, error) {
	switch cfg.Access.Identifier {
	case config.IdentifierPIN:
		return identifier.NewPIN(cfg.Access.PINLength)
	case config.IdentifierQR:
		return identifier.NewQR(cfg.Access.QRRange[0], cfg.Access.QRRange[1])
	default:
		return identifier.Manual{}, nil
	}
}

// service is everything a sync needs, wired from the configuration.
type service struct {
	cfg     *config.Config
	client  *net2.Client
	syncer  *engine.Syncer
	policy  accessplan.Policy
	sources []booking.BookingSource
	lease   *net2.Lease
}

// serviceExtras are the status server's hooks into a service (run only).
type serviceExtras struct {
	wrapNet2   func(http.RoundTripper) http.RoundTripper
	afterCycle func(*engine.Report, error)
}

// newService logs in to Net2, resolves the configuration's names and wires the engine.
func newService(ctx context.Context, cfg *config.Config, logger *slog.Logger, extras ...serviceExtras) (*service, error) {
	var ex serviceExtras
	if len(extras) > 0 {
		ex = extras[0]
	}
	sources, err := buildSources(cfg, logger)
	if err != nil {
		return nil, badInput(err)
	}
	client, err := newNet2Client(cfg, logger, ex.wrapNet2)
	if err != nil {
		return nil, err
	}
	names := siteNames(cfg)
	cache := net2.OpenCache(cfg.Net2.CacheFile, net2.CacheIdentity(cfg.Net2.URL, cfg.Net2.Operator, names), logger)
	resolved, errs := net2.ResolveSiteCached(ctx, client, names, cache, cfg.Safety.VerifyEvery)
	if len(errs) == 1 && (net2.IsUnavailable(errs[0]) || net2.IsCredentials(errs[0]) || errors.Is(errs[0], net2.ErrMFARequired)) {
		return nil, fmt.Errorf("cannot start: %w", errs[0])
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("the configuration does not match Net2:\n%w", joinLines(errs))
	}
	policy := policyFromConfig(cfg, &resolved)
	mailer, err := newMailer(cfg, logger)
	if err != nil {
		return nil, err
	}
	var notifier accessplan.Notifier
	if mailer != nil && cfg.Email.Notifications.Enabled {
		notifier, policy.Notify = mailer, true
	}
	alerts, err := newAlerts(cfg, mailer, logger)
	if err != nil {
		return nil, err
	}
	var alerter engine.Alerter
	var alert func(key, summary, detail string)
	var clearAlert func(key string)
	if alerts != nil {
		alerter, alert, clearAlert = alerts, alerts.Raise, alerts.Clear
	}
	ctl, err := net2.NewController(client, net2.ControllerConfig{
		MarkerField: resolved.MarkerField, Code: accessplan.CodeKind(cfg.Access.Identifier), QRTokenType: cfg.Access.QRTokenType,
		Location: cfg.Site.Location, PermissionIDs: resolved.PermissionIDs, DoorAreas: resolved.DoorAreas,
		Cache: cache, Alert: alert, ClearAlert: clearAlert, Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	alloc, err := newAllocator(cfg)
	if err != nil {
		return nil, badInput(err)
	}
	lease, err := net2.NewLease(client, net2.LeaseConfig{MarkerField: resolved.MarkerField, TTL: 3 * cfg.Access.FetchInterval, Logger: logger})
	if err != nil {
		return nil, err
	}
	previous := map[string][]string{}
	for _, src := range cfg.Sources {
		previous[src.Name] = src.PreviousNames
	}
	syncer, err := engine.New(engine.Options{
		Sources: sources, Controller: ctl, Allocator: alloc, Policy: policy, PreviousNames: previous, Lease: lease,
		Notifier: notifier, Alerts: alerter,
		FetchInterval: cfg.Access.FetchInterval, MaxShrink: cfg.Safety.MaxShrink, VerifyEvery: cfg.Safety.VerifyEvery,
		Logger: logger, AfterCycle: ex.afterCycle,
	})
	if err != nil {
		return nil, err
	}
	return &service{cfg: cfg, client: client, syncer: syncer, policy: policy, sources: sources, lease: lease}, nil
}

// joinLines joins errors one per line.
func joinLines(errs []error) error {
	lines := make([]string, len(errs))
	for i, e := range errs {
		lines[i] = "  " + e.Error()
	}
	return fmt.Errorf("%s", strings.Join(lines, "\n"))
}

// newLogger logs text lines on w at level, and to every extra handler (the log files, the
// status page's recent problems) at their own levels, with every configuration secret masked
// once for all of them.
func newLogger(w io.Writer, cfg *config.Config, level slog.Level, extra ...slog.Handler) *slog.Logger {
	var secrets []string
	if cfg != nil {
		secrets = cfg.Secrets()
	}
	var next slog.Handler = slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})
	if len(extra) > 0 {
		next = slog.NewMultiHandler(append([]slog.Handler{next}, extra...)...)
	}
	return slog.New(&redactHandler{next: next, secrets: secrets})
}

// openLogFile opens the rotating JSON log files of logging.dir (SPEC F23) at logging.level,
// to pass to newLogger; close the closer when the command ends.
func openLogFile(cfg *config.Config) (slog.Handler, io.Closer, error) {
	w, err := logfile.Open(cfg.Logging.Dir, logfile.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: logging.dir: %w", cfg.Path, err)
	}
	return logfile.Handler(w, logLevel(cfg)), w, nil
}

// cliLogger logs warnings and errors for one-shot commands.
func cliLogger(w io.Writer, cfg *config.Config) *slog.Logger {
	return newLogger(w, cfg, slog.LevelWarn)
}

// logLevel maps logging.level to a slog level.
func logLevel(cfg *config.Config) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(cfg.Logging.Level)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// redactHandler masks secrets in messages and string attributes: a last line of defence
// behind each package's own care (DESIGN invariant 7).
type redactHandler struct {
	next    slog.Handler
	secrets []string
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.mask(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(as))
	for i, a := range as {
		masked[i] = h.attr(a)
	}
	return &redactHandler{next: h.next.WithAttrs(masked), secrets: h.secrets}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{next: h.next.WithGroup(name), secrets: h.secrets}
}

func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.mask(v.String()))
	case slog.KindGroup:
		var as []any
		for _, g := range v.Group() {
			as = append(as, h.attr(g))
		}
		return slog.Group(a.Key, as...)
	case slog.KindAny:
		return slog.String(a.Key, h.mask(fmt.Sprint(v.Any())))
	}
	return a
}

func (h *redactHandler) mask(s string) string { return maskSecrets(h.secrets, s) }

// maskSecrets replaces every configuration secret in s (logs, alert emails) by "***".
func maskSecrets(secrets []string, s string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}

// formatTime renders an instant for people: local time of the site with its zone.
func formatTime(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	return t.In(loc).Format("2006-01-02 15:04:05 MST")
}

// lockPath is the local lock of the site: next to the cache file.
func lockPath(cfg *config.Config) string { return cfg.Net2.CacheFile + ".lock" }
