path "a" {
  capabilities = ["update"]
  denied_parameters = { "/config/*" = [] }
}
