path "transit/keys/*" { capabilities = ["create", "update"], denied_parameters = { "deletion_allowed" = [] } }
path "secret/data/ci/*" { capabilities = ["read", "list"], required_parameters = ["version"] }
path "sys/wrapping/wrap" { capabilities = ["update"] min_wrapping_ttl = "1m" max_wrapping_ttl = "1h" }
path "auth/token/create" { capabilities = ["update"], allowed_parameters = { "policies" = ["ci"], "ttl" = [], }, }
path "database/creds/ro" { capabilities = ["read"] }, path "database/creds/rw" { capabilities = ["deny"] }
