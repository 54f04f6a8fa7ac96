#!/usr/bin/env bash
# A WorkQueue under SIGKILL, the long run: four producer and four worker processes with the
# library's own retries while the manager is killed and restarted over and over; every
# acknowledged put must be acked exactly once, under a tag no other ack used
# (Tests/EndToEndTests/WorkQueueCrashTests.swift).
#
#   scripts/crash-workqueue.sh        # 30 kills
#   scripts/crash-workqueue.sh 100
set -euo pipefail
cd "$(dirname "$0")/.."
WORKQUEUE_CRASH_CYCLES="${1:-30}" swift test --filter WorkQueueCrashTests 2>&1 | grep -E "workqueue crash|acked|never|✘|✔ Test run|error" || true
