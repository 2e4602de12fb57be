path "auth/approle/role/jenkins/role-id" {
  capabilities = ["read"]
}

path "auth/approle/role/jenkins/secret-id" {
  capabilities = ["create", "update"]
}

path "auth/token/create" {
  capabilities = ["create", "update"]
}

path "auth/token/lookup-self" {
  capabilities = ["read"]
}
