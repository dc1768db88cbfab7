// The import (MOMCertImport) end to end against real files in a temporary state directory: what
// it writes on success, and that every refusal leaves machine-settings.toml untouched.
#include "pki/import.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/files.hpp"
#include "pki/verify.hpp"
#include "test_pki.hpp"

namespace outpost::pki {
namespace {

using testing::Issued;
using testing::TestCa;

constexpr const char* kFqdn = "agent1.lab.test";

std::string pfx_bytes(const Issued& issued, const char* password) {
  Pkcs12Ptr p12(PKCS12_create(password, "agent", issued.key.get(), issued.certificate.get(),
                              nullptr, 0, 0, 0, 0, 0));
  EXPECT_TRUE(p12);
  BioPtr bio(BIO_new(BIO_s_mem()));
  i2d_PKCS12_bio(bio.get(), p12.get());
  return bio_text(bio.get());
}

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(add_trusted(paths_, ca_.certificate().pem())); }

  Result<ImportReport> import_files(const Issued& issued, bool with_key = true) {
    testing::write_pem_pair(tmp_.path() / "in", "cert", issued);
    FromFiles files{tmp_.path() / "in" / "cert.crt", std::nullopt};
    if (with_key) files.key = tmp_.path() / "in" / "cert.key";
    return import_channel_certificate({paths_, kFqdn, files, Clock::now()});
  }

  std::string settings_text() const {
    return read_file(paths_.machine_settings()).value_or("<none>");
  }

  testing::TempDir tmp_;
  StatePaths paths_{tmp_.path() / "state"};
  TestCa ca_;
};

TEST_F(ImportTest, RecordsTheReversedSerialAndTheHash) {
  const Issued issued = ca_.issue(kFqdn);
  auto report = import_files(issued);
  ASSERT_TRUE(report) << report.error().describe();
  ASSERT_TRUE(report->accepted);
  auto settings = read_machine_settings(paths_);
  ASSERT_TRUE(settings && *settings);
  EXPECT_EQ((*settings)->serial_reversed, reverse_hex_bytes(issued.certificate.serial_hex()));
  EXPECT_EQ((*settings)->sha256, issued.certificate.sha256_hex());
  EXPECT_EQ((*settings)->fqdn, kFqdn);

  struct stat st {};
  ASSERT_EQ(::stat(report->stored->key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0600U);
  ASSERT_EQ(::stat(paths_.root.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0700U);

  auto channel = load_channel_certificate(paths_);
  ASSERT_TRUE(channel) << channel.error().describe();
  EXPECT_EQ(channel->entry.certificate.sha256_hex(), issued.certificate.sha256_hex());
}

TEST_F(ImportTest, RefusalLeavesTheRecordedCertificateUntouched) {
  ASSERT_TRUE(import_files(ca_.issue(kFqdn)).value().accepted);
  const std::string before = settings_text();
  const Issued bad = ca_.issue(kFqdn, [](CertificateSpec& s) { s.ekus.pop_back(); });
  auto report = import_files(bad);
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->accepted);
  EXPECT_EQ(first_failure(report->checks)->event, EventId::cert_eku_missing);
  EXPECT_EQ(settings_text(), before);
  EXPECT_EQ(load_personal(paths_).entries.size(), 1U);
}

TEST_F(ImportTest, CertificateWithoutKeyIsRefusedAndNothingIsCreated) {
  StatePaths fresh{tmp_.path() / "fresh"};
  testing::write_pem_pair(tmp_.path() / "in", "cert", ca_.issue(kFqdn));
  auto report = import_channel_certificate(
      {fresh, kFqdn, FromFiles{tmp_.path() / "in" / "cert.crt", std::nullopt}, Clock::now()});
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->accepted);
  EXPECT_EQ(first_failure(report->checks)->event, EventId::cert_no_private_key);
  EXPECT_FALSE(std::filesystem::exists(fresh.root));
}

TEST_F(ImportTest, PfxWithPasswordImports) {
  const Issued issued = ca_.issue(kFqdn);
  ASSERT_TRUE(write_file_atomic(tmp_.path() / "a.pfx", pfx_bytes(issued, "s3cret")));
  ASSERT_TRUE(write_file_atomic(tmp_.path() / "pw", "s3cret\n"));
  auto report = import_channel_certificate(
      {paths_, kFqdn, FromPfx{tmp_.path() / "a.pfx", tmp_.path() / "pw"}, Clock::now()});
  ASSERT_TRUE(report) << report.error().describe();
  EXPECT_TRUE(report->accepted);
  EXPECT_EQ(report->settings->sha256, issued.certificate.sha256_hex());
}

TEST_F(ImportTest, PfxWithWrongPasswordSaysSo) {
  ASSERT_TRUE(write_file_atomic(tmp_.path() / "a.pfx", pfx_bytes(ca_.issue(kFqdn), "s3cret")));
  ASSERT_TRUE(write_file_atomic(tmp_.path() / "pw", "wrong\n"));
  auto report = import_channel_certificate(
      {paths_, kFqdn, FromPfx{tmp_.path() / "a.pfx", tmp_.path() / "pw"}, Clock::now()});
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().event, EventId::cert_file_unreadable);
  EXPECT_NE(report.error().message.find("password is wrong"), std::string::npos);
  auto no_password = import_channel_certificate(
      {paths_, kFqdn, FromPfx{tmp_.path() / "a.pfx", std::nullopt}, Clock::now()});
  ASSERT_FALSE(no_password);
  EXPECT_NE(no_password.error().message.find("protected by a password"), std::string::npos);
}

