package net2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Tokens: a user's cards, fobs and QR numbers.

type wireToken struct {
	ID         flexInt    `json:"id"`
	TokenType  flexString `json:"tokenType"`
	TokenValue flexString `json:"tokenValue"`
	IsLost     flexBool   `json:"isLost"`
}

func (w wireToken) token() Token {
	return Token{ID: int(w.ID), TokenType: string(w.TokenType), TokenValue: string(w.TokenValue), IsLost: bool(w.IsLost)}
}

// Tokens lists a user's tokens (GET /users/{id}/tokens); an empty body is an empty list.
func (c *Client) Tokens(ctx context.Context, userID int) ([]Token, error) {
	var wire []wireToken
	if err := c.get(ctx, "/users/{id}/tokens", userPath(userID)+"/tokens", &wire); err != nil {
		return nil, err
	}
	out := make([]Token, 0, len(wire))
	for _, w := range wire {
		out = append(out, w.token())
	}
	return out, nil
}

// AddToken issues a token to a user (POST /users/{id}/tokens) and returns it with its id.
// TokenValue is sent as a JSON string; an empty TokenType means "ProxCard".
//
// Net2 answers 400 "Card … has already been issued" when the value is held by anyone. That
// is also what a retry gets after an earlier POST was stored but answered with a failure, so
// on a 400 AddToken lists the user's tokens: if the value is there, the earlier write
// succeeded and that token is returned without error. If another user holds the value the
// 400 is returned, and IsConflict reports true.
func (c *Client) AddToken(ctx context.Context, userID int, t Token) (Token, error) {
	const route = "/users/{id}/tokens"
	t.TokenValue = strings.TrimSpace(t.TokenValue)
	if t.TokenValue == "" {
		return Token{}, fmt.Errorf("net2: POST %s: the token value is empty", route)
	}
	if t.TokenType == "" {
		t.TokenType = "ProxCard"
	}
	body, err := c.do(ctx, call{
		method: http.MethodPost, route: route, path: userPath(userID) + "/tokens",
		body: map[string]any{"tokenType": t.TokenType, "tokenValue": t.TokenValue, "isLost": t.IsLost},
	})
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest {
		held, lerr := c.findToken(ctx, userID, t.TokenValue)
		if lerr != nil {
			return Token{}, errors.Join(err, fmt.Errorf("checking whether the user already holds the token: %w", lerr))
		}
		if held != nil {
			c.log.Info("net2: the user already holds the token (an earlier write was stored)", "user", userID, "token_id", held.ID)
			return *held, nil
		}
		return Token{}, err
	}
	if err != nil {
		return Token{}, err
	}
	var w wireToken
	if !isEmptyBody(body) {
		if err := json.Unmarshal(body, &w); err != nil {
			return Token{}, fmt.Errorf("net2: POST %s: unreadable reply from Net2: %w", route, err)
		}
	}
	if w.ID != 0 {
		return w.token(), nil
	}
	// An empty or id-less reply: read the token back to learn its id.
	held, err := c.findToken(ctx, userID, t.TokenValue)
	if err != nil {
		return Token{}, fmt.Errorf("net2: POST %s: reading the new token back: %w", route, err)
	}
	if held == nil {
		return Token{}, fmt.Errorf("net2: POST %s: Net2 accepted the token but does not list it on user %d", route, userID)
	}
	return *held, nil
}

// findToken returns the user's token with value v, or nil.
func (c *Client) findToken(ctx context.Context, userID int, v string) (*Token, error) {
	list, err := c.Tokens(ctx, userID)
	if err != nil {
		return nil, err
	}
	for _, t := range list {
		if SameTokenValue(t.TokenValue, v) {
			return &t, nil
		}
	}
	return nil, nil
}

// SameTokenValue reports whether two token values name the same token in Net2: numbers are
// integers to Net2 (leading zeros do not count), anything else is compared ignoring case and
// surrounding space.
func SameTokenValue(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if isDigits(a) && isDigits(b) {
		return strings.TrimLeft(a, "0") == strings.TrimLeft(b, "0")
	}
	return strings.EqualFold(a, b)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// DeleteToken removes a token from a user (DELETE /users/{id}/tokens/{tokenId}); its value
// can then be issued again.
func (c *Client) DeleteToken(ctx context.Context, userID, tokenID int) error {
	_, err := c.do(ctx, call{
		method: http.MethodDelete, route: "/users/{id}/tokens/{tokenId}",
		path: userPath(userID) + "/tokens/" + strconv.Itoa(tokenID),
	})
	return err
}
