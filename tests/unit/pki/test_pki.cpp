#include "test_pki.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <stdexcept>

#include "core/files.hpp"

namespace outpost::pki::testing {
namespace {

template <class T>
T expect_ok(Result<T> r) {
  if (!r) throw std::runtime_error(r.error().describe());
  return std::move(*r);
}

void expect_done(Result<void> r) {
  if (!r) throw std::runtime_error(r.error().describe());
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "outpost-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Issued make_root(const std::string& name) {
  KeyPtr key = expect_ok(generate_key(KeyType::ec256));
  Certificate cert = expect_ok(
      sign_certificate(root_profile(name, 3650, Clock::now()), key.get(), nullptr, key.get()));
  return Issued{std::move(cert), std::move(key)};
}

TestCa::TestCa(const std::string& name) : TestCa(make_root(name)) {}

TestCa::TestCa(Issued root) : cert_(std::move(root.certificate)), key_(std::move(root.key)) {}

Issued TestCa::sign(const CertificateSpec& spec, KeyPtr subject_key) const {
  if (!subject_key) subject_key = expect_ok(generate_key(KeyType::ec256));
  Certificate c = expect_ok(sign_certificate(spec, subject_key.get(), &cert_, key_.get()));
  return Issued{std::move(c), std::move(subject_key)};
}

void write_pem_pair(const std::filesystem::path& dir, const std::string& name,
                    const Issued& issued) {
  std::filesystem::create_directories(dir);
  expect_done(write_file_atomic(dir / (name + ".crt"), issued.certificate.pem(), 0644));
  expect_done(
      write_file_atomic(dir / (name + ".key"), expect_ok(private_key_pem(issued.key.get())), 0600));
}

}  // namespace outpost::pki::testing
