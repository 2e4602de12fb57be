package shamir

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cofferhq/coffer/ledger"
	"github.com/stretchr/testify/require"
)

// initialised plays sys/init: a root key wrapped under a fresh unseal key
// split 5/3.
func initialised(t *testing.T) (wrapped []byte, shares [][]byte, root []byte) {
	t.Helper()
	seal, shares, err := Generate(5, 3)
	require.NoError(t, err)
	root = ledger.RandomKey()
	wrapped, err = seal.Wrap(root)
	require.NoError(t, err)
	return wrapped, shares, root
}

func TestUnsealerReachesThreshold(t *testing.T) {
	wrapped, shares, root := initialised(t)
	u, err := NewUnsealer(3, 5, OpensRootKey(wrapped))
	require.NoError(t, err)
	require.Equal(t, 3, u.Threshold())
	require.Equal(t, 5, u.Shares())
	require.Zero(t, u.Progress())
	require.Empty(t, u.Nonce(), "no attempt, no nonce (as Vault's seal-status)")

	progress, done, key, err := u.Submit(shares[3])
	require.NoError(t, err)
	require.Equal(t, 1, progress)
	require.False(t, done)
	require.Nil(t, key)
	nonce := u.Nonce()
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, nonce)

	progress, done, _, err = u.Submit(shares[1])
	require.NoError(t, err)
	require.Equal(t, 2, progress)
	require.False(t, done)
	require.Equal(t, nonce, u.Nonce(), "the nonce names the whole attempt")

	progress, done, key, err = u.Submit(shares[4])
	require.NoError(t, err)
	require.True(t, done)
	require.Zero(t, progress)
	seal, err := NewSeal(key)
	require.NoError(t, err)
	got, err := seal.Unwrap(wrapped)
	require.NoError(t, err)
	require.Equal(t, root, got)

	require.Zero(t, u.Progress())
	require.Empty(t, u.Nonce())
}

func TestUnsealerRefusesDuplicatesAndMalformedSharesWithoutLosingProgress(t *testing.T) {
	wrapped, shares, _ := initialised(t)
	u, err := NewUnsealer(3, 5, OpensRootKey(wrapped))
	require.NoError(t, err)
	_, _, _, err = u.Submit(shares[0])
	require.NoError(t, err)
	nonce := u.Nonce()

	sameX := append([]byte(nil), shares[1]...)
	sameX[len(sameX)-1] = shares[0][len(shares[0])-1]
	zeroX := append([]byte(nil), shares[1]...)
	zeroX[len(zeroX)-1] = 0

	tests := []struct {
		name  string
		share []byte
		want  error
	}{
		{"same share again", shares[0], ErrDuplicateShare},
		{"other share with the same x", sameX, ErrDuplicateShare},
		{"too short", shares[1][:32], ErrMalformedShare},
		{"too long", append(append([]byte(nil), shares[1]...), 7), ErrMalformedShare},
		{"empty", nil, ErrMalformedShare},
		{"zero x-coordinate", zeroX, ErrMalformedShare},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			progress, done, key, err := u.Submit(tt.share)
			require.ErrorIs(t, err, tt.want)
			require.Equal(t, 1, progress)
			require.False(t, done)
			require.Nil(t, key)
			require.Equal(t, nonce, u.Nonce())
		})
	}

	_, _, _, err = u.Submit(shares[2])
	require.NoError(t, err)
	_, done, _, err := u.Submit(shares[3])
	require.NoError(t, err)
	require.True(t, done)
}

func TestUnsealerWrongShareSetResets(t *testing.T) {
	wrapped, shares, _ := initialised(t)
	_, otherShares, _ := initialised(t)
	u, err := NewUnsealer(3, 5, OpensRootKey(wrapped))
	require.NoError(t, err)

	// Two of ours and one from another init, with an x-coordinate ours
	// do not use, so it is not refused as a duplicate.
	used := map[byte]bool{shares[0][32]: true, shares[1][32]: true}
	var stranger []byte
	for _, s := range otherShares {
		if !used[s[32]] {
			stranger = s
			break
		}
	}
	require.NotNil(t, stranger)

	_, _, _, err = u.Submit(shares[0])
	require.NoError(t, err)
	firstNonce := u.Nonce()
	_, _, _, err = u.Submit(shares[1])
	require.NoError(t, err)
	progress, done, key, err := u.Submit(stranger)
	require.ErrorIs(t, err, ErrWrongShares)
	require.ErrorIs(t, err, ledger.ErrCorrupt)
	require.False(t, done)
	require.Nil(t, key)
	require.Zero(t, progress)
	require.Zero(t, u.Progress())
	require.Empty(t, u.Nonce())

	// The operators start again and succeed, under a new nonce.
	_, _, _, err = u.Submit(shares[2])
	require.NoError(t, err)
	require.NotEqual(t, firstNonce, u.Nonce())
	_, _, _, err = u.Submit(shares[0])
	require.NoError(t, err)
	_, done, key, err = u.Submit(shares[4])
	require.NoError(t, err)
	require.True(t, done)
	require.Len(t, key, ledger.KeySize)
}

