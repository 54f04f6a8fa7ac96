#!/usr/bin/env bash
# Instructions per call in the client process and in the manager, counted by callgrind, which
# is reproducible where wall-clock figures on this machine are not. Each op runs twice under
# `valgrind --trace-children=yes` (one client, CALLS and 2*CALLS timed calls); the difference
# of the two runs' totals over CALLS is the cost of one call: start-up, warm-up and shutdown
# cancel out.
#
#   scripts/callgrind-calls.sh                       # release build, dict_get and dict_set
#   OPS="dict_set lock" CALLS=2000 scripts/callgrind-calls.sh path/to/durablectl
#   KEEP=/tmp/profiles scripts/callgrind-calls.sh   # keep the outputs, for callgrind_annotate
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-.build/release/durablectl}"
calls="${CALLS:-1000}"
ops="${OPS:-dict_get dict_set list_append lock}"
durability="${DURABILITY:-normal}"
command -v valgrind >/dev/null || { echo "callgrind-calls: valgrind is not installed (apt-get install valgrind)" >&2; exit 69; }
[ -x "$binary" ] || { echo "callgrind-calls: no $binary; build it: swift build -c release --product durablectl" >&2; exit 66; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Valgrind 3.19 cannot read the DWARF 5 that Swift writes: count on a copy without debug
# information (the symbol table stays, for callgrind_annotate).
strip --strip-debug -o "$work/durablectl" "$binary"
binary="$work/durablectl"
cc -shared -fPIC -O2 -o "$work/preload.so" scripts/valgrind-preload.c -ldl

# Prints the instructions of the client process and of the manager for one run.
count() {
    local dir="$work/$1-$2"
    mkdir -p "$dir"
    LD_PRELOAD="$work/preload.so" valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$dir/out.%p" \
        "$binary" bench --op "$1" --clients 1 --total "$2" --durability "$durability" >"$dir/report" 2>"$dir/log" || {
        echo "callgrind-calls: the run of $1 failed:" >&2; cat "$dir/log" >&2; exit 70
    }
    local client=0 manager=0 file command total
    for file in "$dir"/out.*; do
        command=$(grep -m1 '^cmd:' "$file")
        total=$(grep -m1 -E '^(summary|totals):' "$file" | awk '{print $2}')
        case "$command" in
            *" --worker "*) client=$((client + total)) ;;
            *" serve "*) manager=$((manager + total)) ;;
        esac
    done
    if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp -r "$dir" "$KEEP/"; fi
    echo "$client $manager"
}

printf '%-12s %18s %18s\n' op "client instr/call" "manager instr/call"
for op in $ops; do
    read -r client1 manager1 < <(count "$op" "$calls")
    read -r client2 manager2 < <(count "$op" $((2 * calls)))
    printf '%-12s %18d %18d\n' "$op" $(((client2 - client1) / calls)) $(((manager2 - manager1) / calls))
done
