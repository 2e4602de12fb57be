# A KV version 2 application policy: data, metadata and the version
# management endpoints are separate paths.
path "secret/data/webapp/*" {
  capabilities = ["create", "update", "patch", "read"]
}

path "secret/metadata/webapp/*" {
  capabilities = ["list", "read", "delete"]
}

path "secret/metadata/" {
  capabilities = ["list"]
}

path "secret/delete/webapp/*" {
  capabilities = ["update"]
}

path "secret/undelete/webapp/*" {
  capabilities = ["update"]
}

path "secret/destroy/webapp/*" {
  capabilities = ["deny"]
}

path "secret/data/webapp/prod/*" {
  capabilities = ["read"]
}

path "secret/config" {
  capabilities = ["read"]
}
