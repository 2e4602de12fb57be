// Package cubbyholestore is the read model of the cubbyhole engine: each
// token's entries, as sealed under its cubbyhole's data key. Layout, under
// "cub/<token hash>\x00":
//
//	m            the cubbyhole's data key id
//	e<entry>     an entry (named by the HMAC of its path), sealed
//
// Nothing here opens without the data key (commands/cubbyhole opens it);
// cubbyhole.erased drops the whole cubbyhole, and the key is destroyed.
package cubbyholestore