func TestUnsealerVerifyFailureOtherThanWrongKey(t *testing.T) {
	_, shares, _ := initialised(t)
	unavailable := errors.New("store unreachable")
	u, err := NewUnsealer(3, 5, func([]byte) error { return unavailable })
	require.NoError(t, err)
	for _, s := range shares[:2] {
		_, _, _, err := u.Submit(s)
		require.NoError(t, err)
	}
	_, done, _, err := u.Submit(shares[2])
	require.ErrorIs(t, err, unavailable)
	require.NotErrorIs(t, err, ErrWrongShares)
	require.False(t, done)
	require.Zero(t, u.Progress())
}

func TestUnsealerReset(t *testing.T) {
	wrapped, shares, _ := initialised(t)
	u, err := NewUnsealer(3, 5, OpensRootKey(wrapped))
	require.NoError(t, err)
	for _, s := range shares[:2] {
		_, _, _, err := u.Submit(s)
		require.NoError(t, err)
	}
	u.Reset()
	require.Zero(t, u.Progress())
	require.Empty(t, u.Nonce())

	// The shares given before the reset count for nothing now: it takes
	// three more, and a share from before is not a duplicate.
	progress, _, _, err := u.Submit(shares[0])
	require.NoError(t, err)
	require.Equal(t, 1, progress)
	progress, _, _, err = u.Submit(shares[1])
	require.NoError(t, err)
	require.Equal(t, 2, progress)
}

func TestUnsealerOneOfOne(t *testing.T) {
	seal, shares, err := Generate(1, 1)
	require.NoError(t, err)
	root := ledger.RandomKey()
	wrapped, err := seal.Wrap(root)
	require.NoError(t, err)
	u, err := NewUnsealer(1, 1, OpensRootKey(wrapped))
	require.NoError(t, err)
	_, done, key, err := u.Submit(shares[0])
	require.NoError(t, err)
	require.True(t, done)
	require.Len(t, key, ledger.KeySize)
}

func TestUnsealerWithoutVerify(t *testing.T) {
	_, shares, _ := initialised(t)
	_, otherShares, _ := initialised(t)
	u, err := NewUnsealer(2, 5, nil)
	require.NoError(t, err)
	_, _, _, err = u.Submit(shares[0])
	require.NoError(t, err)
	// Nothing to check against: done, with a key that is simply wrong.
	for _, s := range otherShares {
		if s[32] != shares[0][32] {
			_, done, key, err := u.Submit(s)
			require.NoError(t, err)
			require.True(t, done)
			require.Len(t, key, 32)
			return
		}
	}
}

func TestNewUnsealerRefusesBadParams(t *testing.T) {
	for _, p := range [][2]int{{0, 0}, {0, 5}, {6, 5}, {1, 5}, {2, 256}, {-1, 3}} {
		_, err := NewUnsealer(p[0], p[1], nil)
		require.ErrorIs(t, err, ErrInvalidParams, "threshold %d shares %d", p[0], p[1])
	}
}

// Concurrent submissions of a full set complete the attempt exactly once.
func TestUnsealerConcurrentSubmissions(t *testing.T) {
	wrapped, shares, _ := initialised(t)
	var verified atomic.Int32
	verify := OpensRootKey(wrapped)
	u, err := NewUnsealer(3, 5, func(k []byte) error {
		verified.Add(1)
		return verify(k)
	})
	require.NoError(t, err)

	var wg sync.WaitGroup
	var doneCount atomic.Int32
	for _, s := range shares[:3] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, done, _, err := u.Submit(s)
			if err != nil {
				t.Error(err)
			}
			if done {
				doneCount.Add(1)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int32(1), doneCount.Load())
	require.Equal(t, int32(1), verified.Load())
}
