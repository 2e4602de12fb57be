path "secret/*" { capabilities = ["Read"] }
