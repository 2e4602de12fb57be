package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream and subject names. None of them carries a secret or a path.
const (
	StreamName     = "COFFER_LEDGER"
	SubjectSeal    = "coffer.ledger.seal"
	SubjectKeyring = "coffer.ledger.keyring"
	SubjectBatch   = "coffer.ledger.batch"
	subjectsAll    = "coffer.ledger.>"
	// duplicateWindow is how long JetStream remembers Nats-Msg-Id values.
	duplicateWindow = 2 * time.Minute
	// apiTimeout bounds one JetStream API call.
	apiTimeout = 10 * time.Second
)

// Message is one stored ledger message before decryption.
type Message struct {
	Seq     uint64
	Subject string
	MsgID   string
	Data    []byte
	Stored  time.Time
}

// Store owns the ledger stream: its keys (once unsealed), the group-commit
// writer and the data-key bucket.
type Store struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream

	mu       sync.RWMutex
	rootKey  []byte
	keyring  keyringRecord
	barrier  *Barrier
	sealType string
	writer   *Writer
	dataKeys *DataKeys
	// guard is set when the stream lives in an embedded server (see
	// storage.go).
	guard *storageGuard
	// replicas is the stream's replication factor.
	replicas int
	// retention is how long audit records stay (retention.go); 0: forever.
	retention time.Duration
	// archive holds what aged out (SetArchive).
	archive ArchiveSource
	// forward: send appends to the elected writer unless serving
	// (writer_forward.go).
	forward atomic.Bool
	serving atomic.Int32
	// fo signals failovers: a new stream leader, a lost peer
	// (writer_failover.go).
	fo failoverSignals
}

// OpenOptions says how the ledger stream is set up.
type OpenOptions struct {
	// Replicas is the stream's replication factor (1 on a single node, 3
	// in a cluster).
	Replicas int
	// External marks a JetStream cluster Coffer does not own: an existing
	// ledger stream is checked and, if its settings differ from the
	// ledger's, refused (ErrStreamSettings), never changed.
	External bool
	// FormWait is how long Open keeps retrying while the JetStream
	// cluster has no meta leader yet (its members still starting); 0
	// tries once.
	FormWait time.Duration
	// AuditRetention, when set, is how long audit records stay in the
	// stream: they are published apart from domain events, with that
	// per-message TTL (retention.go). 0 keeps them forever.
	AuditRetention time.Duration
}

// Open creates (or binds to) the ledger stream over nc. The store starts
// sealed: call Init on a new ledger, then Unseal.
func Open(ctx context.Context, nc *nats.Conn, replicas int) (*Store, error) {
	return OpenWithOptions(ctx, nc, OpenOptions{Replicas: replicas})
}

// OpenWithOptions is Open with every option.
func OpenWithOptions(ctx context.Context, nc *nats.Conn, o OpenOptions) (*Store, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("ledger: jetstream: %w", err)
	}
	replicas := max(o.Replicas, 1)
	cfg := streamConfig(replicas)
	var stream jetstream.Stream
	err = whileForming(ctx, o.FormWait, func(ctx context.Context) error {
		var err error
		// Per-message TTLs need AllowMsgTTL, which an existing stream
		// takes by an update (a data dir from before opens as it was) and
		// which JetStream never lets go of again: once set it stays set,
		// whether a retention is still configured or not.
		cfg.AllowMsgTTL = o.AuditRetention > 0
		if old, err := js.Stream(ctx, StreamName); err == nil && old.CachedInfo().Config.AllowMsgTTL {
			cfg.AllowMsgTTL = true
		}
		if o.External {
			stream, err = bindExternal(ctx, js, cfg)
		} else {
			stream, err = js.CreateOrUpdateStream(ctx, cfg)
		}
		return err
	})
	if errors.Is(err, ErrStreamSettings) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: create stream: %w", err)
	}
	var guard *storageGuard
	if ns, ok := nc.Opts.InProcessServer.(*server.Server); ok {
		guard = newStorageGuard(ns)
	}
	var dk *DataKeys
	err = whileForming(ctx, o.FormWait, func(ctx context.Context) error {
		var err error
		dk, err = openDataKeys(ctx, js, replicas, guard)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Store{nc: nc, js: js, stream: stream, dataKeys: dk, guard: guard, replicas: replicas, retention: o.AuditRetention}, nil
}

// streamConfig is the ledger stream as Coffer requires it.
func streamConfig(replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        StreamName,
		Description: "Coffer ledger: encrypted events and audit records",
		Subjects:    []string{subjectsAll},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardNew,
		DenyDelete:  true,
		DenyPurge:   true,
		Duplicates:  duplicateWindow,
		Replicas:    replicas,
		MaxMsgSize:  maxPayload,
	}
}

