#!/usr/bin/env bash
# Calls that survive the socket, the long run: three client processes append and set with the
# library's own retries while the manager is SIGKILLed and restarted over and over; every call
# must succeed and none be applied twice (Tests/EndToEndTests/ExactlyOnceTests.swift).
#
#   scripts/crash-exactly-once.sh        # 30 kills
#   scripts/crash-exactly-once.sh 100
set -euo pipefail
cd "$(dirname "$0")/.."
EXACTLY_ONCE_CYCLES="${1:-30}" swift test --filter ExactlyOnceTests 2>&1 | grep -E "exactly once|duplicates|✘|✔ Test run|error" || true
