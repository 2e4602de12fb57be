// Package lease runs leases: issuing them around an engine's side effect,
// renewing and revoking them on request, and the two background loops that
// make expiry real.
//
//   - The scheduler scans the front of the expiry index (never the whole
//     lease table) a few times a second and appends lease.expired for each
//     lease whose time has come, in one group-committed append, then
//     enqueues a revocation job for each.
//   - The reaper is a durable JetStream consumer of those jobs (work-queue
//     stream COFFER_REAPER, explicit ack). It revokes through the engine's
//     Revoker, appends lease.revoked only after the credential is gone, and
//     on failure appends lease.revocation_failed and asks for redelivery
//     with exponential backoff. It never gives up: a lease that keeps
//     failing stays pending and is listed and counted as irrevocable. Up
//     to Options.ReaperWorkers jobs run at once, so one unreachable
//     database does not hold up the leases of the others.
//
// A start-up sweep re-enqueues every lease still pending (expired while the
// server was down, or left between lease.pending and lease.issued by a
// crash); job ids dedupe within JetStream's window and revocation is
// idempotent, so a job enqueued twice is harmless.
package lease
