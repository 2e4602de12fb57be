package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ExternalConfig names an existing JetStream cluster and how to log in to
// it. At most one of CredsFile, User/Password and NkeySeedFile is set.
type ExternalConfig struct {
	URLs         []string
	CredsFile    string
	User         string
	Password     string
	NkeySeedFile string
	// CAFile verifies the servers; CertFile and KeyFile are the client
	// certificate.
	CAFile, CertFile, KeyFile string
	// Name is the connection's name as the servers show it.
	Name string
}

// ConnectExternal connects to an external NATS cluster. The connection
// reconnects forever; the caller closes it.
func ConnectExternal(cfg ExternalConfig) (*nats.Conn, error) {
	if len(cfg.URLs) == 0 {
		return nil, errors.New("ledger: external nats: no urls")
	}
	opts := []nats.Option{nats.Name(cmpOr(cfg.Name, "coffer")), nats.MaxReconnects(-1), nats.RetryOnFailedConnect(false)}
	switch {
	case cfg.CredsFile != "":
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	case cfg.User != "":
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
	case cfg.NkeySeedFile != "":
		o, err := nats.NkeyOptionFromSeed(cfg.NkeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("ledger: external nats: nkey seed file: %w", err)
		}
		opts = append(opts, o)
	}
	if cfg.CAFile != "" {
		opts = append(opts, nats.RootCAs(cfg.CAFile))
	}
	if cfg.CertFile != "" {
		opts = append(opts, nats.ClientCert(cfg.CertFile, cfg.KeyFile))
	}
	nc, err := nats.Connect(strings.Join(cfg.URLs, ","), opts...)
	if err != nil {
		// The error names the server, never the password.
		return nil, fmt.Errorf("ledger: connect to external nats: %w", err)
	}
	return nc, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ErrStreamSettings reports an existing ledger stream whose settings differ
// from what the ledger requires; Coffer never changes such a stream.
var ErrStreamSettings = errors.New("ledger: the existing ledger stream has settings Coffer cannot use")

// bindExternal creates the ledger stream on an external cluster if it does
// not exist, and otherwise checks its settings without changing them.
func bindExternal(ctx context.Context, js jetstream.JetStream, want jetstream.StreamConfig) (jetstream.Stream, error) {
	stream, err := js.Stream(ctx, want.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return js.CreateStream(ctx, want)
	}
	if err != nil {
		return nil, err
	}
	if problems := streamProblems(stream.CachedInfo().Config, want); len(problems) > 0 {
		return nil, fmt.Errorf("%w: stream %s: %s (left unchanged: fix it with `nats stream edit`, or start on an empty account)",
			ErrStreamSettings, want.Name, strings.Join(problems, "; "))
	}
	return stream, nil
}

// streamProblems lists each setting of have that would break the ledger's
// guarantees: durability, immutability, dedupe of retried publishes and
// the replication asked for. Pure, for tests.
func streamProblems(have, want jetstream.StreamConfig) []string {
	var p []string
	if have.Storage != jetstream.FileStorage {
		p = append(p, fmt.Sprintf("storage is %s, want file", strings.ToLower(have.Storage.String())))
	}
	if !have.DenyDelete {
		p = append(p, "deny_delete is off, want on (the ledger is append-only)")
	}
	if !have.DenyPurge {
		p = append(p, "deny_purge is off, want on (the ledger is append-only)")
	}
	if have.Duplicates < want.Duplicates {
		p = append(p, fmt.Sprintf("duplicate window is %s, want at least %s (retried publishes must dedupe)", have.Duplicates, want.Duplicates))
	}
	if have.Replicas != want.Replicas {
		p = append(p, fmt.Sprintf("replicas is %d, want %d", have.Replicas, want.Replicas))
	}
	if have.Retention != jetstream.LimitsPolicy {
		p = append(p, fmt.Sprintf("retention is %s, want limits", strings.ToLower(have.Retention.String())))
	}
	if have.MaxAge != 0 || have.MaxMsgs > 0 || have.MaxBytes > 0 || have.MaxMsgsPerSubject > 0 {
		p = append(p, "a max age, message, byte or per-subject limit is set, want none (nothing may age out of the ledger)")
	}
	if want.AllowMsgTTL && !have.AllowMsgTTL {
		p = append(p, "allow_msg_ttl is off, want on (audit_retention ages audit records out with per-message TTLs)")
	}
	if !subjectsCover(have.Subjects, subjectsAll) {
		p = append(p, fmt.Sprintf("subjects %v do not include %s", have.Subjects, subjectsAll))
	}
	return p
}

func subjectsCover(subjects []string, want string) bool {
	for _, s := range subjects {
		if s == want || s == ">" || s == "coffer.>" {
			return true
		}
	}
	return false
}

// formingRetry is the pause between attempts while a cluster forms.
const (
	formingRetry   = 250 * time.Millisecond
	formingAttempt = 3 * time.Second
)

// whileForming runs fn until it succeeds, retrying for up to wait while
// the JetStream cluster is still forming (no meta leader, too few peers
// for the replicas). A settings error is never retried.
func whileForming(ctx context.Context, wait time.Duration, fn func(context.Context) error) error {
	deadline := time.Now().Add(wait)
	attempt := apiTimeout
	if wait > 0 {
		// A request sent before the meta leader exists may go unanswered:
		// ask again soon rather than wait out the whole API timeout.
		attempt = formingAttempt
	}
	for {
		actx, cancel := context.WithTimeout(ctx, attempt)
		err := fn(actx)
		cancel()
		if err == nil || errors.Is(err, ErrStreamSettings) || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(formingRetry)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// StreamInfo is the ledger stream's state and, in a cluster, its leader
// and replicas with their lag (sys/ha-status).
func (s *Store) StreamInfo(ctx context.Context) (*jetstream.StreamInfo, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("ledger: stream info: %w", err)
	}
	return info, nil
}
