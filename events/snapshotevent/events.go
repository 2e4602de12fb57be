package snapshotevent

import "github.com/cofferhq/coffer/ledger"

// Event types of projection snapshots.
const (
	EventTaken = "projections.snapshot_taken"

	// Schema is the payload layout version.
	Schema = 1
)

// Taken is the payload of projections.snapshot_taken. No aggregate orders
// it: snapshots are facts about the read models, not decisions.
type Taken struct {
	// Name is the snapshot's object name in the snapshot bucket.
	Name string `json:"name"`
	// Seq is the ledger index the snapshot's read models reflect.
	Seq uint64 `json:"seq"`
	// Digest is "sha256:<hex>" of the sealed snapshot's bytes.
	Digest string `json:"digest"`
	// Size is the sealed snapshot's length in bytes.
	Size int64 `json:"size"`
	// Node names the node that took it.
	Node string `json:"node"`
}

func init() {
	ledger.RegisterEventType(EventTaken, Schema, Taken{})
}
