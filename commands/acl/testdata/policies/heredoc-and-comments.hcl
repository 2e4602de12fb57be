/*
 * Block comments, line comments and heredocs, all HCL 1.
 */
path "secret/data/documented" {
  comment = <<EOT
Why this path exists, over
several lines.
EOT
  capabilities = ["read"] // trailing comment
}

path "secret/data/indented" {
  comment = <<-EOT
    An indented heredoc.
    EOT
  capabilities = ["list"] # hash comment
}

path "secret/data/commented" {
  comment      = 42
  capabilities = ["update"]
}
