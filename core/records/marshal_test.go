package records_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/internal/testbus"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// versionBefore is Version as it was before one marshal served both the
// hash and the body (#17): versions stored by earlier releases were made
// this way, and a different hash would re-export every record.
func versionBefore(r *pluginapi.Record) string {
	c := proto.Clone(r).(*pluginapi.Record)
	c.Version = ""
	for _, f := range c.GetExercise().GetFiles() {
		f.Data = nil
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(c)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// fixtures are records of each shape: with and without files (bytes in
// or not), an old version set, several kinds.
func fixtures() map[string]*pluginapi.Record {
	t0 := time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC)
	withFiles := testrecords.Exercise("475", "files", t0, time.Hour)
	withFiles.GetExercise().Files = []*pluginapi.File{
		{Format: pluginapi.FileFormat_FILE_FORMAT_FIT, Object: "files/ab", Sha256: "ab", Size: 3, Data: []byte("fit")},
		{Format: pluginapi.FileFormat_FILE_FORMAT_GPX, Object: "files/cd", Sha256: "cd", Size: 3},
	}
	stale := testrecords.Sleep("475", "2026-05-06")
	stale.Version = "0123456789abcdef"
	team, players := testrecords.TeamProSession("t1", "s1", t0, time.Hour, 3)
	return map[string]*pluginapi.Record{
		"exercise":       testrecords.Exercise("475", "1", t0, 10*time.Minute),
		"exercise files": withFiles,
		"sleep":          testrecords.Sleep("475", "2026-05-05"),
		"sleep stale":    stale,
		"recharge":       testrecords.NightlyRecharge("475", "2026-05-05"),
		"cardio load":    testrecords.CardioLoad("475", "2026-05-05"),
		"heart rate":     testrecords.ContinuousHeartRate("475", "2026-05-05"),
		"team session":   team,
		"player session": players[0],
	}
}

// Versions are those earlier releases computed: golden values taken with
// versionBefore, and versionBefore itself on every fixture.
func TestVersionUnchangedFromEarlierReleases(t *testing.T) {
	golden := map[string]string{ // from records.Version at 5353352
		"exercise":       "8665107784ac7881",
		"exercise files": "14da99cde4ee65cf",
		"sleep":          "403e80b1f02d8802",
		"recharge":       "90cb0e477ee07a5c",
		"team session":   "6e6ceba19ee57e29",
	}
	for name, r := range fixtures() {
		t.Run(name, func(t *testing.T) {
			before := proto.Clone(r)
			v, err := records.Version(r)
			require.NoError(t, err)
			assert.Equal(t, versionBefore(r), v)
			if g, ok := golden[name]; ok {
				assert.Equal(t, g, v, "as stored by earlier releases")
			}
			assert.True(t, proto.Equal(before, r), "Version leaves the record as it was")
		})
	}
}

// A record built with runs (as FIT files are decoded) has the version
// the same record with one offset per sample had in earlier releases,
// whatever the runs look like, and Version leaves either form as it is.
func TestVersionSameWhicheverForm(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC)
	odd := testrecords.Exercise("475", "odd", t0, time.Hour)
	odd.GetExercise().Samples = append(odd.GetExercise().Samples,
		&pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_TEMPERATURE, Values: []float64{1, 2, 3, 4, 5, 6, 7, 8},
			OffsetMs: []int64{-5000, -4000, -3000, -2000, 1 << 40, 1<<40 + 1, 1<<40 + 2, 1<<40 + 3}},
		&pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_POWER, Values: []float64{}, OffsetMs: []int64{}},
		&pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_LATITUDE, OffsetMs: []int64{0, 1000, 2000}, // FIT semicircles
			Values: []float64{716533412 * (180.0 / (1 << 31)), 716533499 * (180.0 / (1 << 31)), 716533301 * (180.0 / (1 << 31))}},
	)
	all := fixtures()
	all["odd offsets"] = odd
	runs, packed, units := 0, 0, 0
	for name, r := range all {
		t.Run(name, func(t *testing.T) {
			want := versionBefore(r)
			c := proto.Clone(r).(*pluginapi.Record)
			pluginapi.CompactSeries(c)
			pluginapi.EachSeries(c, func(s *pluginapi.Series) { runs += len(s.GetRuns()) })
			before := proto.Clone(c)
			v, err := records.Version(c)
			require.NoError(t, err)
			assert.Equal(t, want, v)
			assert.True(t, proto.Equal(before, c), "Version leaves the runs as they were")

			pluginapi.EachSeries(c, func(s *pluginapi.Series) {
				if s.PackValues() {
					packed++
					units += len(s.GetValueDeltas()) * int(math.Ceil(s.GetValueUnit()))
				}
			})
			before = proto.Clone(c)
			v, err = records.Version(c)
			require.NoError(t, err)
			assert.Equal(t, want, v, "values packed")
			assert.True(t, proto.Equal(before, c), "Version leaves the deltas as they were")

			// Packed values with their offsets one by one: Version compacts
			// the offsets and gives back both as they were.
			c = proto.Clone(r).(*pluginapi.Record)
			pluginapi.EachSeries(c, func(s *pluginapi.Series) { s.PackValues() })
			before = proto.Clone(c)
			v, err = records.Version(c)
			require.NoError(t, err)
			assert.Equal(t, want, v, "values packed, offsets not compacted")
			assert.True(t, proto.Equal(before, c), "Version leaves offsets and deltas as they were")
		})
	}
	assert.Greater(t, runs, 10, "the fixtures have series in runs")
	assert.Greater(t, packed, 10, "the fixtures have series whose values pack")
	assert.Positive(t, units, "and one in a unit (semicircles)")

	// Runs with no sample, and a series' start after its values, hash
	// as the same offsets do.
	r := testrecords.Sleep("475", "2026-05-05")
	r.GetSleep().HeartRate = &pluginapi.Series{Values: []float64{60, 61, 62, 63, 64},
		Runs: []*pluginapi.Run{{OffsetMs: 0, IntervalMs: 1000, Count: 2}, {Count: 0}, {OffsetMs: 9000, IntervalMs: -1000, Count: 3}}}
	expanded := proto.Clone(r).(*pluginapi.Record)
	expanded.GetSleep().HeartRate.OffsetMs = []int64{0, 1000, 9000, 8000, 7000}
	expanded.GetSleep().HeartRate.Runs = nil
	v, err := records.Version(r)
	require.NoError(t, err)
	assert.Equal(t, versionBefore(expanded), v)

	r.GetSleep().HeartRate.OffsetMs = []int64{1}
	_, err = records.Version(r)
	assert.ErrorIs(t, err, records.ErrBadRecord, "offsets and runs both")

	r = testrecords.Sleep("475", "2026-05-05")
	r.GetSleep().HeartRate.ValueDeltas = []byte{0x02, 0x80}
	r.GetSleep().HeartRate.Values = nil
	_, err = records.Version(r)
	assert.ErrorIs(t, err, records.ErrBadRecord, "deltas that do not decode")
	r.GetSleep().HeartRate.ValueDeltas = []byte{0x02}
	r.GetSleep().HeartRate.Values = []float64{1}
	_, err = records.Version(r)
	assert.ErrorIs(t, err, records.ErrBadRecord, "values and deltas both")
}

