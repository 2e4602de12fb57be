name = "legacy-ops"

path "sys/*" {
  policy = "deny"
}

path "secret/*" {
  policy = "write"
}

path "secret/readonly/*" {
  policy = "read"
}

path "sys/seal" {
  policy = "sudo"
}

path "stage/aws/*" {
  policy       = "read"
  capabilities = ["update", "sudo"]
}

path "stage/aws/policy/*" {
  policy = "deny"
  # ignored: deny wins over anything listed with it
  capabilities = ["read", "update", "sudo"]
}
