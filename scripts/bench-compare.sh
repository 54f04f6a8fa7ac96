#!/usr/bin/env bash
# Our manager beside Python's multiprocessing manager (in memory, not durable) and Redis with
# `appendfsync always`, on the work of issue 13's table, as a markdown table of ratios.
#
# The machine is shared and noisy, so one absolute figure means little: each round runs every
# row's Python run and ours (normal, then full) back to back, the rounds repeat the whole list,
# and the table quotes the ratio of the medians over the rounds.
#
#   scripts/bench-compare.sh                  # 3 rounds, 20000 calls a run (full: 5000)
#   ROUNDS=1 CALLS=10000 scripts/bench-compare.sh
#
# Environment:
#   ROUNDS       rounds over the whole list (default 3)
#   CALLS        calls per run of Python's and of ours in `normal` (default 20000; the queue:
#                items moved)
#   FULL_CALLS   calls per run of ours in `full`, which fsyncs each commit and is slower at one
#                client (default CALLS/4)
#   REDIS_CALLS  SETs per Redis run, and calls of ours `full` beside it (default CALLS/2: Redis
#                fsyncs each write, a few thousand a second here)
#   BENCH_DIR    where Python's and Redis's bench scripts are (default ../shared/bench)
#   OUT          the raw JSON lines of every run are appended here (default a temporary file,
#                named at the end)
#   SKIP_BUILD=1 use the release build already there
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-3}"
CALLS="${CALLS:-20000}"
FULL_CALLS="${FULL_CALLS:-$((CALLS / 4))}"
REDIS_CALLS="${REDIS_CALLS:-$((CALLS / 2))}"
BENCH_DIR="${BENCH_DIR:-$(cd .. && pwd)/shared/bench}"
OUT="${OUT:-$(mktemp -t bench-compare.XXXXXX.jsonl)}"
LOG="${OUT%.jsonl}.log"
: > "$LOG"

if [[ ! -f "$BENCH_DIR/mp_manager_bench.py" ]]; then
    echo "no $BENCH_DIR/mp_manager_bench.py: set BENCH_DIR to the folder of the peer benchmarks" >&2
    exit 64
fi

# nice: the machine has 2 cores that other builds share; the build is not what is measured.
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    echo "building durablectl (release)..." >&2
    nice -n 10 swift build -c release --product durablectl >> "$LOG" 2>&1 || { tail -30 "$LOG" >&2; exit 1; }
fi
DURABLECTL="$(swift build -c release --show-bin-path)/durablectl"

# The rows of the issue's table: name, op, clients, calls in flight per client. The queue's
# clients are split in producers and consumers as Python's script splits them (2: 1P1C, 8: 4P4C).
# Python's script has no calls in flight, so the --inflight rows have no Python figure: their
# goal is an absolute one.
ROWS=(
    "dict_get|dict_get|1|1"
    "dict_get|dict_get|8|1"
    "dict_set|dict_set|1|1"
    "dict_set|dict_set|8|1"
    "list_append|list_append|8|1"
    "ns_set|ns_set|8|1"
    "ns_set|ns_set|1|1"
    "lock|lock|8|1"
    "queue 1P1C|queue|2|1"
    "queue 4P4C|queue|8|1"
    "dict_get, 16 in flight|dict_get|1|16"
    "dict_set, 16 in flight|dict_set|1|16"
)

# Runs one measurement and appends its JSON line, tagged with the row, the round and the
# runner, to $OUT. A run that fails is logged and left out of the medians, not fatal: one
# peer's hiccup should not cost the other rows.
record() {
    local row="$1" round="$2" runner="$3"
    shift 3
    local line
    if line="$("$@" 2>> "$LOG" | tail -1)" && [[ "$line" == "{"* ]]; then
        printf '{"row": "%s", "round": %d, "runner": "%s", "result": %s}\n' "$row" "$round" "$runner" "$line" >> "$OUT"
        printf '.' >&2
    else
        echo "round $round, $row, $runner failed: $*" >> "$LOG"
        printf 'x' >&2
    fi
}

HAVE_REDIS=0
if command -v redis-server > /dev/null && command -v redis-benchmark > /dev/null && command -v redis-cli > /dev/null; then
    HAVE_REDIS=1
fi

# Redis SET from 8 connections, one request each in flight, 100-byte values, over the Unix
# socket, on a private redis-server with `appendfsync always` started and stopped by the peer
# script's own Server (by its pid).
redis_always() {
    python3 - "$BENCH_DIR" "$REDIS_CALLS" << 'PYTHON'
import json, sys
sys.path.insert(0, sys.argv[1])
import redis_bench
server = redis_bench.Server("always")
try:
    result = redis_bench.rb(server, "unix", "set", int(sys.argv[2]), 8, 1)
finally:
    server.stop()
print(json.dumps({"ops_per_s": result["rps"], "p50_us": result["p50_ms"] * 1000, "p99_us": result["p99_ms"] * 1000,
                  "cmd": result["cmd"]}))
PYTHON
}