// Replicas is the ledger stream's replication factor; sibling streams
// (lease jobs, checkpoints) use the same.
func (s *Store) Replicas() int { return s.replicas }

// Conn is the node's NATS connection (elections, cluster status).
func (s *Store) Conn() *nats.Conn { return s.nc }

// JetStream exposes the JetStream context for sibling streams (lease
// timers, checkpoints).
func (s *Store) JetStream() jetstream.JetStream { return s.js }

// SealInfo is the seal record: which seal protects the root key, how its
// unseal (or recovery) key is shared, and the wrapped root key itself. It
// is the last message on SubjectSeal; a rekey appends a new one.
type SealInfo struct {
	Type              string `json:"type"`
	SecretShares      int    `json:"secret_shares,omitempty"`
	SecretThreshold   int    `json:"secret_threshold,omitempty"`
	RecoveryShares    int    `json:"recovery_shares,omitempty"`
	RecoveryThreshold int    `json:"recovery_threshold,omitempty"`
	// RecoveryCheck is a value sealed under the recovery key, so recovery
	// shares can be verified without the recovery key being stored.
	RecoveryCheck []byte `json:"recovery_check,omitempty"`
	// WrappedRootKey is the root key as the seal wrapped it.
	WrappedRootKey []byte `json:"wrapped_root_key"`
}

// ErrNotInitialized reports a ledger without a seal record.
var ErrNotInitialized = errors.New("ledger: not initialized")

// ReadSealInfo returns the current seal record.
func (s *Store) ReadSealInfo(ctx context.Context) (SealInfo, error) {
	m, err := s.stream.GetLastMsgForSubject(ctx, SubjectSeal)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return SealInfo{}, ErrNotInitialized
	}
	if err != nil {
		return SealInfo{}, fmt.Errorf("ledger: read seal record: %w", err)
	}
	var info SealInfo
	if err := jsonUnmarshal(m.Data, &info); err != nil {
		return SealInfo{}, fmt.Errorf("%w: seal record: %v", ErrCorrupt, err)
	}
	return info, nil
}

// Initialized reports whether the ledger holds a wrapped root key.
func (s *Store) Initialized(ctx context.Context) (bool, error) {
	_, err := s.ReadSealInfo(ctx)
	if errors.Is(err, ErrNotInitialized) {
		return false, nil
	}
	return err == nil, err
}

// Init creates the root key and the first keyring term with a one-share
// seal (dev mode and tests); see InitWith.
func (s *Store) Init(ctx context.Context, seal Seal) error {
	return s.InitWith(ctx, seal, SealInfo{SecretShares: 1, SecretThreshold: 1})
}

// InitWith creates the root key and the first keyring term, records both
// (the root key wrapped by seal in the seal record, the keyring under the
// root key) and leaves the store unsealed. info describes the seal; its
// WrappedRootKey is filled in here.
func (s *Store) InitWith(ctx context.Context, seal Seal, info SealInfo) error {
	if ok, err := s.Initialized(ctx); err != nil {
		return err
	} else if ok {
		return errors.New("ledger: already initialized")
	}
	root := RandomKey()
	wrapped, err := seal.Wrap(root)
	if err != nil {
		return fmt.Errorf("ledger: wrap root key: %w", err)
	}
	info.Type, info.WrappedRootKey = seal.Type(), wrapped
	body, err := json.Marshal(info)
	if err != nil {
		return err
	}
	if _, err := s.js.Publish(ctx, SubjectSeal, body, jetstream.WithExpectLastSequence(0)); err != nil {
		return fmt.Errorf("ledger: record seal: %w", err)
	}
	rec := newKeyringRecord()
	if err := s.publishKeyring(ctx, root, rec, nil); err != nil {
		return err
	}
	return s.install(root, rec, seal.Type())
}

