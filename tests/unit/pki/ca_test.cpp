#include "pki/ca.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "pki/checks.hpp"
#include "test_pki.hpp"

namespace outpost::pki {
namespace {

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777U;
}

class CaTest : public ::testing::Test {
 protected:
  testing::TempDir tmp_;
  std::filesystem::path dir_ = tmp_.path() / "ca";
};

TEST_F(CaTest, InitWritesAPrivateFolderAndARootCertificate) {
  auto ca = CertificateAuthority::init(dir_, "LAB Root CA", 100, KeyType::ec256);
  ASSERT_TRUE(ca) << ca.error().describe();
  EXPECT_EQ(mode_of(dir_), 0700U);
  EXPECT_EQ(mode_of(dir_ / "ca.key"), 0600U);
  EXPECT_TRUE(ca->certificate().is_ca());
  EXPECT_TRUE(ca->certificate().is_self_issued());
  EXPECT_EQ(ca->certificate().common_name(), "LAB Root CA");
  EXPECT_TRUE(ca->certificate().key_usage().key_cert_sign);
}

TEST_F(CaTest, InitNeverOverwritesAnExistingCa) {
  ASSERT_TRUE(CertificateAuthority::init(dir_, "First", 100, KeyType::ec256));
  auto again = CertificateAuthority::init(dir_, "Second", 100, KeyType::ec256);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("already holds a CA"), std::string::npos);
  auto opened = CertificateAuthority::open(dir_);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->certificate().common_name(), "First");
}

TEST_F(CaTest, IssueMakesAComputerCertificateWithTheOutpostProfile) {
  auto ca = CertificateAuthority::init(dir_, "LAB Root CA", 100, KeyType::ec256);
  ASSERT_TRUE(ca);
  auto issued = ca->issue("GW1.lab.test", tmp_.path() / "out", 30, std::nullopt);
  ASSERT_TRUE(issued) << issued.error().describe();
  const Certificate& c = issued->certificate;
  EXPECT_EQ(c.common_name(), "gw1.lab.test");
  EXPECT_EQ(c.dns_names(), std::vector<std::string>{"gw1.lab.test"});
  EXPECT_TRUE(c.has_eku(kServerAuthOid));
  EXPECT_TRUE(c.has_eku(kClientAuthOid));
  EXPECT_TRUE(c.key_usage().digital_signature);
  EXPECT_TRUE(c.key_usage().key_encipherment);
  EXPECT_FALSE(c.is_ca());
  EXPECT_GE(c.serial_bytes(), 16U);
  EXPECT_EQ(mode_of(issued->key_file), 0600U);
  EXPECT_EQ(issued->certificate_file, tmp_.path() / "out" / "gw1.lab.test.crt");
  const auto results = check_channel_certificate(
      {&c, nullptr, {}, {ca->certificate()}, "gw1.lab.test", Clock::now(), {}});
  EXPECT_EQ(results.back().name, "chain");
  EXPECT_EQ(results.back().verdict, Verdict::pass) << results.back().detail;
}

// Finding 6: like ssh, the CA refuses a key file that others can read or write (30007).
TEST_F(CaTest, OpenRefusesAKeyOthersCanReadOrWrite) {
  ASSERT_TRUE(CertificateAuthority::init(dir_, "LAB Root CA", 100, KeyType::ec256));
  for (const mode_t mode : {0644U, 0660U, 0602U, 0640U}) {
    ASSERT_EQ(::chmod((dir_ / "ca.key").c_str(), mode), 0);
    auto opened = CertificateAuthority::open(dir_);
    ASSERT_FALSE(opened) << std::oct << mode;
    EXPECT_EQ(opened.error().event, EventId::ca_key_exposed);
    EXPECT_NE(opened.error().fix.find("chmod 600"), std::string::npos);
  }
  ASSERT_EQ(::chmod((dir_ / "ca.key").c_str(), 0400U), 0);
  EXPECT_TRUE(CertificateAuthority::open(dir_));
}

TEST_F(CaTest, SerialsAreRandomAndDistinct) {
  auto ca = CertificateAuthority::init(dir_, "LAB Root CA", 100, KeyType::ec256);
  ASSERT_TRUE(ca);
  auto a = ca->issue("a.lab.test", tmp_.path() / "out", 30, std::nullopt);
  auto b = ca->issue("b.lab.test", tmp_.path() / "out", 30, std::nullopt);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->certificate.serial_hex(), b->certificate.serial_hex());
}

TEST_F(CaTest, ListShowsWhatWasIssued) {
  auto ca = CertificateAuthority::init(dir_, "LAB Root CA", 100, KeyType::ec256);
  ASSERT_TRUE(ca);
  auto issued = ca->issue("agent1.lab.test", tmp_.path() / "out", 30, KeyType::rsa2048);
  ASSERT_TRUE(issued);
  auto list = CertificateAuthority::open(dir_)->issued();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1U);
  EXPECT_EQ((*list)[0].serial, issued->certificate.serial_hex());
  EXPECT_EQ((*list)[0].subject, "CN=agent1.lab.test");
  EXPECT_EQ(format_utc((*list)[0].not_after), format_utc(issued->certificate.not_after()));
}

TEST_F(CaTest, RefusesACertificateThatWouldOutliveTheCa) {
  auto ca = CertificateAuthority::init(dir_, "LAB Root CA", 10, KeyType::ec256);
  ASSERT_TRUE(ca);
  auto issued = ca->issue("agent1.lab.test", tmp_.path() / "out", 30, std::nullopt);
  ASSERT_FALSE(issued);
  EXPECT_NE(issued.error().message.find("outlive the CA"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(tmp_.path() / "out" / "agent1.lab.test.key"));
}

TEST_F(CaTest, RefusesAnInvalidName) {
  auto ca = CertificateAuthority::init(dir_, "LAB Root CA", 100, KeyType::ec256);
  ASSERT_TRUE(ca);
  EXPECT_FALSE(ca->issue("bad name!", tmp_.path() / "out", 30, std::nullopt));
  EXPECT_FALSE(ca->issue("ok.lab.test", tmp_.path() / "out", 0, std::nullopt));
}

TEST_F(CaTest, OpenRefusesAFolderThatIsNotACa) {
  auto opened = CertificateAuthority::open(tmp_.path());
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().fix.find("outpost ca init"), std::string::npos);
}

}  // namespace
}  // namespace outpost::pki
