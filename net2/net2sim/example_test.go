package net2sim_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

// An integrator's test: run the demo site over HTTP, point the net2 client (or any other Net2
// client) at it, then check what reached "Net2".
func ExampleNewDemo() {
	sim := net2sim.NewDemo(net2sim.Options{})
	srv := httptest.NewServer(sim)
	defer srv.Close()

	client, err := net2.New(net2.Config{
		BaseURL:  srv.URL + "/api/v1",
		Operator: net2sim.DemoOperator,
		Password: net2sim.DemoPassword,
		ClientID: net2sim.DemoClientID,
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	u, err := client.CreateUser(ctx, net2.User{FirstName: "Grace", LastName: "Guest", PIN: "2580"})
	if err != nil {
		panic(err)
	}
	err = client.SetDoorPermissionSet(ctx, u.ID, net2.DoorPermissionSet{
		IndividualPermissions: []net2.IndividualPermission{{ID: net2sim.DemoAreaMeetingRoomA, TimezoneID: 1}},
	})
	if err != nil {
		panic(err)
	}

	stored, _ := sim.User(u.ID)
	fmt.Println(stored.FirstName, stored.PIN, stored.Permissions.IndividualPermissions)
	fmt.Println("writes:", sim.Writes(), "logins:", sim.Counts()["POST /authorization/tokens"])
	// Output:
	// Grace 2580 [{5 1}]
	// writes: 2 logins: 1
}

// Failure injection: the next token POST is stored, then answered with 500, as a Net2 server
// that fails after its write. A client that retries must not issue the card twice.
func ExampleSim_FailAfter() {
	sim := net2sim.NewDemo(net2sim.Options{})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	client, _ := net2.New(net2.Config{
		BaseURL: srv.URL, Operator: net2sim.DemoOperator, Password: net2sim.DemoPassword, ClientID: net2sim.DemoClientID,
	})
	ctx := context.Background()

	sim.FailAfter("POST /users/{id}/tokens", 500, 1)
	_, err := client.AddToken(ctx, 4, net2.Token{TokenValue: "90000001"})
	fmt.Println("first try failed:", net2.IsServerError(err))
	tok, err := client.AddToken(ctx, 4, net2.Token{TokenValue: "90000001"})
	fmt.Println("retry:", tok.TokenValue, err)
	dan, _ := sim.User(4)
	fmt.Println("tokens on the user:", len(dan.Tokens))
	// Output:
	// first try failed: true
	// retry: 90000001 <nil>
	// tokens on the user: 1
}
