package transparency

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Origin is the first line of every checkpoint and the name of the key that
// signs it.
const Origin = "coffer-ledger"

// Checkpoint is a signed statement: the first Size stored messages of the
// ledger hash to Root; signed at Time.
type Checkpoint struct {
	Size int64     `json:"tree_size"`
	Root tlog.Hash `json:"root_hash"`
	Time time.Time `json:"time"`
	// Note is the signed note exactly as stored (text, blank line,
	// signature line).
	Note string `json:"note"`
	// StreamSeq is where the checkpoint sits in COFFER_CHECKPOINTS.
	StreamSeq uint64 `json:"stream_seq,omitempty"`
}

// checkpointText is the body that gets signed: a C2SP tlog-checkpoint
// (origin, size, base64 root) with the signing time as its one extension
// line.
func checkpointText(size int64, root tlog.Hash, at time.Time) string {
	return fmt.Sprintf("%s\n%d\n%s\n%s\n", Origin, size, base64.StdEncoding.EncodeToString(root[:]), at.UTC().Format(time.RFC3339Nano))
}

func signCheckpoint(s note.Signer, size int64, root tlog.Hash, at time.Time) ([]byte, error) {
	msg, err := note.Sign(&note.Note{Text: checkpointText(size, root, at)}, s)
	if err != nil {
		return nil, fmt.Errorf("transparency: sign checkpoint: %w", err)
	}
	return msg, nil
}

// OpenCheckpoint checks msg's signature under pub and parses it.
func OpenCheckpoint(msg []byte, pub ed25519.PublicKey) (Checkpoint, error) {
	v, err := newVerifier(pub)
	if err != nil {
		return Checkpoint{}, err
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	cp, err := parseCheckpointText(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	cp.Note = string(msg)
	return cp, nil
}

func parseCheckpointText(text string) (Checkpoint, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 4 || lines[0] != Origin {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint text", ErrMalformed)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint size %q", ErrMalformed, lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint root %q", ErrMalformed, lines[2])
	}
	at, err := time.Parse(time.RFC3339Nano, lines[3])
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint time %q", ErrMalformed, lines[3])
	}
	cp := Checkpoint{Size: size, Time: at}
	copy(cp.Root[:], raw)
	return cp, nil
}

// VerifierKey encodes pub as a note verifier key
// ("coffer-ledger+<key hash>+<base64>"), the form sumdb tooling reads.
func VerifierKey(pub ed25519.PublicKey) (string, error) {
	k, err := note.NewEd25519VerifierKey(Origin, pub)
	if err != nil {
		return "", fmt.Errorf("%w: public key: %v", ErrMalformed, err)
	}
	return k, nil
}

func newVerifier(pub ed25519.PublicKey) (note.Verifier, error) {
	k, err := VerifierKey(pub)
	if err != nil {
		return nil, err
	}
	v, err := note.NewVerifier(k)
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %v", ErrMalformed, err)
	}
	return v, nil
}

// ParsePublicKey accepts a checkpoint public key as a note verifier key
// ("coffer-ledger+hash+base64"), as standard base64 of the 32 raw bytes, or
// as their hex.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "+") && strings.HasPrefix(s, Origin+"+") {
		v, err := note.NewVerifier(s)
		if err != nil {
			return nil, fmt.Errorf("%w: verifier key: %v", ErrMalformed, err)
		}
		// name+hash+base64: the base64 part may itself contain '+'.
		raw, err := base64.StdEncoding.DecodeString(strings.SplitN(s, "+", 3)[2])
		if err != nil || len(raw) != 1+ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: verifier key %s", ErrMalformed, v.Name())
		}
		return ed25519.PublicKey(raw[1:]), nil
	}
	if raw, err := hex.DecodeString(s); err == nil && len(raw) == ed25519.PublicKeySize {
		return ed25519.PublicKey(raw), nil
	}
	if raw, err := base64.StdEncoding.DecodeString(s); err == nil && len(raw) == ed25519.PublicKeySize {
		return ed25519.PublicKey(raw), nil
	}
	return nil, fmt.Errorf("%w: public key: want a verifier key, base64 or hex of %d bytes", ErrMalformed, ed25519.PublicKeySize)
}
