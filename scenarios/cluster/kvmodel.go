package cluster

import (
	"fmt"
	"math"

	"github.com/anishathalye/porcupine"
)

// AmbiguousReturn is the return time of an operation whose outcome is
// unknown: it may take effect at any point after its call.
const AmbiguousReturn int64 = math.MaxInt64

// Op is what a client asked.
type Op struct {
	Key string
	// CAS is true for a check-and-set write of Value at version Expect;
	// false for a read.
	CAS    bool
	Expect uint64
	Value  string
}

// Outcome of a check-and-set.
type Outcome int

// The outcomes a client can see.
const (
	Applied Outcome = iota // 2xx: written at Version
	Refused                // the server said the version did not match
	Unknown                // no answer the client could trust
)

// Result is what the client got back: for a read the version and value
// it saw (0 and "" for a key never written); for a check-and-set its
// outcome and, when applied, the new version.
type Result struct {
	Outcome Outcome
	Version uint64
	Value   string
}

// state is one key's current version and value.
type state struct {
	Version uint64
	Value   string
}

// Model is KV v2 check-and-set and reads, partitioned by key.
var Model = porcupine.NondeterministicModel{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(Op).Key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() []any { return []any{state{}} },
	Step: func(st, input, output any) []any {
		s, in, out := st.(state), input.(Op), output.(Result)
		if !in.CAS {
			if out.Version == s.Version && out.Value == s.Value {
				return []any{s}
			}
			return nil
		}
		matches := s.Version == in.Expect
		next := state{Version: in.Expect + 1, Value: in.Value}
		switch out.Outcome {
		case Applied:
			if matches && out.Version == next.Version {
				return []any{next}
			}
		case Refused:
			if !matches {
				return []any{s}
			}
		case Unknown:
			if matches {
				return []any{next, s}
			}
			return []any{s}
		}
		return nil
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(Op), output.(Result)
		if !in.CAS {
			return fmt.Sprintf("get(%s) -> v%d %q", in.Key, out.Version, out.Value)
		}
		what := map[Outcome]string{Applied: fmt.Sprintf("ok v%d", out.Version), Refused: "refused", Unknown: "unknown"}[out.Outcome]
		return fmt.Sprintf("cas(%s, %d, %q) -> %s", in.Key, in.Expect, in.Value, what)
	},
	DescribeState: func(st any) string {
		s := st.(state)
		return fmt.Sprintf("v%d %q", s.Version, s.Value)
	},
}
