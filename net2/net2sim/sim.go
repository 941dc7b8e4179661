// Package net2sim is an in-memory emulator of the Paxton Net2 Local API, for net2booking's
// tests, for the demo (`net2booking sim`) and for integrators who test their own Net2 tooling
// without a Net2 server.
//
// A *Sim is an http.Handler serving the API under /api/v1: operator login with access and
// refresh tokens, reference data (doors, reader areas, access levels with their detail,
// departments, timezones, custom field names), users with their departments, door
// permission sets and tokens. It is only as true as the research behind it (research notes
// §10, §12): where a source shows how a real server behaves, that is the default; each
// alternative still possible is a knob in Options whose zero value is the most likely real
// behaviour, and each knob's comment says whether its default is evidence or a guess.
//
// Known behaviour emulated by default: an expiry date left out of a user PUT is cleared,
// some writes answer 204, GET /users omits the door permission set while GET /users/{id}
// carries it (6.7+), a duplicate card gets 400 "Card <n> has already been issued", request
// properties bind case-insensitively, dates go out with the server's offset.
//
// Doors and reader areas. Net2 grants access to reader areas, not doors: AddDoor gives a
// door one area named like the door, AddDoorReaders one area per reader ("Front door (In)",
// "Front door (Out)"). Area ids are small integers counted from 1, served by GET
// /accesslevels/areas as [{areaID, name}]; they collide with access-level ids. An access
// level is a set of detail rows area → timezone (AddAccessLevelAreas, GET
// /accesslevels/{id}/detail); the built-in level 0 "No access" opens nothing and level 1
// "All hours, all doors" every area at every time.
//
// Permission ids. individualPermissions[].id holds reader-area ids by default, the likely
// truth; Options.PermissionIDs "door" makes it door ids (ACU serials) instead. Writes are
// validated in the configured space ("Area %d does not exist." / "Door %d does not exist.").
// Read-back knobs (ReorderPermissions, NoAccessAsEmpty, DoorsAsAreas) change how a stored
// set is read back; by default it reads back as written.
//
// Dates. An expiryDate is stored at 00:00 server-local of its day (a live 6.7+ server does;
// KeepExpiryTime keeps the time), activateDate as sent.
//
// Enforcement. Permitted(user, door, at) tells whether Net2 would let the user through and
// why: from 00:00 of the activation day, until 00:00 of the expiry day (users expire at the
// START of the expiry day; ExpiryEndOfDay: at its end), through an individual permission on
// an area of the door (or on the door, in door mode) or an access level with a row for an
// area of the door, whose timezone is active then: 1 always, 2 never, 3 Monday to Friday
// 09:00–17:00 server-local, any other seeded timezone always.
//
// Other knobs cover what is unknown: operator MFA (RequireMFA, MFAStatus), duplicate tokens
// and PINs (AllowDuplicateTokens, DuplicateTokenMessage, UniquePINs, DuplicatePINMessage),
// name normalisation (NormaliseNames), silent paging of GET /users (UsersPageSize), editions
// and field sets (LiteEdition, MinimalUserFields, OmitPermissionSetInUser, ...).
//
// Tests steer it through Go methods: seed data (AddUser, AddDoor, AddDoorReaders,
// AddAccessLevelAreas, ...), inject failures (FailAfter, ExpireAllTokens, Forbid,
// RequireMFA), change knobs (Configure), inspect the state (State, User, Areas, DoorAreas,
// Permitted) and the request log (Requests, Counts, Writes). The same views are served for
// humans at /_sim/state and /_sim/requests. All methods are safe for concurrent use.
//
//	sim := net2sim.NewDemo(net2sim.Options{})
//	srv := httptest.NewServer(sim)
//	defer srv.Close()
//	// log in at srv.URL+"/api/v1" as net2sim.DemoOperator / net2sim.DemoPassword
//	// with client id net2sim.DemoClientID.
package net2sim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options are the emulator's knobs. The zero value is the most faithful emulation of a real
// Net2 server as far as it is known; fields document which behaviour is known and which is a
// guess.
type Options struct {
	// Now is the emulator's clock (token lifetimes, rate limit, default activation date); nil
	// means time.Now.
	Now func() time.Time
	// Location is the server's time zone: dates go out with its offset and offset-less dates
	// come in as its wall-clock time; nil means time.Local.
	Location *time.Location
	// ClientID is the licence's client id the token endpoint accepts; "" means DemoClientID.
	ClientID string
	// Password is the password of the built-in operator "System engineer"; "" means
	// DemoPassword.
	Password string

	// TokenLifetime is the access token lifetime; 0 means 30 minutes (documented).
	TokenLifetime time.Duration
	// RefreshLifetime is the refresh token lifetime; 0 means 2 hours (documented).
	RefreshLifetime time.Duration
	// TokenRateLimit is the number of token requests accepted per second (Net2 6.8+: about
	// 2); above it the token route answers 429. 0 means no limit.
	TokenRateLimit int
	// RetryAfterSeconds is the Retry-After header of a 429; 0 omits the header.
	RetryAfterSeconds int
	// FormOnlyTokenRequests refuses JSON token requests (real servers seem to accept both).
	FormOnlyTokenRequests bool

	// KeepExpiryWhenOmitted keeps a user's expiry when a PUT omits expiryDate. Evidence
	// (two clients, research §5.2): real Net2 clears it, which the default (false) does, to
	// catch clients that forget it.
	KeepExpiryWhenOmitted bool
	// ClearActivateWhenOmitted clears the activation date when a PUT omits activateDate.
	// Guess: unknown on real servers; off by default (kept).
	ClearActivateWhenOmitted bool
	// ReplaceCustomFields makes a PUT's customFields array replace all values instead of
	// merging by id. Guess: unknown on real servers; merge by default.
	ReplaceCustomFields bool
	// KeepExpiryTime stores an expiryDate with the time of day as sent. Evidence (a live
	// 6.7+ server, research §12): Net2 truncates it to 00:00 server-local of its day, which
	// the default (false) does. Seeded users (AddUser) keep their times either way.
	KeepExpiryTime bool
	// ExpiryEndOfDay makes Permitted let a user in through the whole expiry day, as if the
	// expiry were stored 23:59 (one client says Net2's own editor stores that, research
	// §5.2). Evidence for the default (false, a live report, §12): users expire at the START
	// of the expiry day, i.e. are refused from 00:00 server-local of that day on.
	ExpiryEndOfDay bool
	// PermissionIDs is the id space of individualPermissions[].id: "" or "area" (default)
	// means reader-area ids as listed by GET /accesslevels/areas; "door" means door ids (ACU
	// serials, GET /doors). Any other value means "area". Evidence for the default is strong
	// but not settled (research §12: OEM IndividualReaderAreas rows, access-level detail
	// rows, greboid/net2 reading areas; only a never-run PSNet2Api script names it DoorId);
	// "door" is the alternative still possible.
	PermissionIDs string
	// CreateUserStatus is the status of a successful POST /users; 0 means 201 (200 also seen).
	CreateUserStatus int
	// PermissionSetPutStatus is the status of a successful PUT .../doorpermissionset; 0 means
	// 204 (200 also seen).
	PermissionSetPutStatus int
	// ReorderPermissions makes GET .../doorpermissionset, the doorAccessPermissionSet of GET
	// /users/{id} and the 200 reply of a permission-set PUT return accessLevels and
	// individualPermissions in reverse order. Guess: the real read-back order is unknown; by
	// default the set reads back as stored, in the order written.
	ReorderPermissions bool
	// NoAccessAsEmpty makes a stored accessLevels of exactly [0] ("No access") read back as
	// []. Guess: unknown; by default it reads back as [0].
	NoAccessAsEmpty bool
	// DoorsAsAreas, with PermissionIDs "door", makes each individual door id read back as one
	// entry per reader-area id of that door, with the same timezone (a server that takes
	// doors but stores areas). Guess: unknown; off by default. No effect in area mode.
	DoorsAsAreas bool
	// UniquePINs refuses a PIN another user holds with 400 "PIN already in use". Guess: real
	// behaviour unknown; off by default.
	UniquePINs bool
	// DuplicatePINMessage replaces the text of UniquePINs' 400 Message. Guess: the real
	// wording is unknown; "" keeps "PIN already in use".
	DuplicatePINMessage string
	// DuplicateTokenMessage replaces the text of the 400 Message for a token value someone
	// already holds. The 400 itself is evidence (S5, research §5.8); the wording only
	// partly: "" keeps "Card <n> has already been issued".
	DuplicateTokenMessage string
	// AllowDuplicateTokens accepts a token value another token holds (a server that does not
	// enforce uniqueness). Guess: unknown; evidence (S5) says real servers refuse, which the
	// default (false) does.
	AllowDuplicateTokens bool
	// NormaliseNames stores firstName, middleName and lastName trimmed, with inner runs of
	// white space collapsed to one space. Guess: unknown; by default names are stored exactly
	// as sent.
	NormaliseNames bool
	// UsersPageSize makes GET /users return only the first N users by id, silently, like a
	// server that pages without saying so. Guess: no paging was seen (research §4); 0 means
	// all users.
	UsersPageSize int
	// MFAStatus is the HTTP status of the "mfa_required" reply to a password login of an
	// operator marked with RequireMFA; 0 means 200. Evidence (Tools4ever, untested by its
	// author, research §12): the error arrives in a successful reply.
	MFAStatus int
	// LiteEdition emulates Net2 Lite: at most one access level per user (evidence: S3).
	LiteEdition bool
	// NoIndividualPermissions refuses individual permissions. Guess: whether Lite accepts
	// them is unknown.
	NoIndividualPermissions bool
	// EmptyBodyForEmptyLists answers an empty list with an empty body instead of [], as real
	// Net2 does for events (evidence for events only, S5).
	EmptyBodyForEmptyLists bool
	// ListNoneDepartment lists department {0, "None"} in GET /departments and as the
	// department of a user without one. Guess: unknown on real servers; off by default (not
	// listed, and an empty list for the user).
	ListNoneDepartment bool
	// NotesMaxLength limits custom field 13 (memo); 0 means unlimited (reported as 0).
	NotesMaxLength int
	// OperatorsRequireAuth requires a token for GET /operators (evidence: real servers serve
	// it open).
	OperatorsRequireAuth bool
	// NoTokenTypesRoute removes GET /users/token/types (not on every server).
	NoTokenTypesRoute bool
	// MinimalUserFields makes user replies carry only the properties older servers return
	// (id, names, dates, isAntiPassbackUser, isAlarmUser, hasImage, customFields): no pin,
	// telephone, extension, fax or isLockdownExempt (evidence: two client models).
	MinimalUserFields bool
	// OmitPermissionSetInUser leaves doorAccessPermissionSet out of GET /users/{id}, as on
	// older servers. Evidence for the default (false: included): 6.7+ returns it on GET
	// /users/{id} (research §12). The list GET /users never carries it (evidence).
	OmitPermissionSetInUser bool

	// Latency delays every API request by this much, through Sleep.
	Latency time.Duration
	// Sleep performs the latency delay; nil means a real timer that ends early when the
	// request is cancelled. Tests inject one that advances a fake clock.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Sim is the emulator. Create it with New or NewDemo; it is an http.Handler.
type Sim struct {
	mu        sync.Mutex
	opts      Options
	st        store
	sessions  map[string]*session // access tokens
	refreshes map[string]*session // refresh tokens
	issued    []string            // every token ever issued, for leak tests
	tokenReqs []time.Time         // accepted token requests in the last second
	faults    map[string]*fault
	forbidden map[string]bool // lower-cased operator names
	mfa       map[string]bool // lower-cased operator names that must pass MFA
	log       []Request
	mux       *http.ServeMux
}

// session is an issued access or refresh token.
type session struct {
	operator string
	expires  time.Time
}

// apiPrefix is the root of the emulated API.
const apiPrefix = "/api/v1"

// New returns an emulator holding what a freshly installed Net2 server has: the operator
// "System engineer" (password opts.Password), access levels 0 "No access" (no areas) and 1
// "All hours, all doors" (every area, timezone 1), the timezones "All day, every day" (1), "At no time" (2) and "Working hours"
// (3), and the 14 default custom field names. It has no doors, departments or users: seed
// them, or use NewDemo. Timezone ids are a choice of the emulator (real ids unknown).
func New(opts Options) *Sim {
	if opts.ClientID == "" {
		opts.ClientID = DemoClientID
	}
	if opts.Password == "" {
		opts.Password = DemoPassword
	}
	s := &Sim{
		opts:      opts,
		st:        newStore(),
		sessions:  map[string]*session{},
		refreshes: map[string]*session{},
		faults:    map[string]*fault{},
		forbidden: map[string]bool{},
		mfa:       map[string]bool{},
		mux:       http.NewServeMux(),
	}
	s.st.operators = append(s.st.operators, Operator{UserID: 1, FirstName: "System", Surname: "engineer", Password: opts.Password})
	s.st.levels[0] = "No access"
	s.st.levels[1] = "All hours, all doors"
	s.st.levelAll[1] = true
	s.st.timezones[1] = "All day, every day"
	s.st.timezones[2] = "At no time"
	s.st.timezones[3] = "Working hours"
	s.routes()
	return s
}

// Configure changes knobs while the emulator runs: f gets the options to modify.
func (s *Sim) Configure(f func(*Options)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.opts)
}

