# OpenBao's recursive scan capability.
path "secret/metadata/*" { capabilities = ["list", "scan"] }
path "secret/metadata/private/*" { capabilities = ["deny"] }
