package transparency

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"

	"github.com/cofferhq/coffer/ledger"
)

// KeyRecord is the checkpoint signing key as stored on SubjectKey: the
// public half in the clear (anyone may verify), the private half sealed by
// the ledger's barrier (any node that can unseal can sign).
type KeyRecord struct {
	// VerifierKey is the note verifier key: "coffer-ledger+<hash>+<base64>".
	VerifierKey string `json:"verifier_key"`
	// SealedSignerKey is the note signer key ("PRIVATE+KEY+..."), sealed
	// with ledger.Barrier under keyAAD.
	SealedSignerKey []byte `json:"sealed_signer_key"`
}

var keyAAD = []byte("coffer-checkpoint-signer-key")

// PublicKey decodes the record's public key.
func (k KeyRecord) PublicKey() (ed25519.PublicKey, error) { return ParsePublicKey(k.VerifierKey) }

// StoredKey reads the key record from src. Trusting it is trusting the
// copy it came from: auditors should pin the key they got from elsewhere.
func StoredKey(ctx context.Context, src Source) (KeyRecord, error) {
	m, err := firstOnSubject(ctx, src, SubjectKey)
	if errors.Is(err, ErrNotFound) {
		return KeyRecord{}, ErrNoKey
	}
	if err != nil {
		return KeyRecord{}, err
	}
	var rec KeyRecord
	if err := json.Unmarshal(m.Data, &rec); err != nil {
		return KeyRecord{}, fmt.Errorf("%w: key record: %v", ErrMalformed, err)
	}
	if _, err := rec.PublicKey(); err != nil {
		return KeyRecord{}, err
	}
	return rec, nil
}

var errStop = errors.New("stop")

// firstOnSubject reads the first message on subject: the key record is
// written with an expected-sequence fence, so the first one is the only one.
func firstOnSubject(ctx context.Context, src Source, subject string) (Message, error) {
	var first Message
	found := false
	err := src.Read(ctx, StreamName, subject, func(m Message) error {
		first, found = m, true
		return errStop
	})
	if err != nil && !errors.Is(err, errStop) {
		return Message{}, err
	}
	if !found {
		return Message{}, ErrNotFound
	}
	return first, nil
}

// loadOrCreateSigner returns the checkpoint signer, creating and recording
// the key on first use. Two nodes racing both fence their write on "no key
// yet"; the loser reads the winner's.
func loadOrCreateSigner(ctx context.Context, js jetstream.JetStream, b *ledger.Barrier) (note.Signer, KeyRecord, error) {
	src := NewSource(js)
	rec, err := StoredKey(ctx, src)
	if errors.Is(err, ErrNoKey) {
		skey, vkey, gerr := note.GenerateKey(rand.Reader, Origin)
		if gerr != nil {
			return nil, KeyRecord{}, fmt.Errorf("transparency: generate key: %w", gerr)
		}
		rec = KeyRecord{VerifierKey: vkey, SealedSignerKey: b.Seal(keyAAD, []byte(skey))}
		body, merr := json.Marshal(rec)
		if merr != nil {
			return nil, KeyRecord{}, fmt.Errorf("transparency: key record: %w", merr)
		}
		_, err = js.Publish(ctx, SubjectKey, body, jetstream.WithExpectLastSequencePerSubject(0))
		if isWrongLastSequence(err) {
			rec, err = StoredKey(ctx, src)
		} else if err != nil {
			err = fmt.Errorf("transparency: record key: %w", err)
		}
	}
	if err != nil {
		return nil, KeyRecord{}, err
	}
	skey, err := b.Open(keyAAD, rec.SealedSignerKey)
	if err != nil {
		return nil, KeyRecord{}, fmt.Errorf("transparency: open signer key: %w", err)
	}
	s, err := note.NewSigner(string(skey))
	if err != nil {
		return nil, KeyRecord{}, fmt.Errorf("%w: signer key: %v", ErrMalformed, err)
	}
	return s, rec, nil
}

// isWrongLastSequence recognises JetStream's "wrong last sequence" (10071,
// or 10164 on replicated streams), the answer to a stale expected-sequence
// fence.
func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}
