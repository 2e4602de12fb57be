package shamir

// GF(2^8) with the AES reduction polynomial x^8+x^4+x^3+x+1 (0x11b), the
// field Vault's shamir package uses. Addition is XOR. The functions below
// run the same instructions whatever their operands, so they do not leak
// secret bytes through timing or memory access patterns.

// gfMul multiplies a and b: eight rounds of conditional add and doubling,
// the conditions turned into masks instead of branches.
func gfMul(a, b byte) byte {
	var p byte
	for range 8 {
		p ^= -(b & 1) & a
		carry := a >> 7
		a = (a << 1) ^ (-carry & 0x1b)
		b >>= 1
	}
	return p
}

// gfInv returns the multiplicative inverse of a (a^254, since a^255 = 1 for
// every non-zero a); gfInv(0) is 0. The square-and-multiply chain is fixed.
func gfInv(a byte) byte {
	a2 := gfMul(a, a)     // a^2
	a3 := gfMul(a2, a)    // a^3
	a6 := gfMul(a3, a3)   // a^6
	a12 := gfMul(a6, a6)  // a^12
	a15 := gfMul(a12, a3) // a^15
	a30 := gfMul(a15, a15)
	a60 := gfMul(a30, a30)
	a120 := gfMul(a60, a60)
	a240 := gfMul(a120, a120)
	a252 := gfMul(a240, a12)
	return gfMul(a252, a2) // a^254
}

// gfDiv returns a/b; b must not be zero (callers guarantee distinct
// x-coordinates, so denominators are never zero).
func gfDiv(a, b byte) byte { return gfMul(a, gfInv(b)) }
