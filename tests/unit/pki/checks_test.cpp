// One test per channel-certificate check and per refusal: each broken certificate is refused by
// the right check, with its own event id and a message that names the problem.
#include "pki/checks.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_pki.hpp"

namespace outpost::pki {
namespace {

using testing::Issued;
using testing::TestCa;

constexpr const char* kFqdn = "agent1.lab.test";

class ChecksTest : public ::testing::Test {
 protected:
  std::vector<CheckResult> run(const Issued& issued, const EVP_PKEY* key) {
    return check_channel_certificate(
        {&issued.certificate, key, {}, {ca_.certificate()}, kFqdn, Clock::now(), {}});
  }
  std::vector<CheckResult> run(const Issued& issued) { return run(issued, issued.key.get()); }

  // The first failure must be `name` with `event`, and its detail must mention `words`.
  static void expect_refused(const std::vector<CheckResult>& results, const std::string& name,
                             EventId event, const std::string& words) {
    const CheckResult* first = first_failure(results);
    ASSERT_NE(first, nullptr) << "expected a refusal by '" << name << "'";
    EXPECT_EQ(first->name, name);
    EXPECT_EQ(first->event, event) << first->detail;
    EXPECT_NE(first->detail.find(words), std::string::npos) << first->detail;
    EXPECT_FALSE(first->fix.empty());
  }

