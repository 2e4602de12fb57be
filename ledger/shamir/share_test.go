package shamir

import (
	"encoding/base64"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseShare(t *testing.T) {
	share := []byte{0x00, 0xff, 0x10, 0x7e, 0x3f, 0xfb, 0x01}
	tests := []struct {
		name string
		in   string
	}{
		{"hex", hex.EncodeToString(share)},
		{"upper-case hex", "00FF107E3FFB01"},
		{"base64", base64.StdEncoding.EncodeToString(share)},
		{"unpadded base64", base64.RawStdEncoding.EncodeToString(share)},
		{"surrounding whitespace", "  " + hex.EncodeToString(share) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseShare(tt.in)
			require.NoError(t, err)
			require.Equal(t, share, got)
		})
	}
}

func TestParseShareRefusesGarbageWithoutEchoingIt(t *testing.T) {
	for _, in := range []string{"", "   ", "not-a-share!", "Q", "abc$def"} {
		_, err := ParseShare(in)
		require.ErrorIs(t, err, ErrMalformedShare, "%q", in)
		if in != "" && in != "   " {
			require.NotContains(t, err.Error(), in)
		}
	}
}

func TestEncodeSharesRoundTrip(t *testing.T) {
	shares, err := Split([]byte("0123456789abcdef0123456789abcdef"), 4, 3)
	require.NoError(t, err)
	keys, keysB64 := EncodeShares(shares)
	require.Len(t, keys, 4)
	require.Len(t, keysB64, 4)
	for i := range shares {
		require.Len(t, keys[i], 66)
		require.Len(t, keysB64[i], 44)
		a, err := ParseShare(keys[i])
		require.NoError(t, err)
		b, err := ParseShare(keysB64[i])
		require.NoError(t, err)
		require.Equal(t, shares[i], a)
		require.Equal(t, shares[i], b)
	}
}
