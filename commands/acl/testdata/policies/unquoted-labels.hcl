path secret {
  capabilities = ["list"]
}

path "/leading/slash/*" {
  capabilities = ["read"]
}

path "" {
  capabilities = ["read"]
}

path "*" {
  capabilities = ["list"]
}
