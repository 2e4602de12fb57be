# Parameter constraints as the policy documentation describes them.

path "secret/profile" {
  capabilities        = ["create"]
  required_parameters = ["name", "id"]
}

path "auth/userpass/users/*" {
  capabilities = ["update"]
  allowed_parameters = {
    "password" = []
  }
}

path "transit/keys/*" {
  capabilities = ["create", "update"]
  allowed_parameters = {
    "auto_rotate_period" = ["8h", "24h", "5d"]
  }
}

path "secret/foo" {
  capabilities = ["create"]
  allowed_parameters = {
    "bar" = ["zip", "zap"]
    "*"   = []
  }
}

path "auth/userpass/users/admin" {
  capabilities = ["update"]
  denied_parameters = {
    "token_policies" = []
    "policies"       = []
  }
}

path "auth/token/roles/*" {
  capabilities = ["create", "update"]
  denied_parameters = {
    "allowed_policies" = ["admin"]
  }
}

path "transit/keys/locked-*" {
  capabilities = ["create", "update"]
  denied_parameters = {
    "*" = []
  }
}

path "secret/globbed" {
  capabilities = ["create"]
  allowed_parameters = {
    "bar" = ["foo-*"]
  }
}

path "secret/nostore" {
  capabilities        = ["create"]
  required_parameters = ["no_store"]
  denied_parameters = {
    "no_store" = [false, "false"]
  }
}

path "pki/issue/web" {
  capabilities = ["update"]
  allowed_parameters = {
    "common_name" = ["*.example.com"]
    "ttl"         = ["24h", 86400]
    "alt_names"   = []
  }
}
