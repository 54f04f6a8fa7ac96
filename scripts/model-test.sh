#!/usr/bin/env bash
# The model-based randomized test (Tests/DurableManagerTests/ModelTests.swift), long: many
# random call sequences against the real store and journal, memory checked against the journal
# after every call, crashes and clean restarts at random moments.
#
#   scripts/model-test.sh                 # 1000 sequences of 400 calls
#   SEQUENCES=5000 scripts/model-test.sh  # more
#   MODEL_SEED=1234 SEQUENCES=1 scripts/model-test.sh   # replay one failing seed
set -euo pipefail
cd "$(dirname "$0")/.."
export MODEL_SEQUENCES="${SEQUENCES:-1000}" MODEL_STEPS="${STEPS:-400}"
swift test --filter ModelTests 2>&1 | grep -E "model test|seed|✘|✔ Test run|error" || true
