package token

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
)

func node(hash string, version uint64, parent string, children ...*Node) *Node {
	return &Node{Token: &tokenevent.Token{Hash: hash, Version: version, Accessor: "acc-" + hash, Parent: parent}, Children: children}
}

func decodeRevoked(t *testing.T, ev ledger.Event) tokenevent.Revoked {
	t.Helper()
	require.Equal(t, tokenevent.EventRevoked, ev.Type)
	var r tokenevent.Revoked
	require.NoError(t, json.Unmarshal(ev.Data, &r))
	return r
}

func TestDecideRevokeTreeOrdersChildrenFirst(t *testing.T) {
	//        a
	//      /   \
	//     b     c
	//    / \     \
	//   d   e     f
	tree := node("a", 1, "",
		node("b", 3, "a", node("d", 1, "b"), node("e", 2, "b")),
		node("c", 1, "a", node("f", 5, "c")))
	events := DecideRevokeTree([]*Node{tree}, tokenevent.ReasonRevoked)
	require.Len(t, events, 6)

	pos := map[string]int{}
	for i, ev := range events {
		pos[ev.Aggregate] = i
		assert.Equal(t, tokenevent.Kind, ev.Kind)
	}
	for child, parent := range map[string]string{"b": "a", "c": "a", "d": "b", "e": "b", "f": "c"} {
		assert.Less(t, pos[child], pos[parent], "%s must be revoked before its parent %s", child, parent)
	}
	assert.Equal(t, "a", events[len(events)-1].Aggregate, "the target comes last")

	versions := map[string]uint64{}
	for _, ev := range events {
		versions[ev.Aggregate] = ev.Version
	}
	assert.Equal(t, map[string]uint64{"a": 2, "b": 4, "c": 2, "d": 2, "e": 3, "f": 6}, versions, "each event is fenced on its token's version")

	root := decodeRevoked(t, events[len(events)-1])
	assert.Equal(t, tokenevent.ReasonRevoked, root.Reason)
	assert.Equal(t, "a", root.Target)
	assert.ElementsMatch(t, []string{"acc-a", "acc-b", "acc-c", "acc-d", "acc-e", "acc-f"}, root.Accessors)
	for _, ev := range events[:len(events)-1] {
		r := decodeRevoked(t, ev)
		assert.Equal(t, tokenevent.ReasonParentRevoked, r.Reason)
		assert.Equal(t, "a", r.Target)
		assert.Equal(t, "acc-"+ev.Aggregate, r.Accessor)
		assert.Empty(t, r.Accessors)
	}
}

func TestDecideRevokeTreeForest(t *testing.T) {
	events := DecideRevokeTree([]*Node{node("x", 1, "gone", node("y", 1, "x")), node("z", 2, "gone")}, tokenevent.ReasonParentRevoked)
	var order []string
	for _, ev := range events {
		order = append(order, ev.Aggregate)
	}
	assert.Equal(t, []string{"y", "x", "z"}, order)
	assert.Equal(t, []string{"acc-y", "acc-x"}, decodeRevoked(t, events[1]).Accessors)
	assert.Equal(t, []string{"acc-z"}, decodeRevoked(t, events[2]).Accessors)
	assert.Empty(t, DecideRevokeTree(nil, tokenevent.ReasonRevoked))
}

func TestDecideRevokeOrphan(t *testing.T) {
	target := &tokenevent.Token{Hash: "p", Version: 2, Accessor: "acc-p", Parent: "gp"}
	kids := []*tokenevent.Token{{Hash: "c1", Version: 1, Parent: "p"}, {Hash: "c2", Version: 4, Parent: "p"}}
	events := DecideRevokeOrphan(target, kids)
	require.Len(t, events, 3)
	for i, want := range []struct {
		typ, agg string
		ver      uint64
	}{{tokenevent.EventOrphaned, "c1", 2}, {tokenevent.EventOrphaned, "c2", 5}, {tokenevent.EventRevoked, "p", 3}} {
		assert.Equal(t, want.typ, events[i].Type)
		assert.Equal(t, want.agg, events[i].Aggregate)
		assert.Equal(t, want.ver, events[i].Version)
	}
	var o tokenevent.Orphaned
	require.NoError(t, json.Unmarshal(events[0].Data, &o))
	assert.Equal(t, "p", o.FormerParent)
	r := decodeRevoked(t, events[2])
	assert.Equal(t, tokenevent.ReasonRevokeOrphan, r.Reason)
	assert.Equal(t, []string{"acc-p"}, r.Accessors)
}
