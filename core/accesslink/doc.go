// Package accesslink parses Polar AccessLink v3 payloads and normalizes
// them into pluginapi records.
//
// It holds the HTTP client too (client.go, ratelimit.go); the parsing is split from the I/O and tested on fixtures. Types mirror the documented JSON
// (testdata/ holds the documentation's own examples); Normalize* functions
// turn exercises (with optional samples, heart-rate zones and the FIT
// file), sleep and nightly recharge into *pluginapi.Record values. Record
// versions and file references are filled in by the caller.
package accesslink
