// Package polarhttp is the HTTP plumbing the Polar API clients share
// (AccessLink and Team Pro): the error for an unexpected status, response
// bodies quoted with secrets redacted, which statuses are worth a retry,
// the OAuth2 configuration of Polar's authorization code flow, and
// Polar's ISO 8601 durations. What each API means by a status (its
// sentinels and their advice) stays with its client; how long to wait
// before a retry is package backoff's.
package polarhttp
