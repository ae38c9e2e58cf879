// Package accesslink talks to Polar AccessLink v3: the HTTP client with
// rate-limit pacing (client.go, ratelimit.go), and, split from the I/O and
// tested on fixtures, the parsing of its payloads and their normalization
// into pluginapi records.
//
// Types mirror the documented JSON (testdata/ holds the documentation's
// own examples); Normalize* functions turn exercises (with optional
// samples, heart-rate zones and the FIT file), sleep, nightly recharge,
// days of cardio load (cardioload.go), days of 24/7 heart rate
// (heartrate.go, placed in the user's zone), daily activity and physical
// information (activity.go, physical.go), and NormalizeListed SleepWise
// periods and Elixir biosensing entries (sleepwise.go, biosensing.go)
// into *pluginapi.Record values. Record versions and file references are
// filled in by the caller. Every value is range-checked on the way
// (package plausible): implausible ones are dropped and returned as
// warnings, records with an impossible id or time are errors.
package accesslink