// now reads the clock; callers hold s.mu or not, it does not matter.
func (s *Sim) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// doorIDs reports whether individual permission ids are door ids (PermissionIDs "door").
func (o *Options) doorIDs() bool {
	return strings.EqualFold(strings.TrimSpace(o.PermissionIDs), "door")
}

func (s *Sim) loc() *time.Location {
	if s.opts.Location != nil {
		return s.opts.Location
	}
	return time.Local
}

// reply is what a handler answers; ServeHTTP writes it.
type reply struct {
	status int
	body   any  // JSON-encoded unless nil
	empty  bool // send no body even if body is set
	header http.Header
}

// message builds Net2's usual error body.
func message(status int, text string) reply {
	return reply{status: status, body: map[string]string{"Message": text}}
}

// req is one request as handlers see it.
type req struct {
	r       *http.Request
	body    []byte
	session *session // nil on open routes
	grant   string   // grant type of a token request, for the log
}

type handler func(s *Sim, q *req) reply

// handle registers a route; pattern is "METHOD /path" below /api/v1.
func (s *Sim) handle(pattern string, h handler) {
	method, path, _ := strings.Cut(pattern, " ")
	s.mux.HandleFunc(method+" "+apiPrefix+path, func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, pattern, h)
	})
}

// ServeHTTP serves the Net2 API under /api/v1 and the inspection views under /_sim/. Paths
// match case-insensitively, as on IIS.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.serveInspect(w, r)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = strings.ToLower(r.URL.Path)
	r2.URL.RawPath = ""
	s.mux.ServeHTTP(w, r2)
}