// Unseal recovers the root key with seal, loads the keyring and starts the
// writer.
func (s *Store) Unseal(ctx context.Context, seal Seal) error {
	info, err := s.ReadSealInfo(ctx)
	if err != nil {
		return err
	}
	root, err := seal.Unwrap(info.WrappedRootKey)
	if err != nil {
		return fmt.Errorf("ledger: unwrap root key: %w", err)
	}
	km, err := s.stream.GetLastMsgForSubject(ctx, SubjectKeyring)
	if err != nil {
		return fmt.Errorf("ledger: read keyring: %w", err)
	}
	rec, err := openKeyring(root, km.Data)
	if err != nil {
		return err
	}
	return s.install(root, rec, seal.Type())
}

// Rekey wraps the root key under a new seal and records the new seal
// record; the old unseal key stops working. The store must be unsealed.
func (s *Store) Rekey(ctx context.Context, seal Seal, info SealInfo) error {
	s.mu.RLock()
	root, w := s.rootKey, s.writer
	s.mu.RUnlock()
	if w == nil {
		return ErrSealed
	}
	wrapped, err := seal.Wrap(root)
	if err != nil {
		return fmt.Errorf("ledger: wrap root key: %w", err)
	}
	info.Type, info.WrappedRootKey = seal.Type(), wrapped
	body, err := json.Marshal(info)
	if err != nil {
		return err
	}
	if _, err := w.appendRaw(ctx, SubjectSeal, body); err != nil {
		return fmt.Errorf("ledger: record seal: %w", err)
	}
	return nil
}

// Seal forgets every key and stops the writer: nothing can be read or
// written until the next Unseal.
func (s *Store) Seal() {
	s.mu.Lock()
	w := s.writer
	clear(s.rootKey)
	s.rootKey, s.barrier, s.writer, s.keyring = nil, nil, nil, keyringRecord{}
	s.dataKeys.setBarrier(nil)
	s.mu.Unlock()
	if w != nil {
		w.close()
	}
	s.dataKeys.cache.Clear()
}

func (s *Store) install(root []byte, rec keyringRecord, sealType string) error {
	b, err := newBarrier(rec)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rootKey, s.keyring, s.barrier, s.sealType = root, rec, b, sealType
	s.dataKeys.setBarrier(b)
	if s.writer == nil {
		info, err := s.stream.Info(context.Background())
		if err != nil {
			return fmt.Errorf("ledger: stream info: %w", err)
		}
		s.writer = newWriter(s, info.State.LastSeq)
	}
	return nil
}

// Sealed reports whether the keys are not loaded.
func (s *Store) Sealed() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.barrier == nil
}

// SealType is the type of the seal that unsealed the store.
func (s *Store) SealType() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sealType
}

// Barrier returns the keyring's barrier, or nil while sealed.
func (s *Store) Barrier() *Barrier {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.barrier
}

// UnsealedBarrier returns the keyring's barrier, or ErrSealed while
// sealed: what a reader that must open sealed values needs.
func (s *Store) UnsealedBarrier() (*Barrier, error) {
	if b := s.Barrier(); b != nil {
		return b, nil
	}
	return nil, ErrSealed
}

// Writer returns the group-commit writer, or nil while sealed.
func (s *Store) Writer() *Writer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.writer
}

// DataKeys returns the bucket of erasable data keys.
func (s *Store) DataKeys() *DataKeys { return s.dataKeys }

// Rotate adds a keyring term; new messages use it, old ones still decrypt.
// It returns the new term number.
func (s *Store) Rotate(ctx context.Context) (uint32, error) {
	s.mu.RLock()
	root, rec, w := s.rootKey, s.keyring, s.writer
	s.mu.RUnlock()
	if w == nil {
		return 0, ErrSealed
	}
	next := rec.withNewTerm()
	if err := s.publishKeyring(ctx, root, next, w); err != nil {
		return 0, err
	}
	if err := s.applyKeyring(next); err != nil {
		return 0, err
	}
	return next.Terms[len(next.Terms)-1].Number, nil
}

