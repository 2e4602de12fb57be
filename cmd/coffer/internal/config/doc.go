// Package config reads the server configuration file: HCL (or HCL's JSON
// form for a .json file) with Vault's stanza names where they apply.
//
//	storage "ledger" {                # "raft" is read as a synonym
//	  path    = "/var/lib/coffer"
//	  node_id = "coffer-1"
//	  # Three nodes whose embedded NATS servers form one cluster (routes on
//	  # cluster_addr's port; a peer's on its API port + 1 unless
//	  # leader_cluster_addr says otherwise):
//	  retry_join { leader_api_addr = "https://coffer-2:8200" }
//	  retry_join { leader_api_addr = "https://coffer-3:8200" }
//	  # With a TLS listener the routes are mutual TLS with the listener's
//	  # certificate, verified against Vault's leader_ca_cert_file (and,
//	  # optionally, another certificate to show: leader_client_cert_file,
//	  # leader_client_key_file); see Config.RouteTLS.
//	  # Or an external JetStream cluster instead (not both):
//	  # nats {
//	  #   urls = ["tls://n1:4222"]
//	  #   creds_file = "..." | user = ".." password = ".." | nkey_seed_file = "..."
//	  #   tls { ca_file = "..." cert_file = "..." key_file = "..." }
//	  #   stream = "COFFER_LEDGER"   replicas = 3
//	  # }
//	}
//	listener "tcp" {
//	  address       = "127.0.0.1:8200"
//	  tls_cert_file = "/etc/coffer/tls.crt"
//	  tls_key_file  = "/etc/coffer/tls.key"
//	}
//	seal "awskms" { region = "us-east-1", kms_key_id = "alias/coffer-unseal" }
//	api_addr     = "https://coffer-1:8200"
//	cluster_addr = "https://coffer-1:8201"
//	log_level    = "info"
//
// Nothing is ignored silently: an unknown block or attribute, a value of
// the wrong type, a missing required value or an invalid one fails Load with
// every problem listed as file:line:column (HCL's diagnostics), so a typo in
// a security setting cannot pass for a default. Two Vault settings are
// accepted for the sake of existing files: disable_mlock (Coffer never
// locks memory; accepted without effect) and ui (Coffer has no web UI;
// accepted with a warning).
//
// Audit devices are declared in the file, as OpenBao does; the API may
// enable them only with unsafe_allow_api_audit_creation = true (Vault
// 1.20.1's default after CVE-2025-6000 is off, and so is Coffer's):
//
//	audit "file" "main" {
//	  description = "every request"
//	  options {
//	    file_path = "/var/log/coffer/audit.log"  # a plain file in an existing directory
//	  }
//	}
//
// Values are typed strictly: a string where a string belongs, a whole
// number for replicas. Booleans also take "true"/"false" and 0/1, as
// Vault's own examples write `tls_disable = 1`.
//
// Environment variables override the file where Vault has them, and each
// has a COFFER_ twin that wins over the VAULT_ one:
//
//	api_addr             COFFER_API_ADDR, VAULT_API_ADDR
//	cluster_addr         COFFER_CLUSTER_ADDR, VAULT_CLUSTER_ADDR
//	log_level            COFFER_LOG_LEVEL, VAULT_LOG_LEVEL
//	seal type            COFFER_SEAL_TYPE, VAULT_SEAL_TYPE
//	awskms kms_key_id    COFFER_AWSKMS_SEAL_KEY_ID, VAULT_AWSKMS_SEAL_KEY_ID
//	awskms region        AWS_REGION, AWS_DEFAULT_REGION
//	awskms endpoint      AWS_KMS_ENDPOINT
//
// As in Vault's awskms seal, the environment wins over the file for the key
// id, region and endpoint; credentials are left to the AWS SDK's chain
// (AWS_ACCESS_KEY_ID and friends) unless the file names them.
package config
