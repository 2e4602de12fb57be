// Package proxy is the agent's api_proxy: listeners (tcp, unix) that
// forward Vault API requests from local applications to the server.
//
// With use_auto_auth_token = true a request without a token gets the
// auto-auth token; with "force" the auto-auth token replaces whatever the
// client sent. With cache {} an answer that carries a lease (dynamic
// credentials) is kept and given again to an identical request (same
// method, path, query, body and token) until the lease ends, is revoked
// through the proxy (sys/leases/revoke, sys/revoke), or is cleared with
// POST /agent/v1/cache-clear {"type": "all"|"lease"|"token"|"request_path",
// "value": ...}. Unlike Vault Agent, the cache does not renew the leases
// it holds: an entry is dropped when its lease would end, so a client is
// never handed expired credentials.
package proxy
