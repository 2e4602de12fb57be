package cluster

import (
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/require"
)

func read(client int, call, ret int64, key string, version uint64, value string) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Call: call, Return: ret, Input: Op{Key: key}, Output: Result{Version: version, Value: value}}
}

func cas(client int, call, ret int64, key string, expect uint64, value string, out Outcome, version uint64) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Call: call, Return: ret, Input: Op{Key: key, CAS: true, Expect: expect, Value: value}, Output: Result{Outcome: out, Version: version}}
}

// TestModel: the checker must be able to fail. A stale read after an
// acknowledged write, a refusal at the matching version and two writers
// both winning one version are illegal; an ambiguous write may be seen
// or not, even by reads long after its client gave up.
func TestModel(t *testing.T) {
	m := Model.ToModel()
	for _, tc := range []struct {
		name    string
		history []porcupine.Operation
		want    porcupine.CheckResult
	}{
		{"write then read", []porcupine.Operation{
			cas(0, 0, 10, "k", 0, "a", Applied, 1), read(1, 11, 20, "k", 1, "a"),
		}, porcupine.Ok},
		{"stale read after the ack", []porcupine.Operation{
			cas(0, 0, 10, "k", 0, "a", Applied, 1), read(1, 11, 20, "k", 0, ""),
		}, porcupine.Illegal},
		{"concurrent read may miss it", []porcupine.Operation{
			cas(0, 0, 10, "k", 0, "a", Applied, 1), read(1, 5, 8, "k", 0, ""),
		}, porcupine.Ok},
		{"refused at the matching version", []porcupine.Operation{
			cas(0, 0, 10, "k", 0, "a", Applied, 1), cas(1, 11, 20, "k", 1, "b", Refused, 0),
		}, porcupine.Illegal},
		{"two winners of one version", []porcupine.Operation{
			cas(0, 0, 10, "k", 0, "a", Applied, 1), cas(1, 0, 10, "k", 0, "b", Applied, 1),
		}, porcupine.Illegal},
		{"ambiguous write seen later", []porcupine.Operation{
			cas(0, 0, AmbiguousReturn, "k", 0, "a", Unknown, 0), read(1, 50, 60, "k", 0, ""), read(1, 100, 110, "k", 1, "a"),
		}, porcupine.Ok},
		{"ambiguous write never seen", []porcupine.Operation{
			cas(0, 0, AmbiguousReturn, "k", 0, "a", Unknown, 0), cas(1, 50, 60, "k", 0, "b", Applied, 1), read(1, 100, 110, "k", 1, "b"),
		}, porcupine.Ok},
		{"seen, then unseen", []porcupine.Operation{
			cas(0, 0, AmbiguousReturn, "k", 0, "a", Unknown, 0), read(1, 50, 60, "k", 1, "a"), read(1, 100, 110, "k", 0, ""),
		}, porcupine.Illegal},
		{"keys are independent", []porcupine.Operation{
			cas(0, 0, 10, "a", 0, "x", Applied, 1), read(1, 11, 20, "b", 0, ""),
		}, porcupine.Ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, porcupine.CheckOperationsTimeout(m, tc.history, 0))
		})
	}
}