started=$SECONDS
for ((round = 1; round <= ROUNDS; round++)); do
    printf 'round %d/%d ' "$round" "$ROUNDS" >&2
    for spec in "${ROWS[@]}"; do
        IFS='|' read -r row op clients inflight <<< "$spec"
        if [[ "$inflight" == 1 ]]; then
            record "$row|$clients" "$round" python \
                python3 "$BENCH_DIR/mp_manager_bench.py" --family unix --op "$op" --clients "$clients" --total "$CALLS"
        fi
        record "$row|$clients" "$round" normal \
            "$DURABLECTL" bench --json --family unix --durability normal --op "$op" --clients "$clients" --inflight "$inflight" --total "$CALLS"
        record "$row|$clients" "$round" full \
            "$DURABLECTL" bench --json --family unix --durability full --op "$op" --clients "$clients" --inflight "$inflight" --total "$FULL_CALLS"
        # Redis beside ours `full` at 8 writers, in the same minute.
        if [[ "$row|$clients" == "dict_set|8" && "$HAVE_REDIS" == 1 ]]; then
            record "redis|8" "$round" redis_always redis_always
            record "redis|8" "$round" full \
                "$DURABLECTL" bench --json --family unix --durability full --op dict_set --clients 8 --total "$REDIS_CALLS"
        fi
    done
    echo >&2
done
echo "measured in $((SECONDS - started)) s" >&2

python3 - "$OUT" "$ROUNDS" "$CALLS" "$FULL_CALLS" "$HAVE_REDIS" "$(git rev-parse --short HEAD)" << 'PYTHON'
import json, statistics, sys

path, rounds, calls, full_calls, have_redis, commit = sys.argv[1:]
runs = {}
order = []
for line in open(path):
    entry = json.loads(line)
    key = (entry["row"], entry["runner"])
    if entry["row"] not in order:
        order.append(entry["row"])
    runs.setdefault(key, []).append(entry["result"])

def median(row, runner, field):
    values = [r[field] for r in runs.get((row, runner), []) if isinstance(r.get(field), (int, float))]
    return statistics.median(values) if values else None

def rate(value):
    if value is None:
        return "-"
    return f"{value / 1000:.1f}k" if value >= 1000 else f"{value:.0f}"

def ratio(ours, theirs):
    return f"{ours / theirs:.2f}" if ours and theirs else "-"

def fixed(value, places=1):
    return "-" if value is None else f"{value:.{places}f}"

def p50(row, runner):
    # The queue reports its puts and gets apart (Python only so); the p50 compared is the get's.
    for field in ("p50_us", "get_p50_us"):
        if row.startswith("queue") and field == "p50_us":
            continue
        value = median(row, runner, field)
        if value is not None:
            return value
    return None

def cpu(row, runner):
    client, manager = median(row, runner, "client_cpu_us_per_op"), median(row, runner, "manager_cpu_us_per_op")
    user, system = median(row, runner, "client_user_us_per_op"), median(row, runner, "client_sys_us_per_op")
    if client is None:
        return "-"
    return f"{fixed(client)} ({fixed(user)}+{fixed(system)}) / {fixed(manager) if manager is not None else '?'}"

def per_commit(row):
    value = median(row, "full", "records_per_commit")
    return "" if value is None else f" {value:.1f} rec/commit"

print(f"durablectl bench vs Python {sys.version.split()[0]} multiprocessing manager, unix socket; "
      f"medians of {rounds} alternating round(s); {calls} calls a run ({full_calls} for ours `full`); commit {commit}")
print()
print("| op | clients | Python ops/s | ours normal | ratio | ours full | ratio | p50 us Python / normal / full "
      "| client CPU us/call (user+sys) / manager, normal | same, full |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for row in order:
    if row.startswith("redis|"):
        continue
    name, clients = row.split("|")
    python, normal, full = (median(row, r, "ops_per_s") for r in ("python", "normal", "full"))
    latencies = " / ".join(fixed(p50(row, r)) for r in ("python", "normal", "full"))
    print(f"| {name} | {clients} | {rate(python)} | {rate(normal)} | {ratio(normal, python)} | {rate(full)} | "
          f"{ratio(full, python)} | {latencies} | {cpu(row, 'normal')} | {cpu(row, 'full')}{per_commit(row)} |")
print()
if have_redis == "1":
    redis, ours = median("redis|8", "redis_always", "ops_per_s"), median("redis|8", "full", "ops_per_s")
    command = next((r.get("cmd") for r in runs.get(("redis|8", "redis_always"), [])), "redis-benchmark")
    print("| vs Redis, appendfsync always | clients | Redis req/s | ours full ops/s | ratio | p50 us Redis / ours "
          "| client CPU us/call / manager, ours |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(f"| SET / dict_set | 8 | {rate(redis)} | {rate(ours)} | {ratio(ours, redis)} | "
          f"{fixed(median('redis|8', 'redis_always', 'p50_us'))} / {fixed(median('redis|8', 'full', 'p50_us'))} | "
          f"{cpu('redis|8', 'full')} |")
    print(f"\nRedis: `{command}`")
else:
    print("Redis row skipped: redis-server, redis-benchmark or redis-cli is not installed "
          "(apt-get install -y redis-server redis-tools)")
print()
print("CPU: the clients' (every worker process's getrusage over its timed calls, added up) and the manager's "
      "(its process CPU clock over the same window), per call (the queue: per item moved); ? where unknown.")
print("The 16-in-flight rows have no Python figure (its script makes one call at a time); their goal is absolute.")
PYTHON
failures=$(grep -c ' failed: ' "$LOG" || true)
echo
echo "raw results: $OUT; log: $LOG"
if [[ "$failures" != 0 ]]; then echo "$failures runs failed and are left out of the medians: see the log"; fi
