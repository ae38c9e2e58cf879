package polarhttp

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseISODuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"PT2H44M45S", 2*time.Hour + 44*time.Minute + 45*time.Second},
		{"PT2H44M", 2*time.Hour + 44*time.Minute},
		{"PT4.2S", 4200 * time.Millisecond},
		{"PT4,2S", 4200 * time.Millisecond},
		{"PT0S", 0},
		{"PT4S", 4 * time.Second},
		{"PT51M5S", 51*time.Minute + 5*time.Second},
		{"P1DT2H", 26 * time.Hour},
		{"P1D", 24 * time.Hour},
		{"P2W", 14 * 24 * time.Hour},
		{"PT1.5H", 90 * time.Minute},
		{"PT0.000000001S", time.Nanosecond},
		{"PT0.0000000019S", time.Nanosecond}, // beyond ns: dropped
		{"PT100H", 100 * time.Hour},
		{"PT36M12.345S", 36*time.Minute + 12345*time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseISODuration(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseISODurationRejects(t *testing.T) {
	for _, in := range []string{
		"", "P", "PT", "T1H", "1H", "PT1", "PT1X", "PTH", "PT-1S", "-PT1S",
		"PT1S1M", "PT1M1M", "P1H", "PT1D", "P1Y", "P1M", "P1DT", "PT1..2S", "PT.5S",
		"PT4.S", "pt1s", "PT1 S", " PT1S", "PT1ST", "P1DT1HT1M",
		"PT9999999999999999999S", "PT2562048H", "P99999999W",
	} {
		t.Run(in, func(t *testing.T) {
			_, err := ParseISODuration(in)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidDuration)
			assert.Contains(t, err.Error(), "parse duration")
		})
	}
}

func TestFormatISODuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "PT0S"},
		{4200 * time.Millisecond, "PT4.2S"},
		{2*time.Hour + 44*time.Minute + 45*time.Second, "PT2H44M45S"},
		{2 * time.Hour, "PT2H"},
		{26 * time.Hour, "PT26H"},
		{time.Nanosecond, "PT0.000000001S"},
		{-90 * time.Second, "-PT1M30S"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, FormatISODuration(tt.in))
	}
}

func FuzzParseISODuration(f *testing.F) {
	for _, s := range []string{"PT2H44M45S", "PT4.2S", "PT0S", "P1DT2H", "P2W", "PT1,5M", "PT", "P1Y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseISODuration(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidDuration) {
				t.Fatalf("error %v does not wrap ErrInvalidDuration", err)
			}
			return
		}
		if d < 0 {
			t.Fatalf("ParseISODuration(%q) = %v, negative", s, d)
		}
		formatted := FormatISODuration(d)
		again, err := ParseISODuration(formatted)
		if err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", formatted, s, err)
		}
		if again != d {
			t.Fatalf("round trip %q → %v → %q → %v", s, d, formatted, again)
		}
		if FormatISODuration(again) != formatted {
			t.Fatalf("format not stable for %q", s)
		}
	})
}
