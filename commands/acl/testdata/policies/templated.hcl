# Per-user and per-group paths from identity templates.
path "secret/data/{{identity.entity.id}}/*" {
  capabilities = ["create", "update", "patch", "read", "delete"]
}

path "secret/metadata/{{identity.entity.id}}/*" {
  capabilities = ["list", "read"]
}

path "secret/data/users/{{identity.entity.aliases.auth_userpass_6671d643.name}}" {
  capabilities = ["read"]
}

path "secret/data/groups/{{identity.groups.names.engineering.id}}/*" {
  capabilities = ["read", "list"]
}

path "secret/data/{{identity.entity.metadata.team}}/shared" {
  capabilities = ["read"]
}

path "secret/data/shared/*" {
  capabilities = ["read"]
}
