// Package kmsseal is the AWS KMS seal ("awskms"): the root key is encrypted
// by a KMS key at init and decrypted by it at every start, so a server
// unseals itself as long as it can reach KMS and is allowed to use the key.
//
// # Envelope
//
// Wrap calls KMS Encrypt on the 32-byte root key directly rather than
// generating a data key and encrypting locally: the root key already is a
// key-encrypting key, a second layer would protect nothing more, and KMS
// accepts up to 4 KiB of plaintext. Every call carries the encryption
// context {"coffer:purpose": "root-key"}, which KMS binds to the ciphertext
// and records in CloudTrail, so the ciphertext cannot be decrypted for any
// other purpose without saying so. The wrapped form stored in the ledger is
// a small JSON document holding the ciphertext and the ARN of the key that
// made it, so an operator who points the server at another key is told
// which key the ledger needs.
//
// # Failures
//
// A sealed server must say why it stays sealed. Errors are classified:
// ErrUnreachable (network failures, timeouts, KMS-side faults and
// throttling: wait and retry), ErrAccessDenied (no usable credentials, or
// the key policy or IAM refuses the call) and ErrBadKey (the key does not
// exist, is disabled or is not the key the ciphertext was made with).
// Retry runs the start-up unseal loop with capped exponential backoff and
// reports every failure to its caller, so a KMS outage delays unsealing
// rather than failing it.
package kmsseal
