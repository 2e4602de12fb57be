# Read-only database credentials, encrypt-only transit, a PKI issuer.
path "database/creds/readonly" {
  capabilities = ["read"]
}

path "sys/leases/renew" {
  capabilities = ["update"]
}

path "sys/leases/revoke" {
  capabilities = ["update"]
}

path "transit/encrypt/orders" {
  capabilities = ["update"]
}

path "transit/decrypt/orders" {
  capabilities = ["deny"]
}

path "transit/datakey/plaintext/orders" {
  capabilities = ["update"]
}

path "pki/issue/example-dot-com" {
  capabilities = ["create", "update"]
}

path "pki/cert/ca" {
  capabilities = ["read"]
}

path "auth/kubernetes/login" {
  capabilities = ["create", "read"]
}

path "aws/creds/deploy" {
  capabilities = ["read"]
}