func (s *Sim) notFound(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, "", func(_ *Sim, q *req) reply {
		return message(http.StatusNotFound, "No HTTP resource was found that matches the request URI '"+q.r.URL.Path+"'.")
	})
}

// serve runs one API request: latency, authentication, the handler, injected faults, the
// request log.
func (s *Sim) serve(w http.ResponseWriter, r *http.Request, route string, h handler) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))

	s.mu.Lock()
	latency, sleep := s.opts.Latency, s.opts.Sleep
	s.mu.Unlock()
	if latency > 0 {
		if sleep == nil {
			sleep = timerSleep
		}
		if err := sleep(r.Context(), latency); err != nil {
			return
		}
	}

	s.mu.Lock()
	q := &req{r: r, body: body}
	entry := Request{Time: s.now(), Method: r.Method, Path: r.URL.Path, Route: route}
	rep := s.dispatch(q, route, h, &entry)
	entry.Status = rep.status
	if route != tokenPattern && len(body) > 0 {
		entry.Body = string(body)
	}
	s.log = append(s.log, entry)
	s.mu.Unlock()

	writeReply(w, rep)
}

const tokenPattern = "POST /authorization/tokens"

// dispatch authenticates and runs the handler, then applies an injected fault. s.mu is held.
func (s *Sim) dispatch(q *req, route string, h handler, entry *Request) reply {
	open := route == tokenPattern || route == "" || (route == "GET /operators" && !s.opts.OperatorsRequireAuth)
	if !open {
		sess := s.authenticate(q.r)
		if sess == nil {
			return message(http.StatusUnauthorized, "Authorization has been denied for this request.")
		}
		q.session = sess
		entry.Operator = sess.operator
		if s.forbidden[strings.ToLower(sess.operator)] {
			return message(http.StatusForbidden, "The operator does not have permission to perform this action.")
		}
	}
	rep := h(s, q)
	entry.Grant = q.grant
	if f := s.faults[route]; f != nil && f.remaining > 0 {
		f.remaining--
		if f.remaining == 0 {
			delete(s.faults, route)
		}
		return message(f.status, "An error has occurred.")
	}
	return rep
}

