# Node 2 of docker-compose.yml's cluster, mounted at /etc/coffer/coffer.hcl.
# The compose network is private to the cluster, so the listener and the
# routes (cluster_addr) run in plaintext; with TLS, give the listener a
# certificate and each retry_join leader_ca_cert_file, and the routes
# become mutual TLS (README: Running a cluster).
storage "raft" {
  path    = "/var/lib/coffer"
  node_id = "coffer-2"
  retry_join {
    leader_api_addr = "http://coffer-1:8200"
  }
  retry_join {
    leader_api_addr = "http://coffer-3:8200"
  }
}

listener "tcp" {
  address     = "0.0.0.0:8200"
  tls_disable = true
}

# Auto-unseal through the compose file's local-kms; the credentials come
# from the container's AWS_* environment.
seal "awskms" {
  region     = "eu-west-2"
  kms_key_id = "alias/coffer-unseal"
  endpoint   = "http://kms:8080"
}

api_addr     = "http://coffer-2:8200"
cluster_addr = "http://coffer-2:8201"
ui           = true
