// Package config reads net2booking's one human-edited configuration file into typed,
// validated values. It sits at the very start of the flow: every other package (sources,
// planner, Net2 client, notifier, service) is configured from the [Config] it returns. It does
// no network I/O and checks no files other than the configuration itself: Net2 names are
// resolved against the server later, and template files are opened by `net2booking check`.
//
// # File format
//
// The file is YAML (one document). The shared config.example.yaml is the contract: every key
// it shows is accepted exactly as spelled. Top-level sections are net2, site, sources,
// resources, access, safety, email, logging, status and service (an added section: how
// `net2booking service install` waits for Net2 on Windows); only sources and resources are
// required. The one key added to the example is sources[].name, an optional label for a
// source in logs and on the status page (unique; generated when absent). In short:
//
//   - Unknown keys are errors, reported at their line (with a suggestion when a known key is
//     close). Duplicate keys are errors. Keys are case-sensitive.
//   - A key with no value (`key:`, `key: ~`) counts as absent: its default applies. So does
//     a section with no keys: `net2:` alone means no Net2 connection, `email:` alone no mail.
//   - Durations are Go durations: 90s, 5m, 1h30m. A number without a unit is an error.
//   - Booleans are true or false (also True/TRUE/False/FALSE); yes/no/on/off are errors.
//   - Enumerations (identifier, dialect, security, level, qr_token_type, ...) are matched
//     case-insensitively and stored in their canonical spelling.
//   - A Net2 object (department, user field, access level, timezone) is given by name or by
//     id: a whole number (written as a YAML number or a string of only digits) is an id,
//     anything else is a name.
//   - Relative paths (a local iCal feed, the templates, the log folder) are relative to the
//     directory of the configuration file, not to the working directory, and are stored
//     absolute.
//   - Anchors and aliases (&name, *name) may be used; merge keys (<<) may not.
//
// # Environment variables
//
// Any string value (never a key) may contain ${NAME} references, which are replaced by the
// value of the environment variable NAME before the value is interpreted, so
// `port: ${SMTP_PORT}` and `url: https://host/ical?i=${FEED_TOKEN}` both work. NAME is made of
// ASCII letters, digits and underscores and does not start with a digit. A variable that is not
// set is an error naming the variable, the key and the line; a variable set to the empty string
// expands to the empty string. A `$` not followed by `{` is kept as written. `${` always starts
// a reference (there is no escape), so a value that must contain a literal `${` has to come
// from a variable: expanded values are not expanded again.
//
// # Errors
//
// [Parse] and [Load] report every problem of a file in one pass, as an [ErrorList] sorted by
// line; each [Error] reads `FILE:LINE: key.path: reason`, for example
//
//	net2booking.yaml:23: access.grace_before: "5x" is not a duration (write e.g. 5m or 1h30m)
//
// Positions in lists count from 1 (sources[2].url is the second source), like the generated
// source names. A problem about a section or key that is missing altogether has the line of
// the enclosing section, or no line at all at the top level.
//
// Error messages never contain a secret: values of the keys net2.password, net2.client_id,
// sources[].url, sources[].client_id, sources[].client_secret and email.smtp.password are
// never quoted (the key is named instead), and as a second line of defence every secret value
// of 4 characters or more read from the file is replaced by *** in all messages.
// [Config.Secrets] lists the secrets of a valid configuration so that logs can be redacted the
// same way.
//
// # Why a yaml.Node walk
//
// The file is decoded with go.yaml.in/yaml/v3 (the YAML organisation's maintained
// continuation of gopkg.in/yaml.v3, with the same API) into a [yaml.Node] tree, which this
// package walks itself instead of unmarshalling into structs with KnownFields. Only the tree
// keeps the line of every key and value, so that each problem (an unknown key, a duplicate
// key, a bad value, a ${VAR} that is not set) is reported at its own line; struct decoding
// stops at the first type error, cannot expand ${ENV} before a number or duration is parsed,
// and cannot tell an absent key from a zero value. Walking the tree also lets one pass collect
// all problems.
package config
