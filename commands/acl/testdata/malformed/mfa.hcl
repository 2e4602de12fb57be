path "secret/*" {
  capabilities = ["read"]
  mfa_methods  = ["totp"]
}
