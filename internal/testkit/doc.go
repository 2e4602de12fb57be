// Package testkit is the one kit Coffer's tests share: polling instead of
// sleeping (CheckFor), a settable clock (Clock), a logger that is quiet
// unless COFFER_TEST_LOG is set (Log), a harness that calls a backend's
// paths exactly as the gateway does (Mount), and HashiCorp's Vault client
// pointed at a server (VaultClient). The embedded ledger and the
// throw-away PostgreSQL have their own packages, internal/ledgertest and
// internal/testpg; testkit builds on the first.
//
// Only tests import it; it may import any Coffer package below the
// gateway, so a package's own (internal) tests can use it without a cycle.
package testkit
