
path "secret/+*" { capabilities = ["read"] }
