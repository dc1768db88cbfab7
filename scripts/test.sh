#!/usr/bin/env bash
# Installs what is missing, builds the sanitizer test build, and runs every test (unit tests per
# library, interoperability and command-line tests against the real `outpost` binary).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh            # the optimised build too: GCC warns differently at -O2
scripts/setup.sh --test
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir build/test --output-on-failure -j "$(nproc)" --timeout 600
