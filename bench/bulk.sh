# Bulk figures for one backend, sourced by bench/run.sh while the seeded server runs:
# a full data-quality run, statistics and the indicator map over the whole county, export
# (NDJSON and CSV) and imports of the first 1,000, 10,000 and 100,000 exported households in
# every mode, each into a fresh database (a household must cost the same in any file). Each line gives the
# time and the server's peak resident memory so far (VmHWM), to show it stays flat.

timed() { # method path [json body] -> "seconds http_code bytes"
  local method=$1 path=$2 body=${3:-}
  local args=(-s -o "$OUT/bulk.body" -w '%{time_total} %{http_code} %{size_download}\n' -X "$method" "${AUTH[@]}")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' -d "$body")
  curl "${args[@]}" "http://127.0.0.1:$PORT$path"
}

rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }

bulk_figures() { # backend pid
  local backend=$1 pid=$2 t code bytes
  read -r t code _ < <(timed POST /api/v1/data-quality/runs '{"mode":"full"}')
  echo "$backend full data-quality run ($HOUSEHOLDS households): ${t} s (HTTP $code), $(rate "$HOUSEHOLDS" "$t") households/s, peak RSS $(peak_rss_mb "$pid") MB"
  for path in "/api/v1/statistics/summary" "/api/v1/statistics/by-region?level=village" \
      "/api/v1/statistics/by-region?level=town" "/api/v1/indicators/map?indicator=two_assurances_met&level=village"; do
    read -r t code _ < <(timed GET "$path")
    echo "$backend GET $path: ${t} s (HTTP $code), peak RSS $(peak_rss_mb "$pid") MB"
  done
  for format in ndjson csv; do
    read -r t code bytes < <(timed GET "/api/v1/exports/households?format=$format&reveal=true")
    [ "$format" = ndjson ] && cp "$OUT/bulk.body" "$OUT/export.ndjson"
    echo "$backend export $format: ${t} s (HTTP $code, $((bytes / 1048576)) MiB), $(rate "$HOUSEHOLDS" "$t") households/s, peak RSS $(peak_rss_mb "$pid") MB"
  done
  login_burst_figures "$backend" "$pid"
  import_figures "$backend"
}

now_rss_mb() { awk '/VmRSS/ { printf "%.0f", $2/1024 }' "/proc/$1/status"; }
threads_of() { awk '/Threads/ { print $2 }' "/proc/$1/status"; }

login_burst_figures() { # backend pid: 200 logins at once, right then wrong passwords
  local backend=$1 pid=$2 password body started statuses
  for password in "county-load-test-passphrase" "a wrong guess here"; do
    body="{\"grant_type\":\"password\",\"username\":\"bench\",\"password\":\"$password\"}"
    local rss_before threads_before
    rss_before=$(now_rss_mb "$pid"); threads_before=$(threads_of "$pid")
    started=$(date +%s.%N)
    statuses=$(seq 200 | xargs -P 200 -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST \
        -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$PORT/api/v1/auth/token" \
      | sort | uniq -c | awk '{ printf "%s x %s, ", $1, $2 }')
    echo "$backend 200 concurrent logins ($password): ${statuses}$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }') s; RSS ${rss_before} -> $(now_rss_mb "$pid") MB, threads ${threads_before} -> $(threads_of "$pid")"
  done
}

import_figures() { # backend: imports the first 1,000, 10,000 and 100,000 exported households
  local backend=$1 size mode
  # Each mode into a fresh database, so a household costs what it costs in a file of that size.
  for size in 1000 10000 100000; do
    [ "$size" -le "$HOUSEHOLDS" ] || continue
    head -n "$size" "$OUT/export.ndjson" > "$OUT/export.$size.ndjson"
    for mode in dry_run all_or_nothing best_effort; do
      import_into_a_fresh_database "$backend" "$mode" "$OUT/export.$size.ndjson" "$size"
    done
  done
}

import_into_a_fresh_database() { # backend mode file rows
  local backend=$1 mode=$2 file=$3 rows=$4 url t code ipid token
  case $backend in
    sqlite) rm -f "$OUT"/import.db*; url="sqlite://$OUT/import.db" ;;
    postgres)
      psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS fupin_import WITH (FORCE)" -c "CREATE DATABASE fupin_import"
      url="postgres://postgres@127.0.0.1:5432/fupin_import?sslmode=disable" ;;
  esac
  DATABASE_URL="$url" "$FUPIN" seed bench --households 0 --county "$COUNTY" >/dev/null
  DATABASE_URL="$url" FUPIN_NEW_PASSWORD=county-load-test-passphrase FUPIN_LOG=error \
    "$FUPIN" users create --username bench --role admin --region "$COUNTY" >/dev/null 2>&1
  DATABASE_URL="$url" FUPIN_BIND="127.0.0.1:$IMPORT_PORT" FUPIN_WORKERS=2 FUPIN_LOG=warn \
    "$FUPIN" serve > "$OUT/$backend.import.log" 2>&1 & ipid=$!
  wait_ready "$IMPORT_PORT"
  token=$(curl -sf -X POST "http://127.0.0.1:$IMPORT_PORT/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d '{"grant_type":"password","username":"bench","password":"county-load-test-passphrase"}' \
    | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  read -r t code < <(curl -s -o "$OUT/import.report.json" -w '%{time_total} %{http_code}\n' \
    -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/x-ndjson' \
    --data-binary "@$file" "http://127.0.0.1:$IMPORT_PORT/api/v1/imports/households?mode=$mode")
  echo "$backend import $mode of $rows households: ${t} s (HTTP $code), $(rate "$rows" "$t") households/s, $(awk -v n="$rows" -v t="$t" 'BEGIN { printf "%.2f", t * 1000 / n }') ms a household, peak RSS $(peak_rss_mb "$ipid") MB; $(head -c 110 "$OUT/import.report.json")"
  kill "$ipid"; wait "$ipid" 2>/dev/null || true
}
