name {
  x = 1
}
path "a" { capabilities = ["read"] }
