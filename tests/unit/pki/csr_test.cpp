#include "pki/csr.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "pki/ca.hpp"
#include "pki/key.hpp"
#include "test_pki.hpp"

namespace outpost::pki {
namespace {

std::string csr_for(const std::string& fqdn, EVP_PKEY* key) {
  auto csr = make_csr(fqdn, key);
  EXPECT_TRUE(csr);
  return csr.value_or("");
}

// A request built by hand with extra extensions, for the refusals make_csr never produces.
std::string custom_csr(const std::string& cn, EVP_PKEY* key, const char* extension_nid_value,
                       int nid) {
  ReqPtr req(X509_REQ_new());
  X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req.get()), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_REQ_set_pubkey(req.get(), key);
  if (extension_nid_value != nullptr) {
    ExtStackPtr exts(sk_X509_EXTENSION_new_null());
    sk_X509_EXTENSION_push(exts.get(),
                           X509V3_EXT_conf_nid(nullptr, nullptr, nid, extension_nid_value));
    X509_REQ_add_extensions(req.get(), exts.get());
  }
  X509_REQ_sign(req.get(), key, EVP_sha256());
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), req.get());
  return bio_text(bio.get());
}

TEST(Csr, OwnRequestValidates) {
  auto key = generate_key(KeyType::ec256);
  ASSERT_TRUE(key);
  auto valid = validate_csr(csr_for("gw1.lab.test", key->get()));
  ASSERT_TRUE(valid) << valid.error().describe();
  EXPECT_EQ(valid->fqdn, "gw1.lab.test");
  EXPECT_EQ(valid->dns_names, std::vector<std::string>{"gw1.lab.test"});
  EXPECT_EQ(EVP_PKEY_eq(valid->public_key.get(), key->get()), 1);
}

TEST(Csr, TamperedRequestIsRefused) {
  auto key = generate_key(KeyType::rsa2048);
  ASSERT_TRUE(key);
  std::string pem = csr_for("gw1.lab.test", key->get());
  // Flip one character inside the base64 body (past the header line).
  const auto pos = pem.find('\n') + 40;
  pem[pos] = pem[pos] == 'A' ? 'B' : 'A';
  auto valid = validate_csr(pem);
  ASSERT_FALSE(valid);
  EXPECT_EQ(valid.error().event, EventId::csr_refused);
}

TEST(Csr, RequestForACaIsRefused) {
  auto key = generate_key(KeyType::ec256);
  ASSERT_TRUE(key);
  auto valid = validate_csr(
      custom_csr("evil.lab.test", key->get(), "critical,CA:TRUE", NID_basic_constraints));
  ASSERT_FALSE(valid);
  EXPECT_NE(valid.error().message.find("CA certificate"), std::string::npos);
}

TEST(Csr, WeakKeyIsRefused) {
  auto key = generate_rsa_key(1024);
  ASSERT_TRUE(key);
  auto valid = validate_csr(custom_csr("weak.lab.test", key->get(), nullptr, 0));
  ASSERT_FALSE(valid);
  EXPECT_NE(valid.error().message.find("RSA 1024"), std::string::npos);
}

TEST(Csr, NameThatIsNotAHostIsRefused) {
  auto key = generate_key(KeyType::ec256);
  ASSERT_TRUE(key);
  auto valid = validate_csr(custom_csr("Jane Doe", key->get(), nullptr, 0));
  ASSERT_FALSE(valid);
  EXPECT_NE(valid.error().message.find("not a computer's FQDN"), std::string::npos);
}

TEST(Csr, IpSubjectAltNameIsRefusedAndEveryNameShown) {
  auto key = generate_key(KeyType::ec256);
  ASSERT_TRUE(key);
  auto valid = validate_csr(custom_csr("gw1.lab.test", key->get(),
                                       "DNS:gw1.lab.test,DNS:ms1.lab.test,IP:10.0.0.1",
                                       NID_subject_alt_name));
  ASSERT_FALSE(valid);
  EXPECT_EQ(valid.error().event, EventId::csr_refused);
  const std::string& m = valid.error().message;
  EXPECT_NE(m.find("other than DNS"), std::string::npos) << m;
  EXPECT_NE(m.find("CN gw1.lab.test; DNS gw1.lab.test, ms1.lab.test; IP 10.0.0.1"),
            std::string::npos)
      << m;
}

TEST(Csr, ExtraDnsNamesAreListed) {
  auto key = generate_key(KeyType::ec256);
  ASSERT_TRUE(key);
  auto valid = validate_csr(custom_csr(
      "agent9.lab.test", key->get(), "DNS:agent9.lab.test,DNS:GW1.lab.test", NID_subject_alt_name));
  ASSERT_TRUE(valid) << valid.error().describe();
  EXPECT_EQ(valid->extra_names, std::vector<std::string>{"gw1.lab.test"});
}

TEST(Csr, GarbageIsRefused) {
  auto valid = validate_csr("not a request");
  ASSERT_FALSE(valid);
  EXPECT_EQ(valid.error().event, EventId::csr_refused);
}

TEST(Csr, CaSignsARequestAsAComputerCertificate) {
  testing::TempDir tmp;
  auto ca = CertificateAuthority::init(tmp.path() / "ca", "LAB Root CA", 100, KeyType::ec256);
  ASSERT_TRUE(ca);
  auto key = generate_key(KeyType::ec256);
  ASSERT_TRUE(key);
  auto issued = ca->sign(csr_for("gw1.lab.test", key->get()), tmp.path() / "gw1.crt", 30);
  ASSERT_TRUE(issued) << issued.error().describe();
  const Certificate& c = issued->certificate;
  EXPECT_FALSE(c.is_ca());
  EXPECT_TRUE(c.has_eku(kServerAuthOid) && c.has_eku(kClientAuthOid));
  EXPECT_EQ(c.dns_names(), std::vector<std::string>{"gw1.lab.test"});
  EXPECT_EQ(EVP_PKEY_eq(c.public_key(), key->get()), 1);
  EXPECT_TRUE(std::filesystem::exists(tmp.path() / "gw1.crt"));
}

// Finding 3: a request for agent9 that also names gw1 is refused, naming gw1 and the way out.
TEST(Csr, CaRefusesExtraNamesUnlessAllowed) {
  testing::TempDir tmp;
  auto ca = CertificateAuthority::init(tmp.path() / "ca", "LAB Root CA", 100, KeyType::ec256);
  ASSERT_TRUE(ca);
  auto key = generate_key(KeyType::ec256);
  ASSERT_TRUE(key);
  const std::string csr = custom_csr("agent9.lab.test", key->get(),
                                     "DNS:agent9.lab.test,DNS:gw1.lab.test", NID_subject_alt_name);
  auto refused = ca->sign(csr, tmp.path() / "agent9.crt", 30);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().event, EventId::csr_refused);
  EXPECT_NE(refused.error().message.find("also names gw1.lab.test"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().fix.find("--allow-extra-names"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "agent9.crt"));
  EXPECT_TRUE(ca->issued()->empty());

  auto allowed = ca->sign(csr, tmp.path() / "agent9.crt", 30, ExtraNames::allow);
  ASSERT_TRUE(allowed) << allowed.error().describe();
  EXPECT_EQ(allowed->certificate.extra_names(), std::vector<std::string>{"gw1.lab.test"});
  EXPECT_FALSE(allowed->certificate.is_identity_of("gw1.lab.test"));
}

}  // namespace
}  // namespace outpost::pki
