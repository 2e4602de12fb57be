package shamir

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// slowMul is the textbook carry-less multiply with reduction by 0x11b,
// branches and all; gfMul must agree with it everywhere.
func slowMul(a, b byte) byte {
	var p uint16
	for i := 0; i < 8; i++ {
		if b&(1<<i) != 0 {
			p ^= uint16(a) << i
		}
	}
	for bit := 15; bit >= 8; bit-- {
		if p&(1<<bit) != 0 {
			p ^= 0x11b << (bit - 8)
		}
	}
	return byte(p)
}

func TestFieldMulMatchesReference(t *testing.T) {
	for a := 0; a < 256; a++ {
		for b := 0; b < 256; b++ {
			if got, want := gfMul(byte(a), byte(b)), slowMul(byte(a), byte(b)); got != want {
				t.Fatalf("gfMul(%#x, %#x) = %#x, want %#x", a, b, got, want)
			}
		}
	}
}

func TestFieldPublishedProducts(t *testing.T) {
	// FIPS-197 section 4.2 works these products in the AES field, the
	// field Vault's tables encode; mult(3, 7) = 9 is from Vault's tests.
	tests := []struct{ a, b, want byte }{
		{0x57, 0x83, 0xc1},
		{0x57, 0x13, 0xfe},
		{0x57, 0x02, 0xae},
		{0x57, 0x04, 0x47},
		{0x57, 0x08, 0x8e},
		{0x57, 0x10, 0x07},
		{3, 7, 9},
		{3, 0, 0},
		{0, 3, 0},
	}
	for _, tt := range tests {
		require.Equalf(t, tt.want, gfMul(tt.a, tt.b), "%#x * %#x", tt.a, tt.b)
	}
	// Vault's div tests.
	require.Equal(t, byte(0), gfDiv(0, 7))
	require.Equal(t, byte(1), gfDiv(3, 3))
	require.Equal(t, byte(2), gfDiv(6, 3))
}

func TestFieldInverse(t *testing.T) {
	require.Equal(t, byte(0), gfInv(0))
	for a := 1; a < 256; a++ {
		require.Equalf(t, byte(1), gfMul(byte(a), gfInv(byte(a))), "a=%#x", a)
	}
	// FIPS-197 section 4.4 (via the S-box derivation): {53}^-1 = {ca}.
	require.Equal(t, byte(0xca), gfInv(0x53))
}
