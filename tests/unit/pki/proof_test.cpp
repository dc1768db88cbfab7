#include "pki/proof.hpp"

#include <gtest/gtest.h>

#include "test_pki.hpp"

namespace outpost::pki {
namespace {

using testing::TestCa;

std::string der(const Certificate& c) {
  unsigned char* out = nullptr;
  const int n = i2d_X509(c.get(), &out);
  std::string s(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
  OPENSSL_free(out);
  return s;
}

TEST(Proof, ASignatureVerifiesOnlyForItsNonceNamesAndKey) {
  const TestCa ca;
  const auto agent = ca.issue("agent1.lab.test");
  const auto other = ca.issue("agent2.lab.test");
  const std::string nonce = make_nonce();
  ASSERT_EQ(nonce.size(), kNonceBytes);
  const ProofContext context{nonce, "agent1.lab.test", "gw1.lab.test", "LAB"};
  auto signature = sign_proof(agent.key.get(), context);
  ASSERT_TRUE(signature) << signature.error().describe();
  EXPECT_TRUE(verify_proof(agent.certificate.public_key(), context, *signature));
  // Names compare as host names: case and a trailing dot do not matter.
  EXPECT_TRUE(verify_proof(agent.certificate.public_key(),
                           {nonce, "Agent1.lab.test.", "GW1.lab.test", "LAB"}, *signature));
  const std::string another = make_nonce();
  EXPECT_NE(another, nonce);
  EXPECT_FALSE(verify_proof(agent.certificate.public_key(),
                            {another, "agent1.lab.test", "gw1.lab.test", "LAB"}, *signature));
  EXPECT_FALSE(verify_proof(agent.certificate.public_key(),
                            {nonce, "agent1.lab.test", "gw2.lab.test", "LAB"}, *signature));
  EXPECT_FALSE(verify_proof(agent.certificate.public_key(),
                            {nonce, "agent1.lab.test", "gw1.lab.test", "OTHER"}, *signature));
  EXPECT_FALSE(verify_proof(other.certificate.public_key(), context, *signature));
  EXPECT_FALSE(verify_proof(agent.certificate.public_key(), context, ""));
  std::string flipped = *signature;
  flipped[flipped.size() / 2] ^= 0x01;
  EXPECT_FALSE(verify_proof(agent.certificate.public_key(), context, flipped));
}

TEST(Proof, TheRelayedChainMustNameTheAgentAndBuildToTheServersRoot) {
  const TestCa ca;
  const TestCa rogue("Test Root CA");  // same name, another key
  const auto agent = ca.issue("agent1.lab.test");
  const std::vector<Certificate> trusted{ca.certificate()};
  auto ok = verify_client_chain({der(agent.certificate)}, trusted, "agent1.lab.test", Clock::now());
  ASSERT_TRUE(ok) << ok.error().describe();
  EXPECT_EQ(ok->sha256_hex(), agent.certificate.sha256_hex());
  // Another computer's name, even one the certificate lists as a DNS name, proves nothing.
  const auto listing = ca.issue("agent9.lab.test", [](CertificateSpec& spec) {
    spec.dns_names.push_back("agent1.lab.test");
  });
  EXPECT_FALSE(
      verify_client_chain({der(listing.certificate)}, trusted, "agent1.lab.test", Clock::now()));
  const auto forged = rogue.issue("agent1.lab.test");
  auto refused =
      verify_client_chain({der(forged.certificate)}, trusted, "agent1.lab.test", Clock::now());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().event, EventId::agent_proof_refused);
  EXPECT_FALSE(verify_client_chain({}, trusted, "agent1.lab.test", Clock::now()));
  EXPECT_FALSE(verify_client_chain({"not DER"}, trusted, "agent1.lab.test", Clock::now()));
  EXPECT_FALSE(verify_client_chain({der(agent.certificate) + "x"}, trusted, "agent1.lab.test",
                                   Clock::now()));
  const std::vector<std::string> too_long(kMaxChainCertificates + 1, der(agent.certificate));
  EXPECT_FALSE(verify_client_chain(too_long, trusted, "agent1.lab.test", Clock::now()));
  EXPECT_FALSE(verify_client_chain({der(agent.certificate)}, trusted, "agent1.lab.test",
                                   Clock::now() + std::chrono::hours(24 * 400)));  // expired
}

TEST(Proof, PublicKeyFingerprintsDifferPerKey) {
  const TestCa ca;
  const auto a = ca.issue("gw1.lab.test");
  const auto b = ca.issue("gw1.lab.test");
  const std::string fa = public_key_sha256_hex(a.certificate.public_key());
  EXPECT_EQ(fa.size(), 64u);
  EXPECT_EQ(fa, public_key_sha256_hex(a.key.get()));  // the private key's public half
  EXPECT_NE(fa, public_key_sha256_hex(b.certificate.public_key()));
}

}  // namespace
}  // namespace outpost::pki
