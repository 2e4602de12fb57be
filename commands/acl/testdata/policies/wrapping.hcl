# Secret IDs may only be handed out response-wrapped, for 5 to 15 minutes.
path "auth/approle/role/+/secret-id" {
  capabilities     = ["update"]
  min_wrapping_ttl = "5m"
  max_wrapping_ttl = 900
}

path "auth/approle/role/+/role-id" {
  capabilities = ["read"]
}

path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}

path "cubbyhole/*" {
  capabilities     = ["create", "read", "update", "delete", "list"]
  max_wrapping_ttl = "1d"
}
