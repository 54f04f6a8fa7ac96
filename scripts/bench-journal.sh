#!/usr/bin/env bash
# Measures the journal's restart and checkpoint figures of issue 13 on a release build:
#
#   restart after RECORDS journal records and no checkpoint (kill -9, then start until ping answers)
#   full checkpoint of an ENTRIES-entry dict (the checkpoint of a clean stop, from its log line)
#   restart after a clean stop with that dict (start until ping answers)
#
# and prints one line per figure, the same on every build, so runs before and after a change
# compare line by line. Each restart line gives the wall time from exec to the first ping that
# answers (a ping is a process of its own: about 10-20 ms of it is the ping) and the `ms` the
# manager logs for its own start.
#
# usage: scripts/bench-journal.sh [--records N] [--entries N] [--runs N] [--skip-build] [--keep]
#   --records  journal records to replay (default 1000000), made by `durablectl bench --op dict_set`
#   --entries  entries of the dict (default 1000000), put by `durablectl call NAME update` in chunks
#   --runs     restarts timed per figure; each is printed, then the median (default 3)
#   --keep     leave the work folder (its path is printed) with the journals and logs
#   --only records|dict   run one of the two parts
# DURABLECTL=path runs that binary instead of building (a build of another commit, for a
# before/after comparison).
set -euo pipefail
cd "$(dirname "$0")/.."

records=1000000
entries=1000000
runs=3
build=1
keep=0
only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --records) records=$2; shift 2 ;;
        --entries) entries=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --skip-build) build=0; shift ;;
        --keep) keep=1; shift ;;
        --only) only=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done

if [ -n "${DURABLECTL:-}" ]; then
    ctl=$DURABLECTL
else
    if [ $build = 1 ]; then
        nice -n 10 swift build -c release --product durablectl >&2
    fi
    ctl="$(swift build -c release --show-bin-path)/durablectl"
fi
work=$(mktemp -d /tmp/bench-journal.XXXXXX)
socket="$work/manager.sock"
key="$work/authkey"
server=""
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -9 "$server" 2>/dev/null || true; fi
    if [ $keep = 1 ]; then echo "work folder: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

now() { date +%s%N; }

# serve JOURNAL LOG: starts a manager in the background (pid in $server); no automatic
# checkpoint, so the records stay in the journal.
serve() {
    "$ctl" serve --listen "unix:$socket" --authkey-file "$key" --journal "$1" --checkpoint-every 1000000000 2>>"$2" >/dev/null &
    server=$!
}

ping_until_answered() {
    until "$ctl" ping --connect "unix:$socket" --authkey-file "$key" --timeout 2 >/dev/null 2>&1; do
        kill -0 "$server" 2>/dev/null || { echo "the manager exited; see its log" >&2; exit 70; }
        sleep 0.005
    done
}

stop_cleanly() {
    "$ctl" shutdown --connect "unix:$socket" --authkey-file "$key" >/dev/null
    wait "$server" || true
    server=""
}

kill_hard() {
    kill -9 "$server"
    wait "$server" 2>/dev/null || true
    server=""
}

