package csvexport

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

func shortest(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func TestAppendFloatMatchesStrconv(t *testing.T) {
	for _, v := range []float64{
		0, math.Copysign(0, -1), 1, -1, 0.5, -0.5, 0.1, 0.3, 0.1 + 0.2, 1e-6, -1e-6, 1e-7, 5e-7, 0.000123,
		3.2, 12.345, 2.999, 60.1699, 24.938412, 123456.789012, 1<<33 - 0.5, 1 << 33, 1<<33 + 0.5,
		-(1<<33 - 0.25), 8589934591.999999, 1<<53 - 1, 1 << 53, 1e21, 1e300, math.SmallestNonzeroFloat64,
		math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(),
		60.123456789, 180.0 / (1 << 31) * 715827883, // semicircles: more than six decimals
	} {
		if got, want := string(appendFloat(nil, v)), shortest(v); got != want {
			t.Errorf("appendFloat(%v) = %q, strconv %q", v, got, want)
		}
	}
}

// TestAppendFloatDecimals checks the fast path where it is taken: every
// number of up to six decimals, at every magnitude up to its limit, both
// signs, and its neighbours one float64 away (which it must leave to
// strconv or print the same).
func TestAppendFloatDecimals(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 6))
	for range 200_000 {
		k := rng.IntN(decimalDigits + 1)
		limit := int64(decimalLimit) * int64(math.Pow10(k))
		n := rng.Int64N(max(limit>>rng.IntN(50), 1))
		if rng.IntN(2) == 0 {
			n = -n
		}
		v := float64(n) / math.Pow10(k)
		for _, x := range []float64{v, math.Nextafter(v, math.Inf(1)), math.Nextafter(v, math.Inf(-1))} {
			if got, want := string(appendFloat(nil, x)), shortest(x); got != want {
				t.Fatalf("appendFloat(%v) = %q, strconv %q", x, got, want)
			}
		}
	}
}

func FuzzAppendFloat(f *testing.F) {
	for _, v := range []float64{0, -0.5, 3.25, 60.1699, 1e-7, 1 << 33} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		if got, want := string(appendFloat(nil, v)), shortest(v); got != want {
			t.Fatalf("appendFloat(%v) = %q, strconv %q", v, got, want)
		}
	})
}

// appendDecimal prints a scaled integer as strconv prints the double it
// stands for, at every number of decimals a series can be packed with,
// around its limits and at random magnitudes.
func TestAppendDecimalMatchesStrconv(t *testing.T) {
	check := func(n int64, d int) {
		t.Helper()
		if got, want := string(appendDecimal(nil, n, d)), shortest(float64(n)/math.Pow10(d)); got != want {
			t.Fatalf("appendDecimal(%d, %d) = %q, strconv %q", n, d, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(3, 9))
	for d := range 10 { // pluginapi packs at up to nine decimals
		lim := int64(1<<32) * int64(math.Pow10(min(d, decimalDigits)))
		for _, n := range []int64{0, 1, -1, 10, 15, -15, 999, lim - 1, lim, lim + 1, -lim + 1, -lim, 1<<53 - 1, -(1<<53 - 1)} {
			check(n, d)
		}
		for range 50_000 {
			n := rng.Int64N(1<<53) >> rng.IntN(53)
			if rng.IntN(2) == 0 {
				n = -n
			}
			check(n, d)
		}
	}
}

func FuzzAppendDecimal(f *testing.F) {
	f.Add(int64(2500), uint8(3))
	f.Add(int64(-1<<40), uint8(6))
	f.Add(int64(1<<53-1), uint8(9))
	f.Fuzz(func(t *testing.T, n int64, d uint8) {
		n, dec := n%(1<<53), int(d%10) // what value_deltas can hold
		if got, want := string(appendDecimal(nil, n, dec)), shortest(float64(n)/math.Pow10(dec)); got != want {
			t.Fatalf("appendDecimal(%d, %d) = %q, strconv %q", n, dec, got, want)
		}
	})
}

// BenchmarkAppendFloat formats a 10 h exercise's worth of speeds (three
// decimals, as FIT scales them), with strconv as the baseline in the
// same run.
func BenchmarkAppendFloat(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]float64, 36000)
	for i := range vals {
		vals[i] = float64(2500+rng.IntN(1000)) / 1000
	}
	buf := make([]byte, 0, 64)
	b.Run("strconv", func(b *testing.B) {
		for b.Loop() {
			for _, v := range vals {
				buf = strconv.AppendFloat(buf[:0], v, 'f', -1, 64)
			}
		}
	})
	b.Run("appendFloat", func(b *testing.B) {
		for b.Loop() {
			for _, v := range vals {
				buf = appendFloat(buf[:0], v)
			}
		}
	})
	b.Run("appendDecimal", func(b *testing.B) { // the same, as the integers they are packed as
		ints := make([]int64, len(vals))
		for i, v := range vals {
			ints[i] = int64(math.Round(v * 1000))
		}
		for b.Loop() {
			for _, n := range ints {
				buf = appendDecimal(buf[:0], n, 3)
			}
		}
	})
}
