package net2sim

import (
	"strings"
)

// Failure injection (research §10.5). Latency is the Options.Latency knob.

// fault is a forced status for a route.
type fault struct {
	status    int
	remaining int
}

// FailAfter makes the next times requests of route (method and route template as in the
// request log, e.g. "POST /users/{id}/tokens") answer status with {"Message":"An error has
// occurred."}, after the request has been carried out: a write is stored, then reported as
// failed. This is the "uncertain write" a client must survive. times < 1 means once. A later
// call for the same route replaces the earlier one.
func (s *Sim) FailAfter(route string, status, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if times < 1 {
		times = 1
	}
	s.faults[route] = &fault{status: status, remaining: times}
}

// ClearFaults removes every pending FailAfter.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// ExpireAccessTokens makes every access token issued so far invalid (401 on the next call);
// refresh tokens stay valid.
func (s *Sim) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}

// ExpireAllTokens makes every access and refresh token issued so far invalid, as a restart
// of the Net2 service does: clients must log in with the password again.
func (s *Sim) ExpireAllTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
	clear(s.refreshes)
}

// Forbid makes every data call by operator (login name, e.g. "System engineer") answer 403,
// as for an operator without the needed rights. Logging in still works.
func (s *Sim) Forbid(operator string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forbidden[strings.ToLower(strings.TrimSpace(operator))] = true
}

// Allow undoes Forbid.
func (s *Sim) Allow(operator string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.forbidden, strings.ToLower(strings.TrimSpace(operator)))
}
