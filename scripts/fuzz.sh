#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of the manager's decoders:
#   wire     frames from a peer, before and after login, through decoding and dispatch
#   journal  values as the journal holds them, through restore, replay and checkpoint
#   pickle   a CPython peer's pickles through the data-only reader, and back through the writer
#
#   scripts/fuzz.sh wire                 # 10 million runs (RUNS=...), corpus in Fuzz/corpus/wire
#   RUNS=-1 scripts/fuzz.sh journal      # until stopped
#   scripts/fuzz.sh wire -max_total_time=600   # any other libFuzzer flag goes through
#
# A crash leaves crash-* in Fuzz/; rerun it with a normal build:
#   swift build --product durable-fuzzer && .build/debug/durable-fuzzer wire Fuzz/crash-...
# Not part of CI: it runs for as long as it is given.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: scripts/fuzz.sh wire|journal|pickle [libFuzzer flags]}"
shift
# lld: gold fails on libFuzzer's objects ("internal error in format_file_lineno").
swift build -c release --scratch-path .build-fuzz --product durable-fuzzer \
  -Xswiftc -sanitize=fuzzer -Xswiftc -D -Xswiftc FUZZING -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld
corpus="Fuzz/corpus/$target"
mkdir -p "$corpus"
if [ -z "$(ls -A "$corpus")" ]; then
  swift build --product durable-fuzzer
  .build/debug/durable-fuzzer seeds Fuzz/corpus
fi
cd Fuzz
# Swift's own backtracer would catch a trap before libFuzzer could save the input that caused it.
FUZZ_TARGET="$target" SWIFT_BACKTRACE=enable=no exec ../.build-fuzz/release/durable-fuzzer "corpus/$target" \
  -runs="${RUNS:-10000000}" -max_len=65536 -rss_limit_mb=4096 -print_final_stats=1 "$@"
