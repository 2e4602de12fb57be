// Package tests3 starts an S3 server for tests, on a loopback port,
// reached over S3's REST protocol as any S3 client reaches AWS.
//
// The server is gofakes3 (github.com/johannesboyne/gofakes3), an
// in-process implementation of S3's REST API over an in-memory backend.
// It is a test server, not S3: it does not check SigV4 signatures (any
// access key and secret are accepted, a wrong one too), and it
// implements conditional writes (If-None-Match: *) as S3 does since
// 2024. What the archive's tests prove against it is the wire protocol
// and the archive's own logic, not AWS's authentication.
//
// With COFFER_S3_WEED=/path/to/weed the same tests run against SeaweedFS
// (`weed server -s3`, Apache-2.0), a real S3-compatible server that does
// check SigV4 signatures; it is opt-in because `weed` is a large build
// that the test machines do not carry.
package tests3
