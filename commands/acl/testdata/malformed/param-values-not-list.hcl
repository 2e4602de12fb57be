path "a" {
  capabilities = ["update"]
  allowed_parameters = { "x" = "y" }
}
