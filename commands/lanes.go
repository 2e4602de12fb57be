package commands

import (
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/cofferhq/coffer/ledger"
)

// Fairness under contention. Commands on one aggregate race: each decides
// on the state it read and the writer accepts the first, refusing the
// others with ErrConflict. Retrying at once lets the same lucky callers
// win again, and a caller that keeps losing ran out of attempts (seen with
// eight writers on one KV path). So a command that lost once enters its
// aggregate's lane, a mutex that only losers and the commands arriving
// while losers wait take: inside it decisions follow one another and only
// a newcomer can still win a race against it, once, before it queues too.

type lane struct {
	mu      sync.Mutex
	waiting atomic.Int32
}

// lanes stripes aggregates over a fixed set of lanes; two aggregates
// sharing one only queue behind each other while both are contended.
type lanes struct {
	once sync.Once
	seed maphash.Seed
	set  [64]lane
}

// of is the lane of the first aggregate events write to.
func (ls *lanes) of(events []ledger.Event) *lane {
	ls.once.Do(func() { ls.seed = maphash.MakeSeed() })
	key := ""
	for i := range events {
		if events[i].Kind != "" {
			key = events[i].AggregateKey()
			break
		}
	}
	return &ls.set[maphash.String(ls.seed, key)%uint64(len(ls.set))]
}

func (l *lane) busy() bool { return l.waiting.Load() > 0 }

func (l *lane) enter() *lane {
	l.waiting.Add(1)
	l.mu.Lock()
	return l
}

func (l *lane) leave() {
	if l != nil {
		l.mu.Unlock()
		l.waiting.Add(-1)
	}
}
