#!/usr/bin/env bash
# Load benchmark: `make bench` (BACKEND=sqlite|postgres|both, HOUSEHOLDS=100000, DURATION=20s).
# Seeds a synthetic county, serves it with the release build, drives wrk at a household read
# and at a filtered list page, and prints the figures beside the references measured in the
# same run: pgbench -S on the same PostgreSQL, and an empty actix-web handler.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND=${BACKEND:-both}
HOUSEHOLDS=${HOUSEHOLDS:-100000}
DURATION=${DURATION:-20s}
WARM_UP=${WARM_UP:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
COUNTY=610199
PORT=18181
EMPTY_PORT=18182
IMPORT_PORT=18183
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
# One sslmode for every PostgreSQL figure compared (loopback; TLS alone costs a third here).
export PGSSLMODE=disable
# The servers run with the allocator setting of the Docker image (README, Configuration).
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
# Public demo keys for the synthetic benchmark data; tokens outlive the run.
export FUPIN_DEMO=true
export FUPIN_ACCESS_TOKEN_SECS=3600
OUT=bench/out
mkdir -p "$OUT"

need() {
  command -v "$1" >/dev/null 2>&1 && return
  echo "installing $2 (Debian package)"
  (apt-get update -qq && apt-get install -y -qq "$2" >/dev/null) || { echo "cannot install $2"; exit 1; }
}
need wrk wrk
need sqlite3 sqlite3
need pgbench postgresql-contrib

cargo build --release -p fupin-api -p fupin-bench-empty-handler >&2
FUPIN=target/release/fupin
EMPTY=target/release/fupin-bench-empty-handler

# wrk output -> "rps p50_ms p99_ms errors"
summarise() {
  awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx|Socket errors/ { errors = errors " " $0 }
    END { printf "%.0f %.2f %.2f%s\n", rps, p50, p99, (errors == "" ? "" : " ERRORS:" errors) }'
}

AUTH=()
run_wrk() { # name url [script]
  local name=$1 url=$2 script=${3:-}
  local args=(-t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${AUTH[@]}")
  [ -n "$script" ] && args+=(-s "$script")
  wrk "${args[@]}" "$url" > "$OUT/$name.wrk.txt" 2>&1
  summarise < "$OUT/$name.wrk.txt"
}

wait_ready() {
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0
    curl -sf "http://127.0.0.1:$1/" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "server on port $1 did not start"; return 1
}

peak_rss_mb() { awk '/VmHWM/ { printf "%.0f", $2/1024 }' "/proc/$1/status"; }
# shellcheck source=bench/bulk.sh
source bench/bulk.sh

echo "== MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX"
echo "== empty actix-web handler"
"$EMPTY" "127.0.0.1:$EMPTY_PORT" 2 & empty_pid=$!
trap 'kill $empty_pid 2>/dev/null || true' EXIT
wait_ready $EMPTY_PORT
read -r empty_rps empty_p50 empty_p99 _ < <(run_wrk empty "http://127.0.0.1:$EMPTY_PORT/")
kill $empty_pid; wait $empty_pid 2>/dev/null || true
echo "empty handler: $empty_rps req/s, p50 ${empty_p50} ms, p99 ${empty_p99} ms"

bench_backend() { # sqlite|postgres
  local backend=$1 url ids_query
  case $backend in
    sqlite)
      url="sqlite://$OUT/bench.db"
      ;;
    postgres)
      psql "$PG_ADMIN" -qtc "SELECT 1 FROM pg_database WHERE datname = 'fupin_bench'" | grep -q 1 \
        || psql "$PG_ADMIN" -qc "CREATE DATABASE fupin_bench"
      url="postgres://postgres@127.0.0.1:5432/fupin_bench?sslmode=disable"
      ;;
  esac
  ids_query="SELECT id FROM households WHERE county_code = '$COUNTY' ORDER BY id LIMIT 20000"
  local seeded
  if [ "$backend" = sqlite ]; then
    seeded=$( [ -f "$OUT/bench.db" ] && sqlite3 "$OUT/bench.db" "SELECT COUNT(*) FROM households WHERE county_code='$COUNTY'" 2>/dev/null || echo 0)
  else
    seeded=$(psql "$url" -qtAc "SELECT COUNT(*) FROM households WHERE county_code='$COUNTY'" 2>/dev/null || echo 0)
  fi
  if [ "${seeded:-0}" -lt "$HOUSEHOLDS" ]; then
    echo "== seeding $HOUSEHOLDS households on $backend"
    if [ "$backend" = sqlite ]; then rm -f "$OUT"/bench.db*; else
      psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS fupin_bench WITH (FORCE)" -c "CREATE DATABASE fupin_bench"; fi
    /usr/bin/time -f "seeded in %e s, peak RSS %M KB" \
      env DATABASE_URL="$url" "$FUPIN" seed bench --households "$HOUSEHOLDS" --county "$COUNTY"
  fi
  if [ "$backend" = sqlite ]; then
    sqlite3 "$OUT/bench.db" "$ids_query" | shuf > "$OUT/ids.txt"
    members=$(sqlite3 "$OUT/bench.db" "SELECT COUNT(*) FROM members")
  else
    psql "$url" -qtAc "$ids_query" | shuf > "$OUT/ids.txt"
    members=$(psql "$url" -qtAc "SELECT COUNT(*) FROM members")
  fi
  echo "== $backend: $(wc -l < "$OUT/ids.txt") sample ids, $members members in the database"

  # Every request carries a real token, so authentication is part of what is measured.
  DATABASE_URL="$url" FUPIN_NEW_PASSWORD=county-load-test-passphrase FUPIN_LOG=error \
    "$FUPIN" users create --username bench --role admin --region "$COUNTY" >/dev/null 2>&1 || true
  DATABASE_URL="$url" FUPIN_BIND="127.0.0.1:$PORT" FUPIN_WORKERS=2 FUPIN_POOL_SIZE=${POOL_SIZE:-16} \
    FUPIN_LOG=warn "$FUPIN" serve > "$OUT/$backend.server.log" 2>&1 & local pid=$!
  wait_ready $PORT
  local token
  token=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d '{"grant_type":"password","username":"bench","password":"county-load-test-passphrase"}' \
    | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  AUTH=(-H "Authorization: Bearer $token")
  # The first reads of a household render its answer and keep the copy (see README); the
  # measured run that follows reads the copies, as a registry in use does. Both are reported.
  read -r first_rps first_p50 first_p99 first_err < <(DURATION=$WARM_UP run_wrk "$backend-get-first" \
    "http://127.0.0.1:$PORT" bench/random_household.lua)
  read -r get_rps get_p50 get_p99 get_err < <(run_wrk "$backend-get" "http://127.0.0.1:$PORT" bench/random_household.lua)
  read -r list_rps list_p50 list_p99 list_err < <(run_wrk "$backend-list" \
    "http://127.0.0.1:$PORT/api/v1/households?region=${COUNTY}001000&main_cause=illness&limit=50")
  local rss; rss=$(peak_rss_mb $pid)
  [ "${BULK:-yes}" = yes ] && bulk_figures "$backend" "$pid"
  kill $pid; wait $pid 2>/dev/null || true

  echo "$backend GET /households/{id}, first $WARM_UP (answers rendered, copies kept): $first_rps req/s, p50 ${first_p50} ms, p99 ${first_p99} ms ${first_err:-}"
  echo "$backend GET /households/{id}: $get_rps req/s, p50 ${get_p50} ms, p99 ${get_p99} ms ${get_err:-}"
  echo "$backend GET /households?region=..&main_cause=..&limit=50: $list_rps req/s, p50 ${list_p50} ms, p99 ${list_p99} ms ${list_err:-}"
  echo "$backend server peak RSS: ${rss} MB"
  echo "$backend GET vs empty handler: $(awk -v a="$get_rps" -v b="$empty_rps" 'BEGIN { printf "%.1f%%", 100*a/b }')"

  if [ "$backend" = postgres ]; then
    psql "$PG_ADMIN" -qtc "SELECT 1 FROM pg_database WHERE datname = 'fupin_pgbench'" | grep -q 1 \
      || { psql "$PG_ADMIN" -qc "CREATE DATABASE fupin_pgbench"; pgbench -h 127.0.0.1 -U postgres -i -s 10 -q fupin_pgbench >/dev/null 2>&1; }
    local tps
    tps=$(pgbench -h 127.0.0.1 -U postgres -S -n -c "$CONNECTIONS" -j "$THREADS" -T "${DURATION%s}" fupin_pgbench 2>/dev/null \
      | awk '/^tps/ { printf "%.0f", $3 }')
    echo "pgbench -S ($CONNECTIONS clients, sslmode=disable): $tps tps"
    echo "postgres GET vs pgbench -S: $(awk -v a="$get_rps" -v b="$tps" 'BEGIN { printf "%.1f%%", 100*a/b }')"
    # The ceiling of the read's own query: pgbench running it (prepared) with no HTTP, token,
    # decryption or JSON around it.
    psql "$url" -qc "DROP TABLE IF EXISTS bench_sample_ids" \
      -c "CREATE TABLE bench_sample_ids (n serial PRIMARY KEY, id text NOT NULL)" \
      -c "\\copy bench_sample_ids (id) FROM '$OUT/ids.txt'" -c "ANALYZE bench_sample_ids"
    local query_tps format
    format=$(psql "$url" -qtAc "SELECT format FROM household_views ORDER BY version DESC LIMIT 1")
    query_tps=$(pgbench -h 127.0.0.1 -U postgres -M prepared -n -c "$CONNECTIONS" -j "$THREADS" -T "${DURATION%s}" \
        -D sample="$(wc -l < "$OUT/ids.txt")" -D format="$format" -f bench/household_read.sql fupin_bench 2>/dev/null \
      | awk '/^tps/ { printf "%.0f", $3 }')
    psql "$url" -qc "DROP TABLE bench_sample_ids"
    echo "pgbench of the household query itself (prepared, $CONNECTIONS clients): $query_tps tps"
    echo "postgres GET vs its own query under pgbench: $(awk -v a="$get_rps" -v b="$query_tps" 'BEGIN { printf "%.1f%%", 100*a/b }')"
  fi
}

case $BACKEND in
  sqlite|postgres) bench_backend "$BACKEND" ;;
  both) bench_backend sqlite; bench_backend postgres ;;
  *) echo "BACKEND is sqlite, postgres or both"; exit 2 ;;
esac
