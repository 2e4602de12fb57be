path "secret/}}{{identity.entity.id}}" {
  capabilities = ["read"]
}
