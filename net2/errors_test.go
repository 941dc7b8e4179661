package net2_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/net2booking/net2booking/net2"
)

func TestAPIErrorMatchesSentinels(t *testing.T) {
	data := func(status int, msg string) error {
		return fmt.Errorf("wrapped: %w", &net2.APIError{Status: status, Method: "POST", Route: "/users/{id}/tokens", Message: msg})
	}
	login := func(status int, code string) error {
		return &net2.APIError{Status: status, Method: "POST", Route: "/authorization/tokens", Code: code}
	}
	cases := []struct {
		err  error
		is   []error
		isnt []error
	}{
		{data(404, ""), []error{net2.ErrNotFound}, []error{net2.ErrConflict, net2.ErrBadRequest, net2.ErrServer}},
		{data(400, "Card 5 has already been issued"), []error{net2.ErrConflict}, []error{net2.ErrBadRequest, net2.ErrCredentials}},
		{data(400, "PIN already in use"), []error{net2.ErrConflict}, nil},
		{data(400, "The request is invalid."), []error{net2.ErrBadRequest}, []error{net2.ErrConflict}},
		{data(409, ""), []error{net2.ErrConflict}, nil},
		{data(401, ""), []error{net2.ErrUnauthorized}, []error{net2.ErrCredentials}},
		{data(403, ""), []error{net2.ErrForbidden}, nil},
		{data(429, ""), []error{net2.ErrRateLimited}, nil},
		{data(503, ""), []error{net2.ErrServer}, nil},
		{login(400, "invalid_grant"), []error{net2.ErrCredentials}, []error{net2.ErrBadRequest, net2.ErrNotFound, net2.ErrConflict}},
		{login(401, ""), []error{net2.ErrCredentials}, []error{net2.ErrUnauthorized}},
		{login(429, ""), []error{net2.ErrRateLimited}, []error{net2.ErrCredentials}},
	}
	for _, c := range cases {
		for _, target := range c.is {
			assert.True(t, errors.Is(c.err, target), "%v should be %v", c.err, target)
		}
		for _, target := range c.isnt {
			assert.False(t, errors.Is(c.err, target), "%v should not be %v", c.err, target)
		}
	}
	assert.True(t, net2.IsConflict(data(400, "Card 5 has already been issued")))
	assert.False(t, net2.IsNotFound(errors.New("other")))
}

func TestAPIErrorText(t *testing.T) {
	e := &net2.APIError{Status: 400, Method: "POST", Route: "/authorization/tokens", Code: "invalid_client"}
	assert.Equal(t, "net2: POST /authorization/tokens: 400 Bad Request (invalid_client) — Net2 does not know this client id: use the ClientID attribute of the API licence file (its file name), check that the file is in Net2's ApiLicences folder and restart the Net2 service", e.Error())
	e = &net2.APIError{Status: 500, Method: "PUT", Route: "/users/{id}/doorpermissionset", Message: "An error has occurred."}
	assert.Equal(t, "PUT /users/{id}/doorpermissionset", e.Endpoint())
	assert.Equal(t, "net2: PUT /users/{id}/doorpermissionset: 500 Internal Server Error: An error has occurred. — Net2 failed: the change may or may not have been stored; read it back before repeating it", e.Error())
}
