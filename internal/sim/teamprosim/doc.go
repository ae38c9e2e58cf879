// Package teamprosim is a local fake of the Polar Team Pro API v1, built
// from Polar's published documentation (not from polarbridge's client).
//
// It serves, on one handler (Polar splits them over auth.polar.com and
// teampro.api.polar.com):
//
//   - GET  /oauth/authorize  auto-approving; redirects with code (and state)
//   - POST /oauth/token      Basic client auth; authorization_code and
//     refresh_token grants; access tokens last 12 hours on the simulator's
//     clock and refresh tokens rotate (the old one stops working)
//   - GET  /v1/teams, /v1/teams/{team_id}
//   - GET  /v1/teams/{team_id}/training_sessions[?since&until]
//   - GET  /v1/teams/training_sessions/{id}
//   - GET  /v1/players/{player_id}/training_sessions[?since&until&type]
//   - GET  /v1/training_sessions/{id}[?samples=all|hr,speed,...]
//   - GET  /v1/training_sessions/{id}/session_summary
//
// Lists are paginated with page (from 0) and per_page (1..100, default
// 20) and answer a "page" object. Every /v1 request of an authenticated
// client takes a token from a bucket of 100 refilled at 1 per second; an
// empty bucket answers 429. An expired or unknown token answers 401.
//
// Documented quirks are reproduced: local times without a zone plus
// timezone_offset only in the player session listing; markers in UTC;
// sample rows that omit trailing nulls (so shorter than fields) and, now
// and then, carry an extra value; feelings with stray punctuation
// ("AWESOME,"); integer-documented speeds with decimals; RR intervals with
// nulls.
//
// Data is deterministic for a seed and clock: teams of 20 players with
// numbers and roles, 90-minute team sessions with markers and 10 Hz
// samples for every participant, and a few individual sessions. Tests
// steer it with AddSession, ModifySession, ExpireTokens and the clock, and
// read Stats.
package teamprosim
