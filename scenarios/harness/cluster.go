package harness

import (
	"fmt"
	"strings"
)

// ClusterConfig is Options.Config for node i of a cluster whose NATS
// routes listen on routes (host:port, one per node): the tutorial's raft
// stanza, node_id "node<i+1>", a plaintext listener on {{ADDR}}. The API
// ports are the harness's to pick, so each retry_join names its peer's
// routes (leader_cluster_addr) and its leader_api_addr is a placeholder.
func ClusterConfig(i int, routes []string) string { return ClusterConfigWithSecret(i, routes, "") }

// ClusterConfigWithSecret is ClusterConfig whose routes authenticate
// each other with the cluster secret in secretFile (none when empty).
func ClusterConfigWithSecret(i int, routes []string, secretFile string) string {
	var joins strings.Builder
	for j, r := range routes {
		if j != i {
			fmt.Fprintf(&joins, "  retry_join {\n    leader_api_addr     = \"http://127.0.0.1:1\"\n    leader_cluster_addr = \"http://%s\"\n  }\n", r)
		}
	}
	if secretFile != "" {
		fmt.Fprintf(&joins, "  cluster_secret_file = %q\n", secretFile)
	}
	return fmt.Sprintf(`storage "raft" {
  path    = "{{DATA}}"
  node_id = "node%d"
%s}
listener "tcp" {
  address     = "{{ADDR}}"
  tls_disable = true
}
api_addr     = "http://{{ADDR}}"
cluster_addr = "http://%s"
`, i+1, joins.String(), routes[i])
}
