// Package approle holds the AppRole auth method's commands: pure decide
// functions that turn a role or secret ID decision (made by
// engines/auth/approle from the request) into ledger events sequenced on
// the right aggregate, and a Runner that loads the state from the read
// model and appends through the command bus.
//
// A login with a limited secret ID appends SecretIDUsed against the
// secret ID's version: two concurrent logins with the last use conflict,
// the loser decides again on the exhausted state and is refused, so each
// use is counted exactly once.
package approle
