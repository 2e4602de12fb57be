package transparency

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func testSigner(t *testing.T) (note.Signer, ed25519.PublicKey) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, Origin)
	require.NoError(t, err)
	s, err := note.NewSigner(skey)
	require.NoError(t, err)
	pub, err := ParsePublicKey(vkey)
	require.NoError(t, err)
	return s, pub
}

// A checkpoint is a plain signed note: a sumdb/C2SP verifier that knows
// nothing of Coffer reads it with the verifier key alone.
func TestCheckpointIsAStandardSignedNote(t *testing.T) {
	s, pub := testSigner(t)
	root := tlog.RecordHash([]byte("x"))
	at := time.Date(2026, 5, 1, 12, 0, 0, 123, time.UTC)
	msg, err := signCheckpoint(s, 42, root, at)
	require.NoError(t, err)
	text := "coffer-ledger\n42\n" + base64.StdEncoding.EncodeToString(root[:]) + "\n2026-05-01T12:00:00.000000123Z\n\n— coffer-ledger "
	require.True(t, strings.HasPrefix(string(msg), text), "%q", msg)

	vkey, err := VerifierKey(pub)
	require.NoError(t, err)
	v, err := note.NewVerifier(vkey)
	require.NoError(t, err)
	n, err := note.Open(msg, note.VerifierList(v))
	require.NoError(t, err)
	require.Len(t, n.Sigs, 1)

	cp, err := OpenCheckpoint(msg, pub)
	require.NoError(t, err)
	assert.Equal(t, int64(42), cp.Size)
	assert.Equal(t, root, cp.Root)
	assert.True(t, at.Equal(cp.Time))
	assert.Equal(t, string(msg), cp.Note)

	forged := []byte(strings.Replace(string(msg), "\n42\n", "\n43\n", 1))
	_, err = OpenCheckpoint(forged, pub)
	require.ErrorIs(t, err, ErrBadSignature)
	_, other := testSigner(t)
	_, err = OpenCheckpoint(msg, other)
	require.ErrorIs(t, err, ErrBadSignature)
}

func TestParsePublicKeyForms(t *testing.T) {
	_, pub := testSigner(t)
	vkey, err := VerifierKey(pub)
	require.NoError(t, err)
	for name, s := range map[string]string{
		"verifier key": vkey,
		"base64":       base64.StdEncoding.EncodeToString(pub),
		"hex":          hex.EncodeToString(pub),
		"with spaces":  "  " + vkey + "\n",
	} {
		got, err := ParsePublicKey(s)
		require.NoError(t, err, name)
		require.Equal(t, pub, got, name)
	}
	for _, s := range []string{"", "coffer-ledger+00000000+AAAA", "abcd", base64.StdEncoding.EncodeToString(pub[:31])} {
		_, err := ParsePublicKey(s)
		require.ErrorIs(t, err, ErrMalformed, s)
	}
}

func TestParseCheckpointTextRejects(t *testing.T) {
	root := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for _, text := range []string{
		"other-log\n1\n" + root + "\n2026-01-01T00:00:00Z\n",
		"coffer-ledger\n-1\n" + root + "\n2026-01-01T00:00:00Z\n",
		"coffer-ledger\n1\nAAAA\n2026-01-01T00:00:00Z\n",
		"coffer-ledger\n1\n" + root + "\nyesterday\n",
		"coffer-ledger\n1\n" + root + "\n",
	} {
		_, err := parseCheckpointText(text)
		require.ErrorIs(t, err, ErrMalformed, text)
	}
}