TEST_F(ImportTest, SubjectPicksTheNewestCertificateInThePersonalStore) {
  const Issued old_one = ca_.issue(
      kFqdn, [](CertificateSpec& s) { s.not_before = Clock::now() - std::chrono::days(300); });
  ASSERT_TRUE(import_files(old_one).value().accepted);
  const Issued renewed = ca_.issue(kFqdn);
  testing::write_pem_pair(paths_.personal(), "renewed", renewed);
  auto report = import_channel_certificate({paths_, kFqdn, FromPersonalStore{kFqdn}, Clock::now()});
  ASSERT_TRUE(report) << report.error().describe();
  ASSERT_TRUE(report->accepted);
  EXPECT_EQ(report->settings->sha256, renewed.certificate.sha256_hex());
  EXPECT_EQ(report->stored->certificate_file, paths_.personal() / "renewed.crt");
}

TEST_F(ImportTest, RenewalThatWasNotImportedIsCaughtWith20066) {
  auto first = import_files(ca_.issue(kFqdn));
  ASSERT_TRUE(first && first->accepted);
  // An auto-renewal overwrites the files in the personal store with a new certificate.
  const Issued renewed = ca_.issue(kFqdn);
  const auto stem = first->stored->certificate_file.stem().string();
  testing::write_pem_pair(paths_.personal(), stem, renewed);
  auto channel = load_channel_certificate(paths_);
  ASSERT_FALSE(channel);
  EXPECT_EQ(channel.error().event, EventId::cert_not_found);
  EXPECT_NE(channel.error().message.find(first->settings->sha256), std::string::npos);
  EXPECT_NE(channel.error().message.find(renewed.certificate.serial_hex()), std::string::npos);
  EXPECT_NE(channel.error().fix.find("--subject"), std::string::npos);
}

TEST_F(ImportTest, VerifyWarnsAboutARenewalWaitingBesideTheRecordedCertificate) {
  const Issued old_one = ca_.issue(
      kFqdn, [](CertificateSpec& s) { s.not_before = Clock::now() - std::chrono::days(300); });
  ASSERT_TRUE(import_files(old_one).value().accepted);
  auto clean = verify_channel_certificate(paths_, std::nullopt, Clock::now());
  EXPECT_EQ(first_failure(clean), nullptr);
  EXPECT_EQ(clean.back().name, "renewal");
  EXPECT_EQ(clean.back().verdict, Verdict::pass);

  testing::write_pem_pair(paths_.personal(), "renewed", ca_.issue(kFqdn));
  auto results = verify_channel_certificate(paths_, std::nullopt, Clock::now());
  EXPECT_EQ(first_failure(results), nullptr);
  EXPECT_EQ(results.back().verdict, Verdict::warn);
  EXPECT_NE(results.back().detail.find("renewed.crt"), std::string::npos);
  EXPECT_NE(results.back().fix.find("--subject agent1.lab.test"), std::string::npos);
}

TEST_F(ImportTest, VerifyUsesTheConfiguredNameOverTheRecordedOne) {
  ASSERT_TRUE(import_files(ca_.issue(kFqdn)).value().accepted);
  auto results = verify_channel_certificate(paths_, "agent9.lab.test", Clock::now());
  ASSERT_NE(first_failure(results), nullptr);
  EXPECT_EQ(first_failure(results)->event, EventId::cert_name_mismatch);
}

TEST_F(ImportTest, GarbageKeyFileIs30004) {
  testing::write_pem_pair(tmp_.path() / "in", "cert", ca_.issue(kFqdn));
  ASSERT_TRUE(write_file_atomic(tmp_.path() / "in" / "garbage.key", "not a key"));
  auto report = import_channel_certificate(
      {paths_, kFqdn,
       FromFiles{tmp_.path() / "in" / "cert.crt", tmp_.path() / "in" / "garbage.key"},
       Clock::now()});
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().event, EventId::cert_file_unreadable);
  EXPECT_NE(report.error().message.find("garbage.key"), std::string::npos);
}

TEST_F(ImportTest, MissingKeyOfTheRecordedCertificateIs20068) {
  auto first = import_files(ca_.issue(kFqdn));
  ASSERT_TRUE(first && first->accepted);
  std::filesystem::remove(first->stored->key_file);
  auto channel = load_channel_certificate(paths_);
  ASSERT_FALSE(channel);
  EXPECT_EQ(channel.error().event, EventId::cert_no_private_key);
}

TEST_F(ImportTest, NothingRecordedIs20066) {
  auto channel = load_channel_certificate(paths_);
  ASSERT_FALSE(channel);
  EXPECT_EQ(channel.error().event, EventId::cert_not_found);
}

TEST_F(ImportTest, TrustRefusesAComputerCertificate) {
  auto added = add_trusted(paths_, ca_.issue(kFqdn).certificate.pem());
  ASSERT_FALSE(added);
  EXPECT_NE(added.error().message.find("not a CA certificate"), std::string::npos);
}

TEST_F(ImportTest, TrustIsIdempotent) {
  auto again = add_trusted(paths_, ca_.certificate().pem());
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(load_trusted(paths_).certificates.size(), 1U);
}

}  // namespace
}  // namespace outpost::pki
