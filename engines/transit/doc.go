// Package transit is the transit secrets engine: encryption as a service
// with named, versioned keys, speaking Vault's transit API (keys, config,
// rotate, trim, export, encrypt, decrypt, rewrap, datakey, sign, verify,
// hmac, random, hash), with Vault's ciphertext format
// "vault:v<N>:base64(nonce || ciphertext || tag)".
//
// # Hot path
//
// encrypt, decrypt, rewrap, datakey, sign, verify and hmac never touch the
// ledger: they append no event (the gateway writes the audit record) and
// read the key from an in-memory cache of opened keys (keyCache), one
// entry per key of the mount. An entry is dropped when a transit event of
// its key is applied (a projector observer), and at once by this node's
// own key commands, so a rotate is seen by the next request.
//
// # Key management
//
// Key commands (create, config, rotate, trim, delete) run through the
// command bus (commands/transit), which keeps key material sealed under a
// per-key data key and erases it on delete and trim.
//
// # Auto-rotation
//
// Keys with auto_rotate_period are rotated by a timer the backend starts
// (AutoRotateInterval), each rotation a transit.key_rotated event marked
// auto. Every node runs the timer; optimistic concurrency turns the losing
// nodes' rotations into no-ops. When the lease scheduler exists (issue 4),
// it takes this over and the timer goes away.
//
// # Limits
//
// batch_input holds at most MaxBatchItems items; a larger batch is
// refused whole with 400 before any item is processed. Random bytes are
// limited to MaxRandomBytes, as Vault limits them.
package transit
