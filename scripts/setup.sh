#!/usr/bin/env bash
# Installs the Debian packages Outpost needs (only those missing), then configures and builds.
#   scripts/setup.sh            release build in build/release (what the demo runs)
#   scripts/setup.sh --test     debug build with address/UB sanitizers in build/test
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config git openssl
  libssl-dev libsqlite3-dev libsqlitecpp-dev libpq-dev libboost1.81-dev libprotobuf-dev protobuf-compiler libfmt-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libgtest-dev libre2-dev
  libcurl4-openssl-dev  # alert notifications: webhooks (HTTPS) and e-mail (SMTP with STARTTLS)
  libsodium-dev  # the console's password hashes (Argon2id), session ids and API tokens
  clang-format jq  # jq: the integration tests read --json output
  sqlite3 bc  # bench/run.sh reads the benchmark's database and computes its figures
  python3-aiosmtpd  # the alerts test's local SMTP relay (STARTTLS)
  python3  # the junk clients of the flood tests and bench/run.sh flood (tests/tools, bench/flood.py)
  monitoring-plugins-basic  # check_disk and friends: the collect tests run the real plugins
  postgresql  # the tests' throwaway servers: initdb, pg_ctl, psql under /usr/lib/postgresql/15/bin
)
if [ "${1:-}" = "--test" ]; then
  # The console's browser test: Debian's Chromium (driven by playwright-core from npm, which
  # downloads no browser) and certutil, which puts the test's root in Chromium's NSS database.
  packages+=(chromium libnss3-tools)
  command -v node >/dev/null || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

mode="${1:-release}"
case "$mode" in
  release|--release)
    # -g1: line tables and function names (backtraces, perf) at a fifth less compile time than -g
    cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DOUTPOST_TESTS=OFF >/dev/null
    cmake --build build/release
    ;;
  --test)
    cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=Debug -DOUTPOST_SANITIZE=ON -DOUTPOST_TESTS=ON >/dev/null
    cmake --build build/test
    # The browser test's packages, exactly as package-lock.json pins them.
    npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
    ;;
  *)
    echo "usage: scripts/setup.sh [--test]" >&2
    exit 2
    ;;
esac