  TestCa ca_;
};

TEST_F(ChecksTest, GoodCertificatePassesEveryCheck) {
  const auto results = run(ca_.issue(kFqdn));
  EXPECT_EQ(first_failure(results), nullptr);
  EXPECT_EQ(results.size(), 8U);
  for (const auto& r : results)
    EXPECT_EQ(r.verdict, Verdict::pass) << r.name << ": " << r.detail;
}

TEST_F(ChecksTest, MissingClientAuthIsRefusedWith20050) {
  auto issued =
      ca_.issue(kFqdn, [](CertificateSpec& s) { s.ekus = {std::string(kServerAuthOid)}; });
  expect_refused(run(issued), "extended key usage", EventId::cert_eku_missing, "clientAuth");
}

TEST_F(ChecksTest, MissingServerAuthIsRefusedWith20050) {
  auto issued =
      ca_.issue(kFqdn, [](CertificateSpec& s) { s.ekus = {std::string(kClientAuthOid)}; });
  const auto results = run(issued);
  expect_refused(results, "extended key usage", EventId::cert_eku_missing, "serverAuth");
  EXPECT_EQ(first_failure(results)->detail.find("lacks clientAuth"), std::string::npos);
}

TEST_F(ChecksTest, NoEkuExtensionIsRefusedWith20050) {
  auto issued = ca_.issue(kFqdn, [](CertificateSpec& s) { s.ekus.clear(); });
  expect_refused(run(issued), "extended key usage", EventId::cert_eku_missing,
                 "serverAuth (1.3.6.1.5.5.7.3.1) and clientAuth");
}

TEST_F(ChecksTest, NameThatIsNotTheFqdnIsRefusedWith20052) {
  auto issued = ca_.issue("other.lab.test");
  expect_refused(run(issued), "subject name", EventId::cert_name_mismatch, "agent1.lab.test");
}

// Only the subject CN identifies a computer: a DNS name alone proves nothing (finding 3).
TEST_F(ChecksTest, DnsSubjectAltNameAloneDoesNotIdentify) {
  auto issued = ca_.issue(kFqdn, [](CertificateSpec& s) {
    s.common_name = "Agent One";
    s.dns_names = {"alias.lab.test", "AGENT1.lab.test."};
  });
  expect_refused(run(issued), "subject name", EventId::cert_name_mismatch, "agent1.lab.test");
}

// A certificate whose CN is this computer but that also names others is accepted with a WARN
// (30008) that lists the other names.
TEST_F(ChecksTest, ExtraNamesAreAWarningThatNamesThem) {
  auto issued = ca_.issue(kFqdn, [](CertificateSpec& s) {
    s.dns_names = {kFqdn, "gw1.lab.test", "ms1.lab.test"};
  });
  const auto results = run(issued);
  EXPECT_EQ(first_failure(results), nullptr);
  const auto name = std::ranges::find(results, std::string("subject name"), &CheckResult::name);
  ASSERT_NE(name, results.end());
  EXPECT_EQ(name->verdict, Verdict::warn);
  EXPECT_EQ(name->event, EventId::cert_names_several);
  EXPECT_NE(name->detail.find("gw1.lab.test, ms1.lab.test"), std::string::npos) << name->detail;
  EXPECT_FALSE(name->fix.empty());
}

TEST_F(ChecksTest, TheCnRepeatedAsADnsNameIsNoExtraName) {
  auto issued = ca_.issue(kFqdn, [](CertificateSpec& s) {
    s.dns_names = {"AGENT1.lab.test.", kFqdn};
  });
  for (const auto& r : run(issued))
    EXPECT_EQ(r.verdict, Verdict::pass) << r.name << ": " << r.detail;
}

TEST_F(ChecksTest, ExpiredIsRefusedWith20051) {
  auto issued = ca_.issue(kFqdn, [](CertificateSpec& s) {
    s.not_before = Clock::now() - std::chrono::days(30);
    s.not_after = Clock::now() - std::chrono::days(1);
  });
  expect_refused(run(issued), "validity period", EventId::cert_not_valid_now, "expired");
}

TEST_F(ChecksTest, NotYetValidIsRefusedWith20051) {
  auto issued = ca_.issue(kFqdn, [](CertificateSpec& s) {
    s.not_before = Clock::now() + std::chrono::days(2);
    s.not_after = Clock::now() + std::chrono::days(30);
  });
  expect_refused(run(issued), "validity period", EventId::cert_not_valid_now, "not yet valid");
}

TEST_F(ChecksTest, ExpiringSoonIsAWarningNotARefusal) {
  auto issued = ca_.issue(
      kFqdn, [](CertificateSpec& s) { s.not_after = Clock::now() + std::chrono::days(10); });
  const auto results = run(issued);
  EXPECT_EQ(first_failure(results), nullptr);
  EXPECT_EQ(results[1].verdict, Verdict::warn);
  EXPECT_NE(results[1].detail.find("expires in"), std::string::npos);
}

TEST_F(ChecksTest, KeyThatDoesNotMatchIsRefusedWith20068) {
  auto issued = ca_.issue(kFqdn);
  auto other = generate_key(KeyType::ec256);
  ASSERT_TRUE(other);
  expect_refused(run(issued, other->get()), "private key", EventId::cert_no_private_key,
                 "does not match");
}

TEST_F(ChecksTest, NoKeyIsRefusedWith20068) {
  expect_refused(run(ca_.issue(kFqdn), nullptr), "private key", EventId::cert_no_private_key,
                 "no private key");
}

TEST_F(ChecksTest, UntrustedRootIsRefusedWith20072) {
  const TestCa stranger("Stranger CA");
  auto issued = stranger.issue(kFqdn);
  expect_refused(run(issued), "chain", EventId::remote_cert_untrusted,
                 "does not build to a trusted root");
}

TEST_F(ChecksTest, ChainThroughAnIntermediateIsTrusted) {
  CertificateSpec spec = root_profile("Test Issuing CA", 1000, Clock::now());
  Issued intermediate = ca_.sign(spec, nullptr);
  CertificateSpec leaf_spec = computer_profile(kFqdn, 100, Clock::now());
  auto leaf_key = generate_key(KeyType::ec256);
  ASSERT_TRUE(leaf_key);
  auto leaf = sign_certificate(leaf_spec, leaf_key->get(), &intermediate.certificate,
                               intermediate.key.get());
  ASSERT_TRUE(leaf);
  CheckInput input{&*leaf, leaf_key->get(), {}, {ca_.certificate()}, kFqdn, Clock::now(), {}};
  EXPECT_EQ(check_chain(input).verdict, Verdict::fail);  // the intermediate is missing
  input.intermediates = {intermediate.certificate};
  const CheckResult chain = check_chain(input);
  EXPECT_EQ(chain.verdict, Verdict::pass) << chain.detail;
  EXPECT_EQ(chain.detail, "agent1.lab.test <- Test Issuing CA <- Test Root CA (trusted)");
}

TEST_F(ChecksTest, SelfSignedLeafIsRefusedWith30003) {
  auto key = generate_key(KeyType::ec256);
  ASSERT_TRUE(key);
  auto self =
      sign_certificate(computer_profile(kFqdn, 100, Clock::now()), key->get(), nullptr, key->get());
  ASSERT_TRUE(self);
  const Issued issued{*self, std::move(*key)};
  expect_refused(run(issued), "issued by a CA", EventId::cert_not_end_entity, "self-signed");
}

TEST_F(ChecksTest, CaCertificateIsRefusedWith30003) {
  auto issued = ca_.issue(kFqdn, [](CertificateSpec& s) { s.is_ca = true; });
  expect_refused(run(issued), "issued by a CA", EventId::cert_not_end_entity, "CA certificate");
}

TEST_F(ChecksTest, Rsa1024IsRefusedWith30002) {
  auto weak = generate_rsa_key(1024);
  ASSERT_TRUE(weak);
  Issued issued = ca_.sign(computer_profile(kFqdn, 100, Clock::now()), std::move(*weak));
  expect_refused(run(issued), "key strength", EventId::cert_key_too_weak, "RSA 1024");
}

TEST_F(ChecksTest, Rsa2048Passes) {
  auto key = generate_rsa_key(2048);
  ASSERT_TRUE(key);
  Issued issued = ca_.sign(computer_profile(kFqdn, 100, Clock::now()), std::move(*key));
  EXPECT_EQ(first_failure(run(issued)), nullptr);
}

TEST_F(ChecksTest, KeyUsageWithoutDigitalSignatureIsRefusedWith30001) {
  auto issued = ca_.issue(kFqdn, [](CertificateSpec& s) { s.digital_signature = false; });
  expect_refused(run(issued), "key usage", EventId::cert_key_usage_missing, "digitalSignature");
}

TEST_F(ChecksTest, RsaKeyUsageWithoutKeyEnciphermentIsRefusedWith30001) {
  auto key = generate_rsa_key(2048);
  ASSERT_TRUE(key);
  CertificateSpec spec = computer_profile(kFqdn, 100, Clock::now());
  spec.key_encipherment = false;
  Issued issued = ca_.sign(spec, std::move(*key));
  expect_refused(run(issued), "key usage", EventId::cert_key_usage_missing, "keyEncipherment");
}

TEST_F(ChecksTest, UnreadableTrustedFilesAreNamedInTheChainFailure) {
  const TestCa stranger("Stranger CA");
  auto issued = stranger.issue(kFqdn);
  const CheckResult chain = check_chain({&issued.certificate,
                                         issued.key.get(),
                                         {},
                                         {},
                                         kFqdn,
                                         Clock::now(),
                                         {"pki/trusted/root.pem: no readable certificate"}});
  EXPECT_EQ(chain.verdict, Verdict::fail);
  EXPECT_NE(chain.detail.find("1 file(s) of the trusted store could not be read: "
                              "pki/trusted/root.pem"),
            std::string::npos)
      << chain.detail;
  EXPECT_NE(chain.fix.find("trust the CA that issued 'CN=agent1.lab.test'"), std::string::npos)
      << chain.fix;
}

TEST_F(ChecksTest, ExpiredIntermediateNamesTheIntermediate) {
  CertificateSpec spec = root_profile("Old Issuing CA", 10, Clock::now());
  spec.not_before = Clock::now() - std::chrono::days(20);
  spec.not_after = Clock::now() - std::chrono::days(1);
  Issued intermediate = ca_.sign(spec, nullptr);
  auto leaf_key = generate_key(KeyType::ec256);
  ASSERT_TRUE(leaf_key);
  auto leaf = sign_certificate(computer_profile(kFqdn, 100, Clock::now()), leaf_key->get(),
                               &intermediate.certificate, intermediate.key.get());
  ASSERT_TRUE(leaf);
  const CheckResult chain = check_chain({&*leaf,
                                         leaf_key->get(),
                                         {intermediate.certificate},
                                         {ca_.certificate()},
                                         kFqdn,
                                         Clock::now(),
                                         {}});
  EXPECT_EQ(chain.verdict, Verdict::fail);
  EXPECT_NE(chain.fix.find("'CN=Old Issuing CA' has expired"), std::string::npos) << chain.fix;
}

TEST(ReverseHex, ReversesBytesNotDigits) {
  EXPECT_EQ(reverse_hex_bytes("AF3C56"), "563CAF");
  EXPECT_EQ(reverse_hex_bytes("01"), "01");
  EXPECT_EQ(reverse_hex_bytes(""), "");
}

}  // namespace
}  // namespace outpost::pki
