package records

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// A body another encoder wrote hashes as the record Go decodes from it:
// a bytes field given twice keeps its last value, and a scale without
// value deltas is a field like any other.
func TestVersionOfHandMadeSeries(t *testing.T) {
	deltas := func(b ...byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, seriesDeltasField, protowire.BytesType), b)
	}
	decimals := func(k uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(nil, seriesDecimalsField, protowire.VarintType), k)
	}
	order := func(k uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(nil, seriesOrderField, protowire.VarintType), k)
	}
	values := func(vs ...float64) []byte {
		var packed []byte
		for _, v := range vs {
			packed = protowire.AppendFixed64(packed, math.Float64bits(v))
		}
		return protowire.AppendBytes(protowire.AppendTag(nil, seriesValuesField, protowire.BytesType), packed)
	}
	join := func(parts ...[]byte) (b []byte) {
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	for name, series := range map[string][]byte{
		"deltas twice":              join(deltas(0x02), deltas(0x04, 0x02), decimals(1)),
		"scale without deltas":      join(values(math.Pi, 1), decimals(2)),
		"scale alone":               decimals(2),
		"scale before deltas":       join(decimals(3), deltas(0x02, 0x02)),
		"scale twice, last counted": join(decimals(3), deltas(0x02, 0x02), decimals(1)),
		"differences twice":         join(deltas(0x04, 0x00, 0x00), decimals(1), order(2)),
		"order without deltas":      join(values(1, 2), order(2)),
	} {
		t.Run(name, func(t *testing.T) {
			body := sleepWithHeartRate(t, series)
			got, err := versionOf(body)
			require.NoError(t, err)

			r := &pluginapi.Record{}
			require.NoError(t, proto.Unmarshal(body, r))
			require.NoError(t, pluginapi.UnpackValues(r))
			b, err := proto.MarshalOptions{Deterministic: true}.Marshal(r)
			require.NoError(t, err)
			sum := sha256.Sum256(b)
			require.Equal(t, hex.EncodeToString(sum[:8]), got)
		})
	}
}

// sleepWithHeartRate is a record body holding a sleep whose heart rate
// series is encoded as series.
func sleepWithHeartRate(t *testing.T, series []byte) []byte {
	t.Helper()
	sleepField := recordDescriptor.Fields().ByName("sleep")
	require.NotNil(t, sleepField)
	hrField := sleepField.Message().Fields().ByName("heart_rate")
	require.NotNil(t, hrField)
	sleep := protowire.AppendBytes(protowire.AppendTag(nil, hrField.Number(), protowire.BytesType), series)
	return protowire.AppendBytes(protowire.AppendTag(nil, sleepField.Number(), protowire.BytesType), sleep)
}
