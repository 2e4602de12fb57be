// Package template renders the agent's templates: Go's text/template with
// consul-template's function map, so the templates Vault Agent documents
// (and vault-k8s annotations carry) render unchanged.
//
// Secrets: `secret "path"` reads (KV v1, KV v2 with .Data.data.x, dynamic
// credentials with .Data.username), `secret "path" "k=v" ...` writes (as
// consul-template does, e.g. to issue a certificate), `secrets "path"`
// lists, `pkiCert "pki/issue/role" "common_name=..."` issues a certificate
// exposed as .Cert, .Key, .CA, .CAChain (also under .Data). A template
// never talks to the server itself: it asks a Source, and Render returns
// the dependencies it used, which the caller watches.
//
// Helpers: env, envOrDefault, mustEnv, toJSON, toJSONPretty,
// toUnescapedJSON, toUnescapedJSONPretty, parseJSON, toYAML, parseYAML,
// base64Encode, base64Decode, base64URLEncode, base64URLDecode, toLower,
// toUpper, toTitle, trimSpace, trim, trimPrefix, trimSuffix, split, join,
// replaceAll, regexReplaceAll, regexMatch, contains, in, containsAll,
// containsAny, containsNone, containsNotAll, indent, parseBool,
// parseFloat, parseInt, parseUint, add, subtract, multiply, divide,
// modulo, minimum, maximum, sha256Hex, md5sum, timestamp, loop, file,
// executeTemplate, with consul-template's argument order (made for
// pipes: `{{ 10 | subtract 2 }}` is 8). Consul's own functions (key, ls,
// tree, service, ...) parse but fail with a message saying there is no
// Consul; sprig_* functions and writeToFile are not provided.
//
// Missing map keys render as "<no value>" unless error_on_missing_key is
// set, exactly as consul-template does.
package template
