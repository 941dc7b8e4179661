package net2sim

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The token endpoint (research §3, §10.1) and the operator list.

func oauthError(code, description string) reply {
	body := map[string]string{"error": code}
	if description != "" {
		body["error_description"] = description
	}
	return reply{status: http.StatusBadRequest, body: body}
}

// postAuthToken serves POST /authorization/tokens.
func (s *Sim) postAuthToken(q *req) reply {
	now := s.now()
	if limit := s.opts.TokenRateLimit; limit > 0 {
		kept := s.tokenReqs[:0]
		for _, t := range s.tokenReqs {
			if now.Sub(t) < time.Second {
				kept = append(kept, t)
			}
		}
		s.tokenReqs = kept
		if len(kept) >= limit {
			rep := message(http.StatusTooManyRequests, "Too many requests. Please try again later.")
			if s.opts.RetryAfterSeconds > 0 {
				rep.header = http.Header{"Retry-After": {strconv.Itoa(s.opts.RetryAfterSeconds)}}
			}
			return rep
		}
		s.tokenReqs = append(s.tokenReqs, now)
	}

	form, ok := s.tokenForm(q)
	if !ok {
		return oauthError("unsupported_grant_type", "")
	}
	q.grant = form.Get("grant_type")
	if !strings.EqualFold(strings.TrimSpace(form.Get("client_id")), s.opts.ClientID) {
		return oauthError("invalid_client", "")
	}
	offline := strings.Contains(form.Get("scope"), "offline_access")
	switch q.grant {
	case "password":
		for _, op := range s.st.operators {
			if strings.EqualFold(op.DisplayName(), strings.TrimSpace(form.Get("username"))) && op.Password == form.Get("password") {
				if s.mfa[strings.ToLower(op.DisplayName())] {
					return s.mfaRequired()
				}
				return s.issue(op.DisplayName(), offline, now)
			}
		}
		return oauthError("invalid_grant", "The user name or password is incorrect.")
	case "refresh_token":
		rt := form.Get("refresh_token")
		sess := s.refreshes[rt]
		if sess == nil || !now.Before(sess.expires) {
			return oauthError("invalid_grant", "")
		}
		if offline {
			delete(s.refreshes, rt) // a new refresh token replaces this one
		}
		return s.issue(sess.operator, offline, now)
	}
	return oauthError("unsupported_grant_type", "")
}

// tokenForm reads the form fields from a form-encoded or (leniently) JSON body.
func (s *Sim) tokenForm(q *req) (url.Values, bool) {
	if strings.Contains(strings.ToLower(q.r.Header.Get("Content-Type")), "json") {
		if s.opts.FormOnlyTokenRequests {
			return nil, false
		}
		o, err := decodeObject(q.body)
		if err != nil {
			return nil, false
		}
		form := url.Values{}
		for k := range o {
			if v, _, err := o.str(k); err == nil {
				form.Set(k, v)
			}
		}
		return form, true
	}
	form, err := url.ParseQuery(string(q.body))
	return form, err == nil
}

// issue creates an access token (and a refresh token if offline) for operator.
func (s *Sim) issue(operator string, offline bool, now time.Time) reply {
	lifetime := s.opts.TokenLifetime
	if lifetime <= 0 {
		lifetime = 30 * time.Minute
	}
	access := randomToken()
	s.sessions[access] = &session{operator: operator, expires: now.Add(lifetime)}
	s.issued = append(s.issued, access)
	body := map[string]any{
		"access_token":    access,
		"token_type":      "bearer",
		"expires_in":      int(lifetime / time.Second),
		"expiry_datetime": now.Add(lifetime).UTC().Format("2006-01-02T15:04:05.0000000Z"),
	}
	if offline {
		rl := s.opts.RefreshLifetime
		if rl <= 0 {
			rl = 2 * time.Hour
		}
		refresh := randomToken()
		s.refreshes[refresh] = &session{operator: operator, expires: now.Add(rl)}
		s.issued = append(s.issued, refresh)
		body["refresh_token"] = refresh
	}
	return reply{status: http.StatusOK, body: body}
}

// mfaRequired is Net2 v7's answer to a password login of an operator with MFA: no
// access_token but error "mfa_required" and a challenge token, in a reply of status
// Options.MFAStatus (0 = 200: Tools4ever reads it from a successful reply).
func (s *Sim) mfaRequired() reply {
	status := s.opts.MFAStatus
	if status == 0 {
		status = http.StatusOK
	}
	return reply{status: status, body: map[string]string{
		"error":             "mfa_required",
		"error_description": "Multi-factor authentication is required for this operator.",
		"challengeToken":    randomToken(),
	}}
}

// RequireMFA makes operator (login name, e.g. "System engineer") an operator with Net2 v7
// multi-factor authentication: a password login with the right password gets the
// "mfa_required" reply (see Options.MFAStatus) instead of tokens. The MFA steps that follow
// (/authorization/mfa-request, /authorization/mfa-challenge) are not emulated; refresh
// tokens issued before keep working.
func (s *Sim) RequireMFA(operator string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mfa[strings.ToLower(strings.TrimSpace(operator))] = true
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// getOperators serves GET /operators.
func (s *Sim) getOperators(_ *req) reply {
	out := make([]map[string]any, 0, len(s.st.operators))
	for _, op := range s.st.operators {
		out = append(out, map[string]any{
			"userID": op.UserID, "firstName": op.FirstName, "surname": op.Surname, "displayName": op.DisplayName(),
		})
	}
	return listReply(s, out)
}

// listReply answers a list: [] when empty, or no body with EmptyBodyForEmptyLists.
func listReply[T any](s *Sim, v []T) reply {
	if v == nil {
		v = []T{}
	}
	return reply{status: http.StatusOK, body: v, empty: len(v) == 0 && s.opts.EmptyBodyForEmptyLists}
}
