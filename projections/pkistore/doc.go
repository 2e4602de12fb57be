// Package pkistore is the read model of the PKI secrets engine. Its events
// and records are in events/pkievent.
//
// Layout in pebble, all under "pki/<mount accessor>\x00":
//
//	m                      the mount aggregate (config, keys' public
//	                       records, issuers), JSON sealed by the barrier
//	p<key id>              the key's private key, sealed under the key's
//	                       own data key (pkievent.KeyAAD), copied from
//	                       the event as it is
//	r<hmac(role)>          a role: its name and policy.Role JSON, sealed
//	                       by the barrier; the key is the barrier's keyed
//	                       HMAC of mount and name, never the name
//	c<serial>              a certificate record, sealed by the barrier
//	n<serial>              a no_store issuance (serial, names, expiry; no
//	                       certificate), sealed by the barrier
//	a<kind>\x00<id>         an ACME object (account, order, authz, cert),
//	                       sealed by the barrier
//	t<thumbprint>          the ACME account id of an account key
//	x<issuer id>\x00<serial>  a revocation entry: the revocation time
//	                       (unix nanoseconds, big endian); public, as the
//	                       CRL publishes it
//
// Every sealed value is bound to its own pebble key (the AAD), so one
// record cannot be swapped for another. Apply functions never open a
// private key: a rebuild from the ledger works even though the data keys
// of deleted keys are gone.
package pkistore
