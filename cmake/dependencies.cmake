# Every dependency comes from a Debian 12 package (scripts/setup.sh installs them); nothing is
# downloaded at build time. The one vendored file set is the console's chart library (uPlot, MIT,
# src/web/console/vendor/uplot with its licence and version), embedded into the binary.
find_package(OpenSSL 3.0 REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(tomlplusplus 3 REQUIRED)
find_package(CLI11 2 REQUIRED)
find_package(Boost 1.81 REQUIRED)
find_package(Protobuf 3.21 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(SQLiteCpp REQUIRED)
find_package(PostgreSQL 15 REQUIRED)  # libpq only (libpq-dev), not the server headers
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)  # libre2-dev: collect log rules (architecture.md)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)  # libsodium-dev: console passwords (Argon2id)
find_package(CURL 7.85 REQUIRED)  # libcurl4-openssl-dev: alert notifications (webhooks, SMTP)
if(OUTPOST_TESTS)
  find_package(GTest REQUIRED)
endif()
