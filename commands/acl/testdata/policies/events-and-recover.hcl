# Vault 1.16+ event subscriptions and Vault 1.20's recover capability.
path "sys/events/subscribe/kv*" {
  capabilities = ["read"]
}

path "secret/data/events/*" {
  capabilities = ["list", "subscribe"]
}

path "secret/data/recoverable/*" {
  capabilities = ["read", "recover"]
}
