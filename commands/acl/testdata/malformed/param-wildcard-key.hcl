path "a" {
  capabilities = ["update"]
  denied_parameters = { "token_*" = [] }
}
