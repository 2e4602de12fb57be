// Package authevent holds what the auth methods' event schemas share: the
// common token fields of a role or user (Vault's tokenutil.TokenParams)
// and the token type a login asks for. The methods' own schemas
// (approleevent, userpassevent, kubernetesevent) embed them; the engines'
// tokenparams and authkit packages alias these types, so a role read from
// the ledger is the very value the login decides with.
package authevent
