package net2sim

import (
	"net/http"
	"slices"
	"strconv"
)

// A user's tokens (research §5.8, §10.4).

// parseToken reads a token body: tokenType one of TokenTypes, tokenValue a non-empty string
// (a JSON number is accepted too).
func parseToken(body []byte) (Token, error) {
	o, err := decodeObject(body)
	if err != nil {
		return Token{}, invalid("%v", err)
	}
	typ, _, err := o.str("tokenType")
	if err != nil || canonicalTokenType(typ) == "" {
		return Token{}, invalid("The token type %s is not valid.", typ)
	}
	v, _, err := o.str("tokenValue")
	if err != nil || normaliseTokenValue(v) == "" {
		return Token{}, invalid("The token value is missing.")
	}
	lost, _, err := o.boolean("isLost")
	if err != nil {
		return Token{}, invalid("%v", err)
	}
	return Token{TokenType: canonicalTokenType(typ), TokenValue: normaliseTokenValue(v), IsLost: lost}, nil
}

// tokenOf finds the token named by {tokenId} on u.
func tokenOf(u *User, q *req) (int, *reply) {
	id, err := strconv.Atoi(q.r.PathValue("tokenId"))
	if err == nil {
		if i := slices.IndexFunc(u.Tokens, func(t Token) bool { return t.ID == id }); i >= 0 {
			return i, nil
		}
	}
	rep := message(http.StatusNotFound, "Token not found.")
	return -1, &rep
}

// alreadyIssued is the 400 for a token value someone holds: "Card <n> has already been
// issued" (S5) unless Options.DuplicateTokenMessage says otherwise.
func (s *Sim) alreadyIssued(value string) reply {
	if s.opts.DuplicateTokenMessage != "" {
		return message(http.StatusBadRequest, s.opts.DuplicateTokenMessage)
	}
	return message(http.StatusBadRequest, "Card "+value+" has already been issued")
}

func (s *Sim) getTokens(q *req) reply {
	u, nf := s.userOf(q)
	if nf != nil {
		return *nf
	}
	return listReply(s, slices.Clone(u.Tokens))
}

func (s *Sim) getToken(q *req) reply {
	u, nf := s.userOf(q)
	if nf != nil {
		return *nf
	}
	i, nf := tokenOf(u, q)
	if nf != nil {
		return *nf
	}
	return reply{status: http.StatusOK, body: u.Tokens[i]}
}

func (s *Sim) postUserToken(q *req) reply {
	u, nf := s.userOf(q)
	if nf != nil {
		return *nf
	}
	t, err := parseToken(q.body)
	if err != nil {
		return badRequest(err)
	}
	if s.st.tokenHolder(t.TokenValue, 0, &s.opts) != nil {
		return s.alreadyIssued(t.TokenValue)
	}
	t.ID = s.st.nextTokenID
	s.st.nextTokenID++
	u.Tokens = append(u.Tokens, t)
	return reply{status: http.StatusCreated, body: t}
}

func (s *Sim) putToken(q *req) reply {
	u, nf := s.userOf(q)
	if nf != nil {
		return *nf
	}
	i, nf := tokenOf(u, q)
	if nf != nil {
		return *nf
	}
	t, err := parseToken(q.body)
	if err != nil {
		return badRequest(err)
	}
	t.ID = u.Tokens[i].ID
	if s.st.tokenHolder(t.TokenValue, t.ID, &s.opts) != nil {
		return s.alreadyIssued(t.TokenValue)
	}
	u.Tokens[i] = t
	return reply{status: http.StatusNoContent}
}

func (s *Sim) deleteToken(q *req) reply {
	u, nf := s.userOf(q)
	if nf != nil {
		return *nf
	}
	i, nf := tokenOf(u, q)
	if nf != nil {
		return *nf
	}
	u.Tokens = slices.Delete(u.Tokens, i, i+1)
	return reply{status: http.StatusNoContent}
}
