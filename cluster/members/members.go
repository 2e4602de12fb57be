package members

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go"
)

// Subject is where nodes are asked. It is outside coffer.> so no stream
// captures it, and names nothing.
const Subject = "_coffer.cluster.members"

// ErrSealed: this node cannot seal or open answers now.
var ErrSealed = errors.New("members: sealed")

// Member is one node's report of itself.
type Member struct {
	NodeID  string `json:"node_id"`
	APIAddr string `json:"api_address"`
	// Applied is the last ledger index its projections reflect.
	Applied uint64 `json:"applied_index"`
	// Leading is true on the node that runs the singletons.
	Leading bool `json:"leading"`
}

// Sealer is the barrier (ledger.Barrier): answers are sealed under the
// cluster's keys.
type Sealer interface {
	Seal(aad, plaintext []byte) []byte
	Open(aad, sealed []byte) ([]byte, error)
}

// Serve answers requests on Subject with self() until ctx ends. barrier
// returns nil while the node is sealed; it then stays silent.
func Serve(ctx context.Context, nc *nats.Conn, barrier func() Sealer, self func() Member) error {
	sub, err := Answer(nc, barrier, self)
	if err != nil {
		return err
	}
	<-ctx.Done()
	_ = sub.Unsubscribe()
	return nil
}

// Answer is Serve without the wait: it returns once the subscription is
// made; the caller unsubscribes.
func Answer(nc *nats.Conn, barrier func() Sealer, self func() Member) (*nats.Subscription, error) {
	sub, err := nc.Subscribe(Subject, func(m *nats.Msg) {
		b := barrier()
		if b == nil || m.Reply == "" || len(m.Data) == 0 || len(m.Data) > 64 {
			return
		}
		body, err := json.Marshal(self())
		if err != nil {
			return
		}
		_ = m.Respond(b.Seal(aad(m.Data), body))
	})
	if err != nil {
		return nil, fmt.Errorf("members: serve: %w", err)
	}
	// The server has the subscription once the flush returns: a
	// request sent next finds it.
	if err := nc.Flush(); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("members: serve: %w", err)
	}
	return sub, nil
}

// Gather asks every node and returns the answers that arrive within wait,
// or as soon as expect have (expect <= 0 waits the whole time), sorted by
// node id. A node that answered twice (an old and a new process under one
// id) counts once, with its highest index.
func Gather(ctx context.Context, nc *nats.Conn, b Sealer, wait time.Duration, expect int) ([]Member, error) {
	if b == nil {
		return nil, ErrSealed
	}
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	nonce := []byte(hex.EncodeToString(raw[:]))
	inbox := nc.NewRespInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		return nil, fmt.Errorf("members: gather: %w", err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := nc.PublishRequest(Subject, inbox, nonce); err != nil {
		return nil, fmt.Errorf("members: gather: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	seen := map[string]Member{}
	for expect <= 0 || len(seen) < expect {
		m, err := sub.NextMsgWithContext(ctx)
		if err != nil {
			break // the wait is over: what answered is the answer
		}
		body, err := b.Open(aad(nonce), m.Data)
		if err != nil {
			continue // not sealed for this request (a replay, another keyring term)
		}
		var mb Member
		if json.Unmarshal(body, &mb) != nil || mb.NodeID == "" {
			continue
		}
		if old, ok := seen[mb.NodeID]; !ok || mb.Applied > old.Applied {
			seen[mb.NodeID] = mb
		}
	}
	out := make([]Member, 0, len(seen))
	for _, m := range seen {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NodeID < out[j].NodeID })
	return out, nil
}

func aad(nonce []byte) []byte { return append([]byte("coffer-members\x00"), nonce...) }