func (s *Store) applyKeyring(rec keyringRecord) error {
	b, err := newBarrier(rec)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(rec.Terms) <= len(s.keyring.Terms) {
		return nil // already have it (our own rotation, seen again by the projector)
	}
	s.keyring = rec
	// Swap the barrier's contents in place so holders of *Barrier see the
	// new term.
	s.barrier.mu.Lock()
	s.barrier.active, s.barrier.terms, s.barrier.created = b.active, b.terms, b.created
	s.barrier.mu.Unlock()
	return nil
}

var keyringAAD = []byte("coffer-keyring")

func (s *Store) publishKeyring(ctx context.Context, root []byte, rec keyringRecord, w *Writer) error {
	sealed, err := sealWithKey(root, keyringAAD, marshalKeyring(rec))
	if err != nil {
		return err
	}
	if w != nil {
		_, err = w.appendRaw(ctx, SubjectKeyring, sealed)
	} else {
		_, err = s.js.Publish(ctx, SubjectKeyring, sealed)
	}
	if err != nil {
		return fmt.Errorf("ledger: record keyring: %w", err)
	}
	return nil
}

func openKeyring(root, sealed []byte) (keyringRecord, error) {
	pt, err := openWithKey(root, keyringAAD, sealed)
	if err != nil {
		return keyringRecord{}, fmt.Errorf("ledger: open keyring: %w", err)
	}
	var rec keyringRecord
	if err := jsonUnmarshal(pt, &rec); err != nil {
		return keyringRecord{}, fmt.Errorf("%w: keyring: %v", ErrCorrupt, err)
	}
	return rec, nil
}

// LastSeq is the stream's last stored sequence.
func (s *Store) LastSeq(ctx context.Context) (uint64, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("ledger: stream info: %w", err)
	}
	return info.State.LastSeq, nil
}

// Decode turns a stored message into records. Seal messages yield none;
// keyring messages update the barrier (a rotation made by another node) and
// yield none.
func (s *Store) Decode(m Message) ([]Record, error) {
	switch m.Subject {
	case SubjectSeal:
		return nil, nil
	case SubjectKeyring:
		s.mu.RLock()
		root := s.rootKey
		s.mu.RUnlock()
		if root == nil {
			return nil, ErrSealed
		}
		rec, err := openKeyring(root, m.Data)
		if err != nil {
			return nil, err
		}
		return nil, s.applyKeyring(rec)
	case SubjectBatch, SubjectAudit:
	default:
		return nil, nil
	}
	b := s.Barrier()
	if b == nil {
		return nil, ErrSealed
	}
	pt, err := b.Open(batchAAD(m.Subject, m.MsgID), m.Data)
	if err != nil {
		return nil, fmt.Errorf("seq %d: %w", m.Seq, err)
	}
	events, err := decodeBatch(pt)
	if err != nil {
		return nil, fmt.Errorf("seq %d: %w", m.Seq, err)
	}
	recs := make([]Record, len(events))
	for i, e := range events {
		recs[i] = Record{Event: e, Seq: m.Seq, Pos: i, Stored: m.Stored}
	}
	return recs, nil
}

func batchAAD(subject, msgID string) []byte {
	return []byte(subject + "\x00" + msgID)
}