# restart JOURNAL LOG: starts the manager; once ping answers, sets wall (ms from exec to the
# answer), logged (the ms the manager logs for its start) and replayed.
restart() {
    local before after
    : >"$2.last"
    before=$(now)
    serve "$1" "$2.last"
    ping_until_answered
    after=$(now)
    cat "$2.last" >>"$2"
    wall=$(( (after - before) / 1000000 ))
    # The manager's CPU time so far (user and system, /proc in clock ticks): steadier than the
    # wall time on a machine that runs other work.
    local ticks
    ticks=$(awk '{ print $14 + $15 }' "/proc/$server/stat")
    cpu=$(( ticks * 1000 / $(getconf CLK_TCK) ))
    logged=$(grep 'restored the journal' "$2.last" | sed -n 's/.* ms=\([0-9]*\).*/\1/p' | tail -1)
    replayed=$(grep 'restored the journal' "$2.last" | sed -n 's/.*replayed=\([0-9]*\).*/\1/p' | tail -1)
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "# bench-journal $ctl $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources || echo '+changes') $(date -u +%Y-%m-%dT%H:%M:%SZ) records=$records entries=$entries runs=$runs"

# 1. RECORDS records, no checkpoint, kill -9, restart.
if [ "$only" != dict ]; then
journal="$work/records.sqlite"
log="$work/records.log"
serve "$journal" "$log"
ping_until_answered
# A bench run stops after 30 s: on a slow machine it takes more than one.
made=0
while [ "$made" -lt "$records" ]; do
    "$ctl" bench --op dict_set --clients 4 --inflight 8 --total $(( records - made )) \
        --connect "unix:$socket" --authkey-file "$key" --json >>"$work/records-bench.json"
    made=$("$ctl" ping --connect "unix:$socket" --authkey-file "$key" --json | sed -n 's/.*"journalRecords": *\([0-9]*\).*/\1/p')
done
kill_hard
walls=()
cpus=()
for run in $(seq "$runs"); do
    cp "$journal" "$work/copy.sqlite"
    [ -f "$journal-wal" ] && cp "$journal-wal" "$work/copy.sqlite-wal"
    cp "$journal.lock" "$work/copy.sqlite.lock"
    restart "$work/copy.sqlite" "$log"
    kill_hard
    rm -f "$work"/copy.sqlite*
    echo "restart_after_records run=$run wall_ms=$wall logged_ms=$logged cpu_ms=$cpu replayed=$replayed"
    walls+=("$wall")
    cpus+=("$cpu")
done
echo "RESULT restart_after_${records}_records_ms $(printf '%s\n' "${walls[@]}" | median) cpu_ms $(printf '%s\n' "${cpus[@]}" | median)"
fi
[ "$only" = records ] && exit 0

# 2. An ENTRIES-entry dict: put in chunks, then a clean stop, whose checkpoint writes it whole.
journal="$work/dict.sqlite"
log="$work/dict.log"
serve "$journal" "$log"
ping_until_answered
chunk=4000
seq 0 $(( (entries + chunk - 1) / chunk - 1 )) | xargs -P 2 -I{} sh -c '
    start=$(( {} * '$chunk' )); end=$(( start + '$chunk' )); [ $end -gt '$entries' ] && end='$entries'
    json=$(awk -v s=$start -v e=$end "BEGIN { printf \"{\"; for (i = s; i < e; i++) printf \"%s\\\"key-%07d\\\": \\\"value-%07d\\\"\", (i > s ? \",\" : \"\"), i, i; printf \"}\" }")
    "'"$ctl"'" call --connect "unix:'"$socket"'" --authkey-file "'"$key"'" dict:big update "$json" >/dev/null
'
size=$("$ctl" call --connect "unix:$socket" --authkey-file "$key" big __len__)
stop_cleanly
checkpoint_ms=$(grep '\] checkpoint' "$log" | sed -n 's/.* ms=\([0-9]*\).*/\1/p' | tail -1)
echo "full_checkpoint entries=$size logged_ms=$checkpoint_ms"
echo "RESULT full_checkpoint_${entries}_entry_dict_ms $checkpoint_ms"
walls=()
cpus=()
for run in $(seq "$runs"); do
    restart "$journal" "$log"
    stop_cleanly
    echo "restart_after_clean_stop run=$run wall_ms=$wall logged_ms=$logged cpu_ms=$cpu replayed=$replayed"
    walls+=("$wall")
    cpus+=("$cpu")
done
echo "RESULT restart_after_clean_stop_${entries}_entry_dict_ms $(printf '%s\n' "${walls[@]}" | median) cpu_ms $(printf '%s\n' "${cpus[@]}" | median)"
