package revocation

// CRL numbers come from the mount's revocation counter n, which every
// revocation and rotation advances in the read model, so every node
// numbers alike without recording each build. Complete and delta CRLs
// share one sequence (RFC 5280 5.2.3), so the counter is spread over two
// slots: odd numbers for CRLs built from the live list, even ones for
// the complete CRL an auto-rebuilding mount pinned at its last rotation
// (counter b).
//
//   - without auto_rebuild, the complete CRL is 2n+1: a revocation or a
//     rotation advances it;
//   - with auto_rebuild, the complete CRL is 2b and the delta 2n+1 > 2b
//     (n >= b); the next rotation pins b' = n'+1, so 2b' exceeds every
//     delta before it. Switching modes rotates (DecideCRLConfig), which
//     keeps the numbers growing across the switch.

// LiveNumber is the number of a CRL built from the live revocation list:
// a complete CRL without auto_rebuild, a delta CRL with it.
func LiveNumber(counter int64) int64 { return 2*counter + 1 }

// PinnedNumber is the number of an auto-rebuilding mount's complete CRL,
// pinned at the rotation that left the counter at base.
func PinnedNumber(base int64) int64 { return 2 * base }
