#!/bin/sh
# Writes local-kms's seed once: the unseal key (alias/coffer-unseal) with
# a backing key drawn here, so no key material is in the repository. The
# seed stays in the kms-init volume, as a real KMS keeps its keys.
set -eu
seed=/init/seed.yaml
[ -f "$seed" ] && exit 0
id=6f3c1f7e-8b1e-4c5a-9d3e-2a7b0c4d5e6f
key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
umask 077
cat > "$seed.tmp" <<SEED
Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: $id
        BackingKeys:
          - $key
Aliases:
  - AliasName: alias/coffer-unseal
    TargetKeyId: $id
SEED
mv "$seed.tmp" "$seed"
