// Package apierror is the one catalogue of the errors a client may see:
// each is declared once, next to the domain rule that raises it, with a
// stable code, the HTTP status and the message Vault answers with. The
// gateway renders any error whose chain holds one; nothing else maps
// domain errors to statuses, and Vault's wording is written once.
//
// Codes are unique across the project (New panics on a duplicate) and
// grouped by area; docs/errors.md lists them all and a test keeps it
// current:
//
//	1000-1099  framework and gateway     4000-4999  leases
//	1100-1199  mounts                    5000-5999  transit
//	1200-1299  policies                  6000-6999  database
//	1300-1399  audit devices             7000-7999  pki
//	2000-2999  kv                        8000-8999  auth methods
//	3000-3999  tokens                    9000-9999  events and ledger
//
// It imports nothing of Coffer's, so every layer may use it.
package apierror