// authenticate returns the session of a valid bearer token, or nil.
func (s *Sim) authenticate(r *http.Request) *session {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return nil
	}
	sess := s.sessions[strings.TrimSpace(tok)]
	if sess == nil || !s.now().Before(sess.expires) {
		return nil
	}
	return sess
}

func writeReply(w http.ResponseWriter, rep reply) {
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	if rep.body == nil || rep.empty || rep.status == http.StatusNoContent {
		w.WriteHeader(rep.status)
		return
	}
	b, err := json.Marshal(rep.body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(rep.status)
	_, _ = w.Write(b)
}

func timerSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// routes registers the emulated API.
func (s *Sim) routes() {
	s.handle(tokenPattern, (*Sim).postAuthToken)

	s.handle("GET /operators", (*Sim).getOperators)
	s.handle("GET /doors", listOf(func(st *store) map[int]string { return st.doors }))
	s.handle("GET /doors/{id}", oneOf(func(st *store) map[int]string { return st.doors }, "Door"))
	s.handle("GET /accesslevels", listOf(func(st *store) map[int]string { return st.levels }))
	s.handle("GET /accesslevels/{id}", oneOf(func(st *store) map[int]string { return st.levels }, "Access level"))
	s.handle("GET /accesslevels/areas", (*Sim).getAreas)
	s.handle("GET /accesslevels/{id}/detail", (*Sim).getLevelDetail)
	s.handle("GET /departments", (*Sim).getDepartments)
	s.handle("GET /departments/{id}", oneOf(func(st *store) map[int]string { return st.departments }, "Department"))
	s.handle("GET /timezones", listOf(func(st *store) map[int]string { return st.timezones }))
	s.handle("GET /timezones/{id}", oneOf(func(st *store) map[int]string { return st.timezones }, "Timezone"))
	s.handle("GET /users/customfieldnames", (*Sim).getFieldNames)
	s.handle("GET /users/token/types", (*Sim).getTokenTypes)

	s.handle("GET /users", (*Sim).getUsers)
	s.handle("POST /users", (*Sim).postUser)
	s.handle("GET /users/{id}", (*Sim).getUser)
	s.handle("PUT /users/{id}", (*Sim).putUser)
	s.handle("DELETE /users/{id}", (*Sim).deleteUser)
	s.handle("GET /users/{id}/departments", (*Sim).getUserDepartment)
	s.handle("PUT /users/{id}/departments", (*Sim).putUserDepartment)
	s.handle("GET /users/{id}/doorpermissionset", (*Sim).getPermissions)
	s.handle("PUT /users/{id}/doorpermissionset", (*Sim).putPermissions)

	s.handle("GET /users/{id}/tokens", (*Sim).getTokens)
	s.handle("POST /users/{id}/tokens", (*Sim).postUserToken)
	s.handle("GET /users/{id}/tokens/{tokenId}", (*Sim).getToken)
	s.handle("PUT /users/{id}/tokens/{tokenId}", (*Sim).putToken)
	s.handle("DELETE /users/{id}/tokens/{tokenId}", (*Sim).deleteToken)

	s.mux.HandleFunc("/", s.notFound)
}
