// Package userpass holds the userpass auth method's commands: pure decide
// functions that record a user (as engines/auth/userpass decided it from
// the request: password hashed, token fields parsed) or its deletion on
// the user's aggregate, and a Runner that loads the user from the read
// model and appends through the command bus.
package userpass
