#!/usr/bin/env bash
# `make contract`: the committed OpenAPI document checked the way integrators meet it.
#   1. Spectral (spectral:oas) and Redocly (recommended) lint it: 0 errors, 0 warnings but
#      the ones .spectral.yaml and redocly.yaml justify.
#   2. A Python client generated from it by openapi-python-client, with no hand edits, logs in,
#      pages, registers, reads, patches, gets 304/412/422 and imports (contract/client_check.py).
#   3. schemathesis runs every operation, all phases, authenticated, seed 1, time-bounded,
#      against a demo server: 0 failures.
# The tools are pinned (contract/requirements.txt, contract/package-lock.json) and installed
# here; nothing is needed beforehand but Python 3, Node/npm and Rust.
set -euo pipefail
cd "$(dirname "$0")/.."

work=target/contract
port=${CONTRACT_PORT:-18190}
base="http://127.0.0.1:$port"
mkdir -p "$work"

echo "== contract tools (pinned)"
if [ ! -x "$work/venv/bin/st" ] || ! cmp -s contract/requirements.txt "$work/venv/requirements.txt"; then
  rm -rf "$work/venv"
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q --disable-pip-version-check -r contract/requirements.txt
  cp contract/requirements.txt "$work/venv/requirements.txt"
fi
npm ci --prefix contract --silent --no-audit --no-fund
bin="contract/node_modules/.bin"

echo "== Spectral (spectral:oas)"
"$bin/spectral" lint --ruleset .spectral.yaml --fail-severity=warn openapi/openapi.json

echo "== Redocly (recommended)"
"$bin/redocly" lint --config redocly.yaml --format=json openapi/openapi.json > "$work/redocly.json" || true
python3 - "$work/redocly.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
totals = report.get("totals", {})
for problem in report.get("problems", []):
    where = problem.get("location", [{}])[0].get("pointer", "")
    print(f"  {problem.get('severity')}: {problem.get('ruleId')} {where}: {problem.get('message')}")
print(f"  errors {totals.get('errors')}, warnings {totals.get('warnings')}")
sys.exit(1 if totals.get("errors", 1) or totals.get("warnings", 1) else 0)
EOF

echo "== the demo server"
cargo build -q --bin fupin
rm -rf "$work/db" && mkdir -p "$work/db"
DATABASE_URL="sqlite://$work/db/fupin.db" FUPIN_LOG=warn FUPIN_ACCESS_TOKEN_SECS=7200 \
  target/debug/fupin serve --demo --bind "127.0.0.1:$port" > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fs "$base/readyz" > /dev/null 2>&1 && break
  sleep 1
done
curl -fs "$base/readyz" > /dev/null

echo "== a generated Python client"
rm -rf "$work/client"
"$work/venv/bin/openapi-python-client" generate --path openapi/openapi.json \
  --output-path "$work/client" --overwrite > "$work/client-generate.log" 2>&1 \
  || { cat "$work/client-generate.log"; exit 1; }
package=$(basename "$(dirname "$(ls "$work"/client/*/client.py)")")
PYTHONPATH="$work/client" "$work/venv/bin/python" contract/client_check.py "$base" "$package"

echo "== schemathesis: the loan operations as a bank's client system"
# The admin may not take loan steps (403 to every request), so a bank's client token covers
# the loan operations' own answers and the client-grant path.
bank=$(curl -fs -X POST "$base/api/v1/auth/token" -u demo-bank:demo-bank-secret \
  -d grant_type=client_credentials \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
"$work/venv/bin/st" --config-file schemathesis.toml run "$base/api/v1/openapi.json" \
  --checks all --seed 1 --max-time "${CONTRACT_LOAN_SECONDS:-60}" --workers 2 \
  --include-path-regex '^/api/v1/loans' -H "Authorization: Bearer $bank" --no-color

echo "== schemathesis: every operation as the admin"
# Last: its stateful phase changes the demo data (it disables accounts, the demo clients too).
token=$(curl -fs -X POST "$base/api/v1/auth/token" \
  -d 'grant_type=password&username=admin&password=admin-demo-password' \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
# schemathesis.toml loads schemathesis_hooks.py and says why each exception is there.
"$work/venv/bin/st" --config-file schemathesis.toml run "$base/api/v1/openapi.json" \
  --checks all --seed 1 --max-time "${CONTRACT_SECONDS:-240}" --workers 2 \
  -H "Authorization: Bearer $token" --no-color
