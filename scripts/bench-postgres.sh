#!/usr/bin/env bash
# dict_set at 1 and 8 clients with the journal on PostgreSQL, in each durability mode, beside
# the same runs on SQLite, alternating row by row over ROUNDS rounds; prints the medians.
# Uses the cluster DURABLE_TEST_POSTGRES names, or starts a private one (scripts/postgres-cluster.sh)
# and stops it at the end.
#
#   scripts/bench-postgres.sh                  # 3 rounds, 4000 calls a run at 1 client, 16000 at 8
#   ROUNDS=5 CALLS=2000 scripts/bench-postgres.sh
#
# Environment: ROUNDS (3), CALLS (calls at 1 client; 8 clients make 4 times as many),
# SKIP_BUILD=1 to use the release build already there.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-3}"
CALLS="${CALLS:-4000}"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    nice -n 10 swift build -c release --product durablectl >/dev/null
fi
DURABLECTL="$(swift build -c release --show-bin-path)/durablectl"
if [[ -z "${DURABLE_TEST_POSTGRES:-}" ]]; then
    eval "$(scripts/postgres-cluster.sh start)"
    trap 'scripts/postgres-cluster.sh stop "$DURABLE_TEST_POSTGRES_DIR"' EXIT
fi
work="$(mktemp -d -t bench-postgres.XXXXXX)"
results="$work/results.tsv"
: > "$results"

# One run: a manager on `journal` in `mode`, dict_set with `clients`; prints ops/s.
run() {
    local backend="$1" mode="$2" clients="$3" total="$4" folder journal
    folder="$(mktemp -d "$work/run.XXXXXX")"
    if [[ "$backend" == postgresql ]]; then
        journal=("--journal" "$DURABLE_TEST_POSTGRES" "--pg-schema" "b_$(basename "$folder" | tr 'A-Z.' 'a-z_')")
    else
        journal=("--journal" "$folder/journal.sqlite")
    fi
    "$DURABLECTL" serve --listen "unix:$folder/m.sock" --authkey-file "$folder/authkey" "${journal[@]}" \
        --durability "$mode" --log-level error > "$folder/serve.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 100); do grep -q "listening" "$folder/serve.log" 2>/dev/null && break; sleep 0.05; done
    "$DURABLECTL" bench --connect "unix:$folder/m.sock" --authkey-file "$folder/authkey" --op dict_set \
        --clients "$clients" --total "$total" --json | python3 -c 'import json,sys; print(round(float(json.loads(sys.stdin.read())["ops_per_s"])))'
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}

for round in $(seq 1 "$ROUNDS"); do
    for clients in 1 8; do
        total=$(( clients == 1 ? CALLS : CALLS * 4 ))
        for mode in full normal relaxed; do
            for backend in sqlite postgresql; do
                ops="$(run "$backend" "$mode" "$clients" "$total")"
                printf '%s\t%s\t%s\t%s\n' "$backend" "$mode" "$clients" "$ops" >> "$results"
                echo "round $round: $backend $mode $clients clients: $ops ops/s" >&2
            done
        done
    done
done

python3 - "$results" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    backend, mode, clients, ops = line.split()
    runs[(mode, int(clients), backend)].append(int(ops))
print("| dict_set | clients | SQLite ops/s | PostgreSQL ops/s | PostgreSQL / SQLite |")
print("| --- | --- | --- | --- | --- |")
for mode in ("full", "normal", "relaxed"):
    for clients in (1, 8):
        sqlite = statistics.median(runs[(mode, clients, "sqlite")])
        postgres = statistics.median(runs[(mode, clients, "postgresql")])
        print(f"| {mode} | {clients} | {sqlite:,.0f} | {postgres:,.0f} | {postgres / sqlite:.2f}x |")
PY
rm -rf "$work"
