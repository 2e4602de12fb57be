package shamir

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplitRefusesInvalidParams(t *testing.T) {
	secret := []byte("test")
	tests := []struct {
		name             string
		secret           []byte
		parts, threshold int
		want             error
	}{
		{"zero parts", secret, 0, 0, ErrInvalidParams},
		{"threshold above parts", secret, 2, 3, ErrInvalidParams},
		{"more than 255 parts", secret, 256, 3, ErrInvalidParams},
		{"a thousand parts", secret, 1000, 3, ErrInvalidParams},
		{"threshold one of many", secret, 10, 1, ErrInvalidParams},
		{"threshold zero", secret, 3, 0, ErrInvalidParams},
		{"negative threshold", secret, 3, -1, ErrInvalidParams},
		{"empty secret", nil, 3, 2, ErrEmptySecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Split(tt.secret, tt.parts, tt.threshold)
			require.ErrorIs(t, err, tt.want)
			require.Nil(t, out)
		})
	}
}

func TestSplitShape(t *testing.T) {
	secret := []byte("a secret of some length")
	out, err := Split(secret, 255, 7)
	require.NoError(t, err)
	require.Len(t, out, 255)
	seen := map[byte]bool{}
	for _, share := range out {
		require.Len(t, share, len(secret)+ShareOverhead)
		x := share[len(share)-1]
		require.NotZero(t, x)
		require.False(t, seen[x], "x-coordinate %d used twice", x)
		seen[x] = true
		require.False(t, bytes.Contains(share, secret))
	}
	require.Len(t, seen, 255)
}

func TestSplitIsRandomised(t *testing.T) {
	secret := bytes.Repeat([]byte{0x42}, 32)
	a, err := Split(secret, 5, 3)
	require.NoError(t, err)
	b, err := Split(secret, 5, 3)
	require.NoError(t, err)
	require.NotEqual(t, a, b)
}

func TestCombineEveryThresholdSubsetOfFive(t *testing.T) {
	secret := []byte("test")
	out, err := Split(secret, 5, 3)
	require.NoError(t, err)
	// Every ordered choice, as Vault's test does: order must not matter.
	for i := range 5 {
		for j := range 5 {
			for k := range 5 {
				if i == j || j == k || i == k {
					continue
				}
				got, err := Combine([][]byte{out[i], out[j], out[k]})
				require.NoError(t, err)
				require.Equal(t, secret, got, "shares %d %d %d", i, j, k)
			}
		}
	}
}

// TestSplitCombineProperties checks, for random sizes across the whole
// parameter range, that any threshold of shares (and any superset) gives
// the secret back and that one share fewer does not.
func TestSplitCombineProperties(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	params := [][2]int{{1, 1}, {2, 2}, {3, 2}, {255, 2}, {255, 255}, {255, 128}, {10, 10}}
	for range 40 {
		parts := 2 + rng.IntN(254)
		params = append(params, [2]int{parts, 2 + rng.IntN(parts-1)})
	}
	for _, p := range params {
		parts, threshold := p[0], p[1]
		secret := make([]byte, 1+rng.IntN(64))
		for i := range secret {
			secret[i] = byte(rng.UintN(256))
		}
		shares, err := Split(secret, parts, threshold)
		require.NoError(t, err, "parts=%d threshold=%d", parts, threshold)

		for range 3 {
			perm := rng.Perm(parts)
			subset := pick(shares, perm[:threshold])
			got, err := Combine(subset)
			require.NoError(t, err)
			require.Equalf(t, secret, got, "parts=%d threshold=%d subset %v", parts, threshold, perm[:threshold])

			extra := threshold + rng.IntN(parts-threshold+1)
			got, err = Combine(pick(shares, perm[:extra]))
			require.NoError(t, err)
			require.Equalf(t, secret, got, "parts=%d threshold=%d with %d shares", parts, threshold, extra)

			if threshold > 1 && len(secret) >= 8 {
				// With 8+ bytes the chance that threshold-1 shares hit
				// the secret by luck is at most 2^-64.
				got, err = Combine(subset[:threshold-1])
				require.NoError(t, err)
				require.NotEqualf(t, secret, got, "parts=%d threshold=%d: %d shares recovered the secret", parts, threshold, threshold-1)
			}
		}
	}
}

// TestBelowThresholdRevealsNothing checks the secrecy claim directly for one
// byte: with threshold 3, two fixed shares are consistent with every
// possible secret byte, so they carry no information about it.
func TestBelowThresholdRevealsNothing(t *testing.T) {
	shares, err := Split([]byte{0x99}, 3, 3)
	require.NoError(t, err)
	a, b := shares[0], shares[1]
	for s := range 256 {
		// Find a third point that, with a and b, interpolates secret s:
		// choose any x not used and solve by brute force over y.
		x := byte(1)
		for x == a[1] || x == b[1] {
			x++
		}
		found := false
		for y := range 256 {
			got, err := Combine([][]byte{a, b, {byte(y), x}})
			require.NoError(t, err)
			if got[0] == byte(s) {
				found = true
				break
			}
		}
		require.Truef(t, found, "secret byte %#x unreachable from two shares", s)
	}
}

func TestCombineRefusesBadInput(t *testing.T) {
	good, err := Split([]byte("test"), 3, 2)
	require.NoError(t, err)
	sameX := append([]byte(nil), good[1]...)
	sameX[len(sameX)-1] = good[0][len(good[0])-1]
	sameX[0] ^= 1

	tests := []struct {
		name  string
		parts [][]byte
		want  error
	}{
		{"no parts", nil, ErrNoShares},
		{"length mismatch", [][]byte{[]byte("foo"), []byte("ba")}, ErrShareLength},
		{"too short", [][]byte{[]byte("f"), []byte("b")}, ErrShareLength},
		{"empty share", [][]byte{{}, {}}, ErrShareLength},
		{"identical parts", [][]byte{[]byte("foo"), []byte("foo")}, ErrDuplicateShare},
		{"same share twice", [][]byte{good[0], good[0]}, ErrDuplicateShare},
		{"different shares with one x", [][]byte{good[0], sameX}, ErrDuplicateShare},
		{"zero x-coordinate", [][]byte{{1, 2, 0}, {3, 4, 5}}, ErrMalformedShare},
		{"one share shorter", [][]byte{good[0], good[1][1:]}, ErrShareLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Combine(tt.parts)
			require.ErrorIs(t, err, tt.want)
			require.Nil(t, out)
		})
	}
}

func TestOneOfOne(t *testing.T) {
	secret := []byte("the whole secret")
	out, err := Split(secret, 1, 1)
	require.NoError(t, err)
	require.Len(t, out, 1)
	require.Len(t, out[0], len(secret)+1)
	require.Equal(t, secret, out[0][:len(secret)], "a degree-0 polynomial is the secret at every x")
	got, err := Combine(out)
	require.NoError(t, err)
	require.Equal(t, secret, got)
}
