// Package faults is polarbridge's fault suite: the real daemon binary
// (cmd/polarbridge, `polarbridge run`), the real plugin binaries
// (plugins/csv, plugins/influxdb) with a real influxd, a real NATS
// JetStream (the daemon's embedded server, or a nats-server run in the
// test process for `nats.url`) and the AccessLink simulator served over
// HTTP by the test behind a fault injector. Each case breaks one thing
// (kill -9, restarts, outages, bad input), lets the bridge recover, and
// counts per destination the records expected, exported, duplicated and
// dead-lettered; it fails on anything lost or doubled. The suite ends
// with a table of all cases.
//
// The cases are subtests of TestFaults:
//
//	kill9-daemon          kill -9 of the daemon mid-stream, restarted
//	kill9-plugin          kill -9 of plugin processes mid-export
//	nats-restart          the external NATS server stopped and started
//	destination-down      CSV disk full and influxd stopped, then back;
//	                      then an outage longer than the retries (dead
//	                      letters, `polarbridge dlq replay`)
//	bad-webhooks          forged, unsigned, malformed, oversized pushes
//	bad-polar-answers     broken JSON, truncated FIT, 503 bursts, 429
//	                      with Retry-After, a hung user
//	recomputed-night      regression: SLEEP pushed again for a changed night
//	hung-user             regression: one hung user does not stall another
//	full-disk             regression: data_dir full, then freed
//	nats-late             regression: daemon started before NATS is up
//	plugin-orphan         regression: plugins exit when the daemon is killed -9
//	readyz                regression: /readyz says ready only once plugins
//	                      run and the webhook receiver listens
//
// By default (`go test ./...`, `make test`) only the fast cases run:
// bad-webhooks, bad-polar-answers without its long 503 burst and hang,
// recomputed-night, hung-user, plugin-orphan and readyz, in about half a
// minute. `make faults` sets FAULTS=all and runs every case in full, in
// 2 to 3 minutes (see docs/reliability.md).
//
// FAULTS_REPORT=file also writes the table there; FAULTS_LOGS=dir keeps
// every case's daemon log in dir; FAULTS_LOG_LEVEL sets the daemons' log
// level (default info). Filling disks needs root (tmpfs mounts); the
// cases that do are skipped otherwise. Without influxd the cases use the
// CSV exporter only.
//
// The simulator's clock starts at a fixed instant in the past and moves
// with real time (and jumps the test makes), so nothing depends on today's
// date; the daemon processes run on real time, which only needs to be
// after that instant.
package faults
