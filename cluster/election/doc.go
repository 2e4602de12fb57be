// Package election elects the one node of a cluster that runs the
// singletons (lease scheduler, checkpointer, data-key eraser, transit
// auto-rotation) through a lease in a JetStream key-value bucket.
//
// The lease is one key in a bucket whose entries age out after TTL
// (JetStream's MaxAge). A node takes it with Create (which succeeds only
// when the key is absent) and keeps it by updating it every TTL/3 against
// the revision it last wrote (compare-and-set), so two nodes can never
// both renew it. The revision is the fencing token: it grows with every
// change of holder and every renewal.
//
// A leader that cannot renew (cut off from the JetStream quorum) stops
// leading before its lease can have expired anywhere: it measures from the
// moment it sent its last successful renewal, which precedes the server's
// timestamp of that write, and steps down TTL/3 early. Its singletons'
// contexts are cancelled and waited for before it campaigns again. A node
// that stops cleanly deletes the key (against its revision), so another
// node takes over at once; after a crash the others wait out the TTL.
//
// A bucket rather than a consumer's leadership: the holder and its token
// can be read by every node (sys/ha-status), a clean hand-over is one
// delete, and the failover bound is the TTL, chosen here (DefaultTTL:
// about 6-8 s from a crash to the successor leading).
package election