// The body published is the record with its version and without file
// bytes, whatever order its fields are encoded in; stored with its values
// packed, it decodes with them unpacked.
func TestPublishedBodyDecodesToTheRecord(t *testing.T) {
	ctx := context.Background()
	b := testbus.Open(t)
	pub := records.NewPublisher(b)
	rd := records.NewReader(b)
	s, err := b.JS.Stream(ctx, bus.RecordsStream)
	require.NoError(t, err)
	packed := 0
	last := func() *pluginapi.Record {
		info, err := s.Info(ctx)
		require.NoError(t, err)
		raw, err := s.GetMsg(ctx, info.State.LastSeq)
		require.NoError(t, err)
		body, err := rd.Body(ctx, raw.Header, raw.Data)
		require.NoError(t, err)
		stored := &pluginapi.Record{}
		require.NoError(t, proto.Unmarshal(body, stored))
		pluginapi.EachSeries(stored, func(s *pluginapi.Series) {
			if len(s.GetValueDeltas()) > 0 {
				packed++
			}
		})
		got, err := rd.Decode(ctx, raw.Header, raw.Data)
		require.NoError(t, err)
		assert.Equal(t, got.GetVersion(), raw.Header.Get(records.HeaderVersion))
		return got
	}
	for name, r := range fixtures() {
		t.Run(name, func(t *testing.T) {
			want := versionBefore(r)
			published, err := pub.Publish(ctx, r)
			require.NoError(t, err)
			require.True(t, published)
			assert.Equal(t, want, r.GetVersion())

			stripped := proto.Clone(r).(*pluginapi.Record)
			for _, f := range stripped.GetExercise().GetFiles() {
				f.Data = nil
			}
			pluginapi.CompactSeries(stripped) // stored with runs
			got := last()
			assert.True(t, proto.Equal(stripped, got), "published body decodes to the record")
			assert.Equal(t, want, got.GetVersion())

			require.NoError(t, pub.Redeliver(ctx, "csv", r))
			assert.True(t, proto.Equal(stripped, last()), "redelivered body too")
		})
	}
	assert.Greater(t, packed, 10, "bodies are stored with their values packed")
}

// A summary is the record without its body, read from the encoding.
func TestDecodeSummary(t *testing.T) {
	for name, r := range fixtures() {
		t.Run(name, func(t *testing.T) {
			r.Version = "0123456789abcdef"
			body, err := proto.Marshal(r)
			require.NoError(t, err)
			got, err := records.DecodeSummary(nil, body)
			require.NoError(t, err)
			want := &pluginapi.Record{Kind: r.GetKind(), Key: r.GetKey(), Version: r.GetVersion(), UserId: r.GetUserId(), Source: r.GetSource()}
			assert.True(t, proto.Equal(want, got), "got %v", got)
		})
	}
	_, err := records.DecodeSummary(nil, []byte("\x0a\xff not a record"))
	assert.ErrorIs(t, err, records.ErrBadRecord)
}
