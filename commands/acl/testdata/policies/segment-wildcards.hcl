path "secret/+/teamb" {
  capabilities = ["read"]
}

path "secret/data/+/config/*" {
  capabilities = ["read", "list"]
}

path "kv/+/+/settings" {
  capabilities = ["update"]
}

path "+/metadata/shared" {
  capabilities = ["list"]
}

path "pki_int/+/issue/web*" {
  capabilities = ["create", "update"]
}

path "identity/oidc/provider/+/authorize" {
  capabilities = ["read", "update"]
}

path "secret/+/team-b/*" {
  capabilities = ["deny"]
}
