path "a" {
  policy = "admin"
}
