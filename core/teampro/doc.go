// Package teampro talks to the Polar Team Pro API v1: OAuth2 with a
// persisting, refreshing token source (oauth.go), an HTTP client that paces
// itself under the documented 1 request/s + burst-100 limit (client.go),
// the documented JSON types (types.go), a fast parser for the 10 Hz sample
// rows (samples.go) and the normalization of team and player sessions into
// plain Go structs with absolute times (normalize.go).
//
// Parsing and normalization do no I/O and are tested on fixtures
// (testdata/ holds the documentation's own examples); the client is tested
// against internal/sim/teamprosim.
package teampro
