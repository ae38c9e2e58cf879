package csvexport

import (
	"math"
	"strconv"
)

// This file formats sample values. A 10 h exercise has hundreds of
// thousands of them, and strconv's shortest form is the largest cost of
// writing its samples file; most values, though, are whole numbers or
// have a few decimals (FIT scales speed by 1000, distance by 100), and
// those print as plain digits.

// decimalDigits is the most decimals the fast path writes itself.
const decimalDigits = 6

// decimalLimit bounds the fast path: below 2^33 two float64s are less
// than 10^-6 apart, so at most one number of at most six decimals reads
// back as a given value, which makes it the shortest form, and its
// scaled integer stays below 2^53, where every integer is exact.
const decimalLimit = 1 << 33

// decimalScale is 10^decimalDigits, decimalUnits its integer.
const (
	decimalScale = 1e6
	decimalUnits = 1_000_000
)

// appendFloat appends v exactly as fmtFloat (strconv's shortest 'f'
// form) would. Whole numbers below 2^53 print as their digits; values of
// at most six decimals below 2^33 as their scaled integer with the point
// put in and trailing zeros dropped; anything else goes to strconv. -0
// keeps its sign.
func appendFloat(buf []byte, v float64) []byte {
	if i := int64(v); float64(i) == v && i > -1<<53 && i < 1<<53 && (i != 0 || !math.Signbit(v)) {
		return strconv.AppendInt(buf, i, 10)
	}
	if v != 0 && math.Abs(v) < decimalLimit {
		// n / 10^6 is correctly rounded, as parsing the decimal is: equal
		// means that decimal reads back as v.
		if n := math.RoundToEven(v * decimalScale); n/decimalScale == v {
			return appendScaled(buf, int64(n))
		}
	}
	return strconv.AppendFloat(buf, v, 'f', -1, 64)
}

// appendDecimal appends n / 10^decimals, a value packed as a scaled
// integer, exactly as appendFloat appends the double it stands for
// (float64(n) / 10^decimals), without computing it: whole numbers as
// their digits, and up to six decimals below 2^32 as the digits with the
// point put in and trailing zeros dropped. There a double is less than
// 10^-6 from the decimal, so appendFloat's fast path finds this same
// decimal (decimal_test.go checks it); other values go through the
// double.
func appendDecimal(buf []byte, n int64, decimals int) []byte {
	if decimals == 0 {
		return strconv.AppendInt(buf, n, 10)
	}
	if decimals <= decimalDigits {
		if lim := decimalPow10[decimals] << 32; n > -lim && n < lim {
			return appendScaled(buf, n*decimalPow10[decimalDigits-decimals])
		}
	}
	return appendFloat(buf, float64(n)/math.Pow10(decimals))
}

// decimalPow10 is 10^i as an integer.
var decimalPow10 = [decimalDigits + 1]int64{1, 10, 100, 1000, 10_000, 100_000, 1_000_000}

// appendScaled appends n / 10^6 with the decimals it needs.
func appendScaled(buf []byte, n int64) []byte {
	if n < 0 {
		buf = append(buf, '-')
		n = -n
	}
	buf = strconv.AppendInt(buf, n/decimalUnits, 10)
	frac := uint32(n % decimalUnits)
	if frac == 0 {
		return buf
	}
	// Two digits at a time; whole pairs of trailing zeros dropped before
	// the last one is looked at, which keeps the branches predictable for
	// a series whose values all have the same number of decimals.
	hi, mid, lo := frac/10000, frac/100%100, frac%100
	d := [decimalDigits + 1]byte{'.',
		digitPairs[2*hi], digitPairs[2*hi+1], digitPairs[2*mid], digitPairs[2*mid+1], digitPairs[2*lo], digitPairs[2*lo+1]}
	k := decimalDigits
	if lo == 0 {
		k = 4
		if mid == 0 {
			k = 2
		}
	}
	if d[k] == '0' {
		k--
	}
	return append(buf, d[:k+1]...)
}

// digitPairs is "00" to "99".
const digitPairs = "" +
	"00010203040506070809" + "10111213141516171819" + "20212223242526272829" + "30313233343536373839" +
	"40414243444546474849" + "50515253545556575859" + "60616263646566676869" + "70717273747576777879" +
	"80818283848586878889" + "90919293949596979899"
