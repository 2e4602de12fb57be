path "a" { capabilities = [] }
key "b" {
}
