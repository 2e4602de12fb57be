// Package kmstest runs a real KMS-compatible server (nsmithuk/local-kms)
// for tests: Start installs the pinned version on first use, starts it on a
// free port with a private data directory, and stops it at the end of the
// test. Stop and Restart let a test take KMS away and bring it back with
// its keys intact.
//
// The binary is built with `go install` from the module proxy into a
// temporary GOBIN and kept in the user cache directory
// (…/coffer-test/local-kms@<version>/), so only the first run on a machine
// pays for the build and CI needs no manual step. COFFER_LOCAL_KMS names a
// prebuilt binary instead. If the install fails the test is skipped, unless
// COFFER_REQUIRE_KMS is set, in which case it fails.
//
// local-kms listens on all interfaces (it takes only a port); tests talk
// to it through 127.0.0.1. It keeps no real secrets: its keys are made for
// the test and die with the temporary directory.
package kmstest
