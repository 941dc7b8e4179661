package config_test

import (
	"fmt"

	"github.com/net2booking/net2booking/config"
)

func ExampleParse() {
	file := []byte(`sources:
  - type: ical
    url: https://app.skedda.com/ical?i=${SKEDDA_TOKEN}
resources:
  "Room #1": [1484506, 6612642]
access:
  grace_before: 5x
  pin_length: 12
`)
	env := func(name string) (string, bool) { return "", false } // nothing set
	_, err := config.Parse(file, "net2booking.yaml", env)
	fmt.Println(err)
	// Output:
	// net2booking.yaml:3: sources[1].url: environment variable SKEDDA_TOKEN is not set
	// net2booking.yaml:7: access.grace_before: "5x" is not a duration (write e.g. 5m or 1h30m)
	// net2booking.yaml:8: access.pin_length: 12 is out of range: a PIN has 4 to 8 digits
}

func ExampleConfig_Secrets() {
	file := []byte(`sources:
  - type: ical
    url: https://app.skedda.com/ical?i=${SKEDDA_TOKEN}
resources:
  "Room #1": [1484506]
`)
	env := func(name string) (string, bool) { return "0123456789abcdef", name == "SKEDDA_TOKEN" }
	cfg, err := config.Parse(file, "net2booking.yaml", env)
	if err != nil {
		panic(err)
	}
	fmt.Println(cfg.Sources[0].Name)
	for _, s := range cfg.Secrets() {
		fmt.Println(s)
	}
	// Output:
	// ical
	// https://app.skedda.com/ical?i=0123456789abcdef
	// i=0123456789abcdef
	// 0123456789abcdef
}
