#!/usr/bin/env bash
# Starts three local Coffer nodes as one cluster (make cluster): the
# tutorial's production stanza with storage "raft" (read as "ledger"),
# loopback addresses, distinct ports, one data dir each. Initialises the
# ledger on node 1, unseals all three, prints their addresses and the root
# token, and stops them all on Ctrl-C.
#   BIN=bin/coffer  DIR=.cluster  BASE_PORT=8200
set -euo pipefail
BIN=${BIN:-bin/coffer}
DIR=${DIR:-.cluster}
BASE=${BASE_PORT:-8200}
mkdir -p "$DIR"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

api() { echo "http://127.0.0.1:$((BASE + 10 * ($1 - 1)))"; }
clu() { echo "http://127.0.0.1:$((BASE + 10 * ($1 - 1) + 1))"; }

# The routes between the nodes are plaintext here (loopback), so they
# authenticate with a shared secret (README: Running a cluster): made once,
# readable by this user alone, never printed.
SECRET="$DIR/cluster-secret"
if [ ! -s "$SECRET" ]; then
  (umask 077 && head -c 48 /dev/urandom | base64 > "$SECRET")
fi

for i in 1 2 3; do
  joins=""
  for j in 1 2 3; do
    [ "$i" = "$j" ] && continue
    joins+="  retry_join {
    leader_api_addr = \"$(api "$j")\"
  }
"
  done
  mkdir -p "$DIR/node$i"
  cat > "$DIR/node$i.hcl" <<HCL
storage "raft" {
  path    = "$DIR/node$i"
  node_id = "node$i"
  cluster_secret_file = "$SECRET"
$joins}
listener "tcp" {
  address     = "${ADDR:-127.0.0.1}:$((BASE + 10 * (i - 1)))"
  tls_disable = true
}
api_addr     = "$(api "$i")"
cluster_addr = "$(clu "$i")"
HCL
  "$BIN" server -config "$DIR/node$i.hcl" >"$DIR/node$i.log" 2>&1 &
  pids+=($!)
done

wait_for() { # url
  for _ in $(seq 1 240); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$1/v1/sys/health" || true)
    case "$code" in 200|501|503) return 0 ;; esac
    sleep 0.5
  done
  echo "node at $1 did not start; see $DIR/*.log" >&2; exit 1
}
for i in 1 2 3; do wait_for "$(api "$i")"; done

init=$(curl -sf -X PUT "$(api 1)/v1/sys/init" -d '{"secret_shares":1,"secret_threshold":1}' || true)
if [ -n "$init" ]; then
  echo "$init" > "$DIR/init.json"
  chmod 600 "$DIR/init.json"
fi
key=$(sed -n 's/.*"keys":\["\([^"]*\)".*/\1/p' "$DIR/init.json")
root=$(sed -n 's/.*"root_token":"\([^"]*\)".*/\1/p' "$DIR/init.json")
for i in 1 2 3; do
  curl -sf -X PUT "$(api "$i")/v1/sys/unseal" -d "{\"key\":\"$key\"}" >/dev/null
done
for i in 1 2 3; do
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$(api "$i")/v1/sys/health")" = 200 ]; do sleep 0.5; done
done

echo "Coffer cluster up (data and logs in $DIR; unseal key and root token in $DIR/init.json):"
for i in 1 2 3; do echo "  node$i  $(api "$i")   routes on $(clu "$i")"; done
echo
echo "  export VAULT_ADDR=$(api 1)"
echo "  export VAULT_TOKEN=$root"
echo
echo "Ctrl-C stops the three nodes; run make cluster again to restart them on the same data."
wait
