// Package accesslinksim is a local fake of the Polar AccessLink v3 API, built
// from Polar's published documentation independently of polarbridge's own
// client so that the client's misreadings are not mirrored here.
//
// Tests use it as an http.Handler (for example behind httptest.NewServer);
// users run it through `polarbridge simulator` (see Simulator.Run) to try the
// bridge without a Polar account.
//
// # Quick start
//
//	sim, err := accesslinksim.New(accesslinksim.WithSeed(42), accesslinksim.WithUsers(3))
//	srv := httptest.NewServer(sim)
//	conf := &oauth2.Config{
//		ClientID:     sim.ClientID(),
//		ClientSecret: sim.ClientSecret(),
//		RedirectURL:  "http://localhost/cb",
//		Endpoint: oauth2.Endpoint{
//			AuthURL:   srv.URL + "/oauth2/authorization",
//			TokenURL:  srv.URL + "/oauth2/token",
//			AuthStyle: oauth2.AuthStyleInHeader,
//		},
//	}
//
// Opening conf.AuthCodeURL(state) redirects straight back with a code (the
// simulated user auto-approves); the token response carries x_user_id.
//
// # What is served
//
// One handler serves everything; the real service splits it over
// flow.polar.com, polarremote.com and www.polaraccesslink.com.
//
//   - GET  /oauth2/authorization  auto-approving authorization endpoint
//   - POST /oauth2/token (also /v2/oauth2/token)  Basic client auth
//   - POST /v3/users, GET and DELETE /v3/users/{user-id}  Bearer
//   - GET  /v3/notifications  Basic
//   - /v3/webhooks: create (PINGs the URL first), get, PATCH, DELETE,
//     activate, deactivate  Basic
//   - GET  /v3/exercises[?samples=true&zones=true], /v3/exercises/{id},
//     /{id}/fit, /{id}/tcx (gzipped), /{id}/gpx  Bearer
//   - /v3/users/{user-id}/exercise-transactions (create, list, commit,
//     exercise, fit, gpx, tcx, heart-rate-zones, samples)  Bearer
//   - /v3/users/{user-id}/activity-transactions (create, list, commit,
//     activities/{id}, /step-samples, /zone-samples) and
//     /v3/users/{user-id}/physical-information-transactions (create,
//     list, commit, physical-informations/{id})  Bearer: data added with
//     SyncActivity and AddPhysicalInformation, listed in the pull
//     notifications until committed; FailCommits makes commits fail (see
//     activity.go)
//   - GET  /v3/users/sleep, /v3/users/sleep/{date}, /v3/users/sleep/available
//   - GET  /v3/users/nightly-recharge, /v3/users/nightly-recharge/{date}
//   - GET  /v3/users/cardio-load/, /{date}, /date?from=&to=,
//     /period/days/{days}, /period/months/{months}: derived from the
//     exercises' training load (see cardioload.go)
//   - GET  /v3/users/continuous-heart-rate/{date} (404 "no data found for
//     date") and ?from=&to= (at most 28 days, the days with samples as a
//     list of the documented day object): 24/7 heart rate in the user's
//     local clock times, off the wrist and during training a gap (see
//     heartrate.go)
//
// Every /v3 response carries RateLimit-Usage, RateLimit-Limit and
// RateLimit-Reset ("short, long"); past either limit the answer is 429.
//
// # Fidelity
//
// Documented quirks are reproduced on purpose: underscore keys on
// /v3/exercises but "running-index" and hyphenated zone, sample and
// training-load-pro keys inside them; cardio load answered as a list even
// for one date, every day of a range listed (LOAD_STATUS_NOT_AVAILABLE
// where nothing can be calculated), "very_low" beside "very-high"; hyphenated keys on users,
// notifications and transaction resources; ISO 8601 durations (PT2H44M45S);
// start_time in device local time without offset plus
// start_time_utc_offset; samples as comma-separated strings where RR data
// may hold NULL and has a null recording-rate; hypnogram and sample maps
// keyed "HH:MM" in chronological order across midnight; 204 for a FIT
// requested for a manual exercise; 204 from GET /v3/users/{id} for an
// unknown user; 401 for revoked tokens; 403 while consents are missing; one
// webhook per client, its secret shown only at creation, pushes signed with
// hex HMAC-SHA256 of the raw body in Polar-Webhook-Signature.
//
// Generated data is deterministic for a seed and clock: users, exercises
// across many sports with 1 Hz FIT files encoded by github.com/tormoder/fit
// (about 90 KB per hour; heart rate, speed, distance, altitude, cadence,
// power, position where applicable, RR as HRV messages), JSON samples and
// heart-rate zones derived from the same streams, nights starting before or
// after midnight with hypnograms, and Nightly Recharge with HRV and
// breathing samples. Users live in real IANA zones (Zones: both
// hemispheres' DST rules, a half-hour offset, UTC-10), so their days,
// nights and offsets follow DST; on a fall-back night the repeated hour's
// "HH:MM" keys are written twice, as Polar's map would hold them.
// SleepWise alertness and circadian bedtime and Elixir biosensing (skin
// temperature, skin contacts, wrist ECG and SpO2 tests) are derived from
// the nights (see sleepwise.go): times in UTC without a zone as
// documented, 204 for an empty answer, 400 for a range over 28 days, and
// AddSleep pushes SLEEP_WISE_ALERTNESS and SLEEP_WISE_CIRCADIAN_BEDTIME
// (from, to and the url as the docs' payloads have them).
//
// # Test control
//
// SyncContinuousHeartRate makes the 24/7 heart rate recorded up to now
// visible and pushes CONTINUOUS_HEART_RATE per day that grew.
// AddExercise and AddSleep create data "now" (an exercise that just ended;
// the night that ended on the user's last local morning, whatever the hour)
// and push the webhook; Twice and
// Drop change delivery; EditExercise changes content; Revoke,
// SetConsentsMissing and ApproveNext steer authorization; Stats, Deliveries
// and Webhook expose what happened. Webhook deliveries are synchronous: when
// AddExercise returns, the receiver has answered.
package accesslinksim
