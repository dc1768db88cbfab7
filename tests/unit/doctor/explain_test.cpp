// Which side refused and why, from the messages net and channel write; the parent's verdict.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "doctor/explain.hpp"

namespace outpost::doctor {
namespace {

const LocalFacts kMe{"agent1.lab.test", "agent1.toml", "/var/lib/outpost/agent1", "CN=Stranger CA"};

TEST(DoctorExplain, ConnectFailuresInWords) {
  EXPECT_NE(connect_failure_reason("Connection refused").find("nothing listens"),
            std::string::npos);
  EXPECT_NE(connect_failure_reason("timed out").find("firewall drops"), std::string::npos);
  EXPECT_NE(connect_failure_reason("No route to host: Network is unreachable").find("no route"),
            std::string::npos);
  EXPECT_EQ(connect_failure_reason("something else"), "something else");
}

TEST(DoctorExplain, TlsRefusalsReadDuringTheHello) {
  EXPECT_TRUE(is_tls_refusal(
      "the parent closed the connection before admitting this node: reading from the peer "
      "failed: the peer does not trust this node's certificate issuer (alert unknown_ca)"));
  EXPECT_TRUE(
      is_tls_refusal("... the peer refused this node's certificate (bad or unsupported "
                     "certificate)"));
  EXPECT_FALSE(is_tls_refusal("no message from the peer within 5000 ms"));
}

TEST(DoctorExplain, TheParentDoesNotTrustOurIssuer) {
  const Error e{EventId::closed_before_auth,
                "reading from the peer failed: the peer does not trust this node's certificate "
                "issuer (alert unknown_ca)",
                ""};
  const Explanation x = explain_tls_failure(e, "ms1.lab.test", kMe);
  EXPECT_EQ(x.event, EventId::closed_before_auth);
  EXPECT_NE(x.evidence.find("the parent refused this node"), std::string::npos);
  EXPECT_NE(x.fix.find("on the parent ms1.lab.test, trust the CA"), std::string::npos);
  EXPECT_NE(x.fix.find("CN=Stranger CA"), std::string::npos);
}

TEST(DoctorExplain, WeDoNotTrustTheParent) {
  const Error e{EventId::remote_cert_untrusted,
                "TLS with ms1.lab.test:5723 failed: the peer's certificate /CN=Other Root is not "
                "trusted here: self-signed certificate in certificate chain",
                ""};
  const Explanation x = explain_tls_failure(e, "ms1.lab.test", kMe);
  EXPECT_EQ(x.event, EventId::remote_cert_untrusted);
  EXPECT_NE(x.evidence.find("this node does not trust the parent"), std::string::npos);
  EXPECT_NE(x.fix.find("outpost cert trust --state /var/lib/outpost/agent1"), std::string::npos);
}

TEST(DoctorExplain, TheParentsNameDoesNotMatch) {
  const Error e{EventId::remote_cert_untrusted,
                "TLS with alias.lab.test:5723 failed: the peer's certificate /CN=ms1.lab.test is "
                "not trusted here: hostname mismatch",
                ""};
  const Explanation x = explain_tls_failure(e, "alias.lab.test", kMe);
  EXPECT_NE(x.evidence.find("does not carry the name alias.lab.test"), std::string::npos);
  EXPECT_NE(x.fix.find("by the FQDN in its certificate"), std::string::npos);
}

TEST(DoctorExplain, ProtocolVersion) {
  const Error e{EventId::closed_before_auth,
                "TLS with ms1.lab.test:5723 failed: no TLS version in common (Outpost requires "
                "TLS 1.3 unless 1.2 is allowed)",
                ""};
  EXPECT_NE(explain_tls_failure(e, "ms1.lab.test", kMe).evidence.find("protocol version"),
            std::string::npos);
}

TEST(DoctorExplain, RejectCodeInTheMessage) {
  EXPECT_EQ(reject_code_in("the parent refused this node (REJECT_PENDING_APPROVAL, parent event "
                           "20000): agent agent1.lab.test is pending approval"),
            wire::REJECT_PENDING_APPROVAL);
  EXPECT_EQ(reject_code_in("(REJECT_WRONG_MANAGEMENT_GROUP, parent event 20000)"),
            wire::REJECT_WRONG_MANAGEMENT_GROUP);
  EXPECT_EQ(reject_code_in("no code here"), std::nullopt);
  EXPECT_EQ(reject_code_in("REJECT_NONSENSE"), std::nullopt);
}

TEST(DoctorExplain, AdmissionFixes) {
  auto fix = [](std::string_view code, bool gateway) {
    const Error e{EventId::closed_after_auth,
                  fmt::format("the parent refused this node ({}, parent event 20000): why", code),
                  ""};
    return explain_admission_failure(e, gateway, kMe).fix;
  };
  EXPECT_NE(fix("REJECT_PENDING_APPROVAL", false).find("outpost agent approve agent1.lab.test"),
            std::string::npos);
  EXPECT_NE(fix("REJECT_NOT_APPROVED", true)
                .find("outpost gateway approve --config SERVER.toml "
                      "--gateway agent1.lab.test"),
            std::string::npos);
  EXPECT_NE(fix("REJECT_WRONG_MANAGEMENT_GROUP", false)
                .find("[node] management_group in "
                      "agent1.toml"),
            std::string::npos);
  EXPECT_NE(fix("REJECT_REJECTED", false).find("rejected"), std::string::npos);
  const Error silent{EventId::closed_before_auth, "no message from the peer within 5000 ms", ""};
  EXPECT_EQ(explain_admission_failure(silent, false, kMe).event, EventId::closed_before_auth);
}

}  // namespace
}  // namespace outpost::doctor
