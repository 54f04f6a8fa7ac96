#!/usr/bin/env bash
# Flips random bytes in real journals (a checkpointed one, and one with its WAL after a kill) and
# starts a manager on each damaged copy: every trial must be refused, with the copy left
# byte-identical, or serve exactly the state the journal held
# (Tests/EndToEndTests/JournalCorruptionTests.swift).
#
#   scripts/corrupt-journal.sh          # 300 trials per journal
#   scripts/corrupt-journal.sh 1000
set -euo pipefail
cd "$(dirname "$0")/.."
CORRUPTION_TRIALS="${1:-300}" swift test --filter JournalCorruptionTests 2>&1 | grep -E "journal corruption|served as|changed|✘|✔ Test run|error" || true
