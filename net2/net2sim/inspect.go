package net2sim

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"time"
)

// Inspection for tests (Go methods) and humans (GET /_sim/state, GET /_sim/requests). Not
// part of the Net2 API.

// Request is one logged API request.
type Request struct {
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	// Route is the method-less route template, e.g. "GET /users/{id}"; "" for an unknown
	// route.
	Route  string `json:"route"`
	Status int    `json:"status"`
	// Operator is the logged-in operator of an authenticated request.
	Operator string `json:"operator,omitempty"`
	// Grant is the grant_type of a token request.
	Grant string `json:"grant,omitempty"`
	// Body is the request body, except for token requests (they carry the password).
	Body string `json:"body,omitempty"`
}

// Requests returns a copy of the request log, oldest first.
func (s *Sim) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Counts returns how many requests each route got, keyed by route template with method,
// e.g. Counts()["GET /users"], Counts()["POST /authorization/tokens"].
func (s *Sim) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, r := range s.log {
		out[r.Route]++
	}
	return out
}

// Writes counts the logged requests that may change data: every method but GET, except
// token requests.
func (s *Sim) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if r.Method != http.MethodGet && r.Route != tokenPattern {
			n++
		}
	}
	return n
}

// ResetLog empties the request log.
func (s *Sim) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// IssuedTokens returns every access and refresh token the emulator has issued, so a test
// can check that none of them leaked into logs or errors.
func (s *Sim) IssuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.issued)
}

// Snapshot is a deep copy of the emulator's data.
type Snapshot struct {
	Users []User  `json:"users"`
	Doors []Named `json:"doors"`
	// Areas are the reader areas by id; Area.Door is set here but not serialised, so
	// DoorAreas also gives each door's area ids.
	Areas        []Area        `json:"areas"`
	DoorAreas    map[int][]int `json:"doorAreas"`
	AccessLevels []Named       `json:"accessLevels"`
	// AccessLevelDetail holds each access level's detail rows (none for a level without).
	AccessLevelDetail map[int][]LevelArea `json:"accessLevelDetail"`
	Departments       []Named             `json:"departments"`
	Timezones         []Named             `json:"timezones"`
	FieldNames        []FieldName         `json:"fieldNames"`
	Operators         []Operator          `json:"operators"` // passwords are not serialised
}

// State returns a deep copy of all data.
func (s *Sim) State() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := Snapshot{
		Doors:             sortedNamed(s.st.doors),
		Areas:             s.st.sortedAreas(),
		DoorAreas:         map[int][]int{},
		AccessLevelDetail: map[int][]LevelArea{},
		AccessLevels:      sortedNamed(s.st.levels),
		Departments:       sortedNamed(s.st.departments),
		Timezones:         sortedNamed(s.st.timezones),
		Operators:         slices.Clone(s.st.operators),
	}
	for door, areas := range s.st.doorAreas {
		snap.DoorAreas[door] = slices.Clone(areas)
	}
	for id := range s.st.levels {
		if d := s.st.detail(id); len(d) > 0 {
			snap.AccessLevelDetail[id] = d
		}
	}
	for _, u := range s.st.sortedUsers() {
		snap.Users = append(snap.Users, u.Clone())
	}
	for _, id := range slices.Sorted(maps.Keys(s.st.fields)) {
		snap.FieldNames = append(snap.FieldNames, s.st.fields[id])
	}
	return snap
}

// User returns a deep copy of user id and whether it exists.
func (s *Sim) User(id int) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.st.users[id]
	if !ok {
		return User{}, false
	}
	return u.Clone(), true
}

// serveInspect serves /_sim/state and /_sim/requests as indented JSON.
func (s *Sim) serveInspect(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "only GET", http.StatusMethodNotAllowed)
		return
	}
	var v any
	switch r.URL.Path {
	case "/_sim/state":
		v = s.State()
	case "/_sim/requests":
		v = s.Requests()
	default:
		http.NotFound(w, r)
		return
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(append(b, '\n'))
}
