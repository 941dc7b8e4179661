package net2

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
)

// Reference data: the site's operators, doors, access levels, departments, timezones, custom
// field names and token types. Lists come back as bare JSON arrays; an empty body is an empty
// list.

// Operators lists Net2's operators (GET /operators). Net2 serves this route without a token,
// so it works before a successful login and is a cheap connection test; a server that asks
// for a token gets one.
func (c *Client) Operators(ctx context.Context) ([]Operator, error) {
	const route = "/operators"
	body, err := c.do(ctx, call{method: http.MethodGet, route: route, path: route, noAuth: true})
	if err != nil {
		return nil, err
	}
	var wire []struct {
		UserID      flexInt    `json:"userID"`
		FirstName   flexString `json:"firstName"`
		Surname     flexString `json:"surname"`
		LastName    flexString `json:"lastName"`
		DisplayName flexString `json:"displayName"`
	}
	if err := c.decode(http.MethodGet, route, body, &wire); err != nil {
		return nil, err
	}
	out := make([]Operator, 0, len(wire))
	for _, w := range wire {
		out = append(out, Operator{
			UserID:      int(w.UserID),
			FirstName:   string(w.FirstName),
			Surname:     firstNonEmpty(string(w.Surname), string(w.LastName)),
			DisplayName: string(w.DisplayName),
		})
	}
	return out, nil
}

// Doors lists the doors (GET /doors). A door's id is its ACU address (serial number).
func (c *Client) Doors(ctx context.Context) ([]Named, error) {
	return c.namedList(ctx, "/doors")
}

// AccessLevels lists the named access levels (GET /accesslevels); 0 is "No access" and 1
// "All hours, all doors" on a default site (names may be localised).
func (c *Client) AccessLevels(ctx context.Context) ([]Named, error) {
	return c.namedList(ctx, "/accesslevels")
}

// Departments lists the departments (GET /departments). Department 0 means "no department";
// whether Net2 lists it as "None" varies, so callers must not rely on it being present.
func (c *Client) Departments(ctx context.Context) ([]Named, error) {
	return c.namedList(ctx, "/departments")
}

// Timezones lists the timezones (GET /timezones), the time schedules of access rights such
// as "All day, every day".
func (c *Client) Timezones(ctx context.Context) ([]Named, error) {
	return c.namedList(ctx, "/timezones")
}

func (c *Client) namedList(ctx context.Context, route string) ([]Named, error) {
	var out []Named
	if err := c.get(ctx, route, route, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// CustomFieldNames lists the definitions of the 14 custom user fields (GET
// /users/customfieldnames). A missing or null maxLength reads as 0, meaning unlimited.
func (c *Client) CustomFieldNames(ctx context.Context) ([]FieldName, error) {
	const route = "/users/customfieldnames"
	var wire []struct {
		ID        flexInt    `json:"id"`
		Name      flexString `json:"name"`
		MaxLength flexInt    `json:"maxLength"`
	}
	if err := c.get(ctx, route, route, &wire); err != nil {
		return nil, err
	}
	out := make([]FieldName, 0, len(wire))
	for _, w := range wire {
		out = append(out, FieldName{ID: int(w.ID), Name: string(w.Name), MaxLength: max(0, int(w.MaxLength))})
	}
	return out, nil
}

// TokenTypes lists the token type names (GET /users/token/types). The route is not on every
// server and its shape is not documented: when it is missing, empty or unreadable the known
// names (TokenTypeNames) are returned. Elements may be strings or objects with a name.
func (c *Client) TokenTypes(ctx context.Context) ([]string, error) {
	const route = "/users/token/types"
	body, err := c.do(ctx, call{method: http.MethodGet, route: route, path: route})
	var apiErr *APIError
	if errors.As(err, &apiErr) && (apiErr.Status == http.StatusNotFound || apiErr.Status == http.StatusMethodNotAllowed ||
		apiErr.Status == http.StatusNotImplemented || apiErr.Status == http.StatusBadRequest) {
		c.log.Debug("net2: no token types route; using the known names", "status", apiErr.Status)
		return slices.Clone(TokenTypeNames), nil
	}
	if err != nil {
		return nil, err
	}
	if names := parseTokenTypes(body); len(names) > 0 {
		return names, nil
	}
	return slices.Clone(TokenTypeNames), nil
}

func parseTokenTypes(body []byte) []string {
	var raw []json.RawMessage
	if isEmptyBody(body) || json.Unmarshal(body, &raw) != nil {
		return nil
	}
	var out []string
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil {
			if s != "" {
				out = append(out, s)
			}
			continue
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(r, &m) != nil {
			continue
		}
		for _, key := range []string{"name", "tokenType", "value", "description"} {
			if v, ok := lookup(m, key, "\x00"); ok {
				var fs flexString
				if json.Unmarshal(v, &fs) == nil && fs != "" {
					out = append(out, string(fs))
					break
				}
			}
		}
	}
	return out
}
