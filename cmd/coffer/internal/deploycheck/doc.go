// Package deploycheck holds only tests: they load the repository's
// docker-compose.yml with compose-go (the Compose specification's own Go
// loader; there is no Docker engine to run it on here) and check it
// against what it mounts and builds: every service and its healthcheck,
// volumes and ports; each Coffer node's config parsed by Coffer's own
// loader (package config), its storage path on a named volume, its
// listener on the container port the compose file publishes, and its
// node_id, api_addr, cluster_addr, retry_join peers and KMS endpoint
// naming the compose file's services consistently; the Dockerfiles' Go
// version equal to go.mod's and local-kms's version equal to the one the
// seal tests pin (ledger/kmsseal/kmstest).
//
// It lives under cmd/coffer because package config is internal there.
package deploycheck
