package tabular

import (
	"math"
	"strconv"
	"unsafe"
)

// pow10 holds the powers of ten exactly representable in a float64.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// trimSpace drops ASCII spaces and tabs around b.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// isMissing reports whether a trimmed cell stands for a missing value: empty,
// NA, NaN or nan.
func isMissing(b []byte) bool {
	switch len(b) {
	case 0:
		return true
	case 2:
		return b[0] == 'N' && b[1] == 'A'
	case 3:
		return (b[0] == 'N' || b[0] == 'n') && b[1] == 'a' && b[2] == 'N' || string(b) == "nan"
	}
	return false
}

// parseNumber parses a trimmed decimal number ([+-]digits[.digits][e[+-]digits])
// without allocating. Numbers with at most 19 significant digits whose value
// and power of ten are exact in a float64 are computed directly (exactly
// rounded, as Clinger's fast path); the rest go to strconv.ParseFloat.
// Infinities, hexadecimal and out-of-range numbers are not numbers here.
func parseNumber(b []byte) (float64, bool) {
	i, n := 0, len(b)
	if n == 0 {
		return 0, false
	}
	neg := b[0] == '-'
	if b[0] == '-' || b[0] == '+' {
		i++
	}
	var mant uint64
	nd, exp, digits := 0, 0, 0
	trunc, dot := false, false
	for ; i < n; i++ {
		c := b[i]
		if c == '.' && !dot {
			dot = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		digits++
		if nd < 19 {
			mant = mant*10 + uint64(c-'0')
			if mant != 0 {
				nd++
			}
			if dot {
				exp--
			}
		} else {
			if !dot {
				exp++
			}
			trunc = trunc || c != '0'
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < n {
		e, ok := parseExponent(b[i:])
		if !ok {
			return 0, false
		}
		exp += e
	}
	if !trunc && mant < 1<<53 && exp >= -22 && exp <= 22 {
		f := float64(mant)
		if exp < 0 {
			f /= pow10[-exp]
		} else {
			f *= pow10[exp]
		}
		if neg {
			f = -f
		}
		return f, true
	}
	f, err := strconv.ParseFloat(unsafe.String(&b[0], n), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false // out of range: not a usable number
	}
	return f, true
}

// parseExponent parses e[+-]digits, capping huge exponents (the value then
// over- or underflows in strconv).
func parseExponent(b []byte) (int, bool) {
	if len(b) < 2 || (b[0] != 'e' && b[0] != 'E') {
		return 0, false
	}
	i, neg := 1, false
	if b[1] == '-' || b[1] == '+' {
		neg = b[1] == '-'
		i++
	}
	if i == len(b) {
		return 0, false
	}
	e := 0
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if e < 100000 {
			e = e*10 + int(c-'0')
		}
	}
	if neg {
		e = -e
	}
	return e, true
}