// Consume delivers every stored message from seq `from` on, in order, to fn
// until ctx ends or fn fails. It uses an ordered consumer, which recreates
// itself after gaps or server restarts; Consume also binds anew (from the
// next sequence it has not delivered) when the storage guard restarted
// JetStream or the iterator failed, so a reader of the ledger outlives a
// full disk without waiting for missed heartbeats.
func (s *Store) Consume(ctx context.Context, from uint64, fn func(Message) error) error {
	next := max(from, 1)
	for {
		err := s.consumeFrom(ctx, next, func(m Message) error {
			if err := fn(m); err != nil {
				return err
			}
			next = m.Seq + 1
			return nil
		})
		var failed *consumerFailure
		if !errors.As(err, &failed) {
			return err
		}
		t := time.NewTimer(200 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		s.awaitMetaLeader(ctx)
	}
}

// consumerFailure is an error of the consumer, not of fn: Consume binds
// again.
type consumerFailure struct{ err error }

func (e *consumerFailure) Error() string { return e.err.Error() }
func (e *consumerFailure) Unwrap() error { return e.err }

func (s *Store) consumeFrom(ctx context.Context, from uint64, fn func(Message) error) error {
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy}
	if from > 1 {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = from
	}
	cons, err := s.js.OrderedConsumer(ctx, StreamName, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &consumerFailure{fmt.Errorf("ledger: consumer: %w", err)}
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(512))
	if err != nil {
		return &consumerFailure{fmt.Errorf("ledger: consume: %w", err)}
	}
	recovered := s.guard.recovery()
	// The consumer lives on the stream's leader: when another is elected
	// it is bound again at once, rather than after its missed
	// heartbeats.
	elected := s.signals().leader.C()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
		case <-recovered:
		case <-elected:
		case <-stop:
		}
		it.Stop()
	}()
	var opts []jetstream.NextOpt
	if s.stream.CachedInfo().Config.AllowMsgTTL {
		opts = append(opts, jetstream.NextMaxWait(gapCheck))
	}
	for {
		msg, err := it.Next(opts...)
		if errors.Is(err, nats.ErrTimeout) {
			if gap, ok := s.expiredTail(ctx, from); ok {
				if err := fn(gap); err != nil {
					return err
				}
				from = gap.Seq + 1
			}
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &consumerFailure{fmt.Errorf("ledger: next message: %w", err)}
		}
		md, err := msg.Metadata()
		if err != nil {
			return &consumerFailure{fmt.Errorf("ledger: message metadata: %w", err)}
		}
		m := Message{Seq: md.Sequence.Stream, Subject: msg.Subject(), MsgID: msg.Headers().Get(jetstream.MsgIDHeader), Data: msg.Data(), Stored: md.Timestamp}
		if err := fn(m); err != nil {
			it.Stop()
			return err
		}
		from = m.Seq + 1
	}
}

// gapCheck is how long Consume waits for a message before it looks for
// an expired tail.
const gapCheck = time.Second

// expiredTail reports, when the stream's last messages from `from` on
// have all aged out (audit records past their retention), a message
// with no subject at the stream's last sequence: decoded, it yields
// nothing, and a reader that waits for the last sequence to be applied
// (WaitApplied, a re-syncing writer) moves past what no longer exists.
// Sequences never come back once deleted, so nothing is skipped: it
// reports only when no stored message is at or after from up to last.
func (s *Store) expiredTail(ctx context.Context, from uint64) (Message, bool) {
	last, err := s.LastSeq(ctx)
	if err != nil || last < from {
		return Message{}, false
	}
	m, err := s.stream.GetMsg(ctx, from, jetstream.WithGetMsgSubject(subjectsAll))
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
	case err != nil || m.Sequence <= last:
		return Message{}, false
	}
	return Message{Seq: last}, true
}

// Get reads one stored message by sequence. A sequence whose message
// aged out (an audit message past its retention) reads as a message with
// no subject, which decodes to nothing, stored when the next stored
// message was (stored times stay ordered, so a search by time still
// holds); on a stream that allows no TTL a missing message is an error.
func (s *Store) Get(ctx context.Context, seq uint64) (Message, error) {
	raw, err := s.stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		if gap, ok := s.expired(ctx, seq); ok {
			return gap, nil
		}
	}
	if err != nil {
		return Message{}, fmt.Errorf("ledger: get %d: %w", seq, err)
	}
	return Message{Seq: raw.Sequence, Subject: raw.Subject, MsgID: raw.Header.Get(jetstream.MsgIDHeader), Data: raw.Data, Stored: raw.Time}, nil
}

// expired reports seq as aged out when the stream allows TTLs and seq is
// within it (see Get).
func (s *Store) expired(ctx context.Context, seq uint64) (Message, bool) {
	info, err := s.stream.Info(ctx)
	if err != nil || !info.Config.AllowMsgTTL || seq == 0 || seq > info.State.LastSeq {
		return Message{}, false
	}
	gap := Message{Seq: seq, Stored: info.State.LastTime}
	if next, err := s.stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subjectsAll)); err == nil {
		gap.Stored = next.Time
	}
	return gap, true
}

// Close stops the writer. The connection belongs to the caller.
func (s *Store) Close() {
	s.mu.Lock()
	w := s.writer
	s.mu.Unlock()
	if w != nil {
		w.close()
	}
	s.dataKeys.close()
	s.guard.close()
}
