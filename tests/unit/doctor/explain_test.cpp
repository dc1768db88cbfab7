// Which side refused and why, from the typed causes net and channel attach; the parent's verdict.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "doctor/explain.hpp"

namespace outpost::doctor {
namespace {

const LocalFacts kMe{"agent1.lab.test", "agent1.toml", "/var/lib/outpost/agent1", "CN=Stranger CA"};

ParentFacts parent(const std::string& host, NameSource source = NameSource::dns,
                   const std::string& source_text = "DNS") {
  return ParentFacts{host, "192.0.2.7", source, source_text};
}

// Each failure carries its cause as a value from where it is known (net, channel); the words of
// the message never decide the diagnosis.
Error failure(EventId event, Cause cause, std::string message) {
  Error e{event, std::move(message), ""};
  e.cause = cause;
  return e;
}

TEST(DoctorExplain, ConnectFailuresInWords) {
  EXPECT_NE(connect_failure_reason(Cause::connection_refused, "x").find("nothing listens"),
            std::string::npos);
  EXPECT_NE(connect_failure_reason(Cause::timed_out, "x").find("firewall drops"),
            std::string::npos);
  EXPECT_NE(connect_failure_reason(Cause::host_unreachable, "Network is unreachable")
                .find("no route to the host (Network is unreachable)"),
            std::string::npos);
  EXPECT_EQ(connect_failure_reason(Cause::unspecified, "something else"), "something else");
  // The words alone decide nothing.
  EXPECT_EQ(connect_failure_reason(Cause::unspecified, "Connection refused"), "Connection refused");
}

TEST(DoctorExplain, TlsRefusalsReadDuringTheHello) {
  EXPECT_TRUE(is_tls_refusal(Cause::peer_distrusts_our_issuer));
  EXPECT_TRUE(is_tls_refusal(Cause::peer_refused_our_certificate));
  EXPECT_TRUE(is_tls_refusal(Cause::peer_wants_a_certificate));
  EXPECT_TRUE(is_tls_refusal(Cause::no_common_tls_version));
  EXPECT_TRUE(is_tls_refusal(Cause::no_common_protocol));
  EXPECT_FALSE(is_tls_refusal(Cause::timed_out));
  EXPECT_FALSE(is_tls_refusal(Cause::unspecified));
}

TEST(DoctorExplain, TheParentDoesNotTrustOurIssuer) {
  const Error e = failure(EventId::closed_before_auth, Cause::peer_distrusts_our_issuer,
                          "reading from the peer failed: alert unknown_ca");
  const Explanation x = explain_tls_failure(e, parent("ms1.lab.test"), kMe);
  EXPECT_EQ(x.event, EventId::closed_before_auth);
  EXPECT_NE(x.evidence.find("the parent refused this node"), std::string::npos);
  EXPECT_NE(x.fix.find("on the parent ms1.lab.test, trust the CA"), std::string::npos);
  EXPECT_NE(x.fix.find("CN=Stranger CA"), std::string::npos);
}

TEST(DoctorExplain, ARewordedMessageChangesNothing) {
  const Error e = failure(EventId::closed_before_auth, Cause::peer_distrusts_our_issuer,
                          "some future wording of the same alert");
  EXPECT_NE(explain_tls_failure(e, parent("ms1.lab.test"), kMe).fix.find("trust the CA"),
            std::string::npos);
  const Error words_only{EventId::closed_before_auth,
                         "the peer does not trust this node's certificate issuer", ""};
  EXPECT_EQ(explain_tls_failure(words_only, parent("ms1.lab.test"), kMe).fix.find("trust the CA"),
            std::string::npos);
}

TEST(DoctorExplain, WeDoNotTrustTheParent) {
  const Error e =
      failure(EventId::remote_cert_untrusted, Cause::peer_untrusted,
              "TLS with ms1.lab.test:5723 failed: the peer's certificate /CN=Other Root "
              "is not trusted here: self-signed certificate in certificate chain");
  const Explanation x = explain_tls_failure(e, parent("ms1.lab.test"), kMe);
  EXPECT_EQ(x.event, EventId::remote_cert_untrusted);
  EXPECT_NE(x.evidence.find("this node does not trust the parent"), std::string::npos);
  EXPECT_NE(x.fix.find("outpost cert trust --state /var/lib/outpost/agent1"), std::string::npos);
}

TEST(DoctorExplain, TheParentsNameDoesNotMatch) {
  const Error e = failure(EventId::remote_cert_untrusted, Cause::peer_name_mismatch,
                          "TLS with alias.lab.test:5723 failed: the peer's certificate "
                          "/CN=ms1.lab.test is not trusted here: hostname mismatch");
  const Explanation x = explain_tls_failure(e, parent("alias.lab.test"), kMe);
  EXPECT_NE(x.evidence.find("does not carry the name alias.lab.test"), std::string::npos);
  EXPECT_NE(x.fix.find("correct the DNS record of alias.lab.test"), std::string::npos);
  EXPECT_NE(x.fix.find("by the FQDN in its certificate"), std::string::npos);
}

// The name may be right and its mapping wrong: the fix names the entry that sent this node to
// the other computer first ([hosts] of this node's file, or the hosts file).
TEST(DoctorExplain, ANameMappedToAnotherComputerBlamesTheMapping) {
  const Error e =
      failure(EventId::remote_cert_untrusted, Cause::peer_name_mismatch, "hostname mismatch");
  const Explanation table =
      explain_tls_failure(e, parent("gw1.lab.test", NameSource::hosts_table, "[hosts]"), kMe);
  EXPECT_NE(table.fix.find("correct [hosts] \"gw1.lab.test\" = \"192.0.2.7\" in agent1.toml"),
            std::string::npos)
      << table.fix;
  EXPECT_LT(table.fix.find("[hosts]"), table.fix.find("reissue"));
  const Explanation file = explain_tls_failure(
      e, parent("gw1.lab.test", NameSource::hosts_file, "the hosts file /etc/hosts"), kMe);
  EXPECT_NE(file.fix.find("correct the line for gw1.lab.test in the hosts file /etc/hosts"),
            std::string::npos)
      << file.fix;
}

TEST(DoctorExplain, ProtocolVersion) {
  const Error e = failure(EventId::closed_before_auth, Cause::no_common_tls_version,
                          "TLS with ms1.lab.test:5723 failed: no TLS version in common");
  EXPECT_NE(explain_tls_failure(e, parent("ms1.lab.test"), kMe).evidence.find("protocol version"),
            std::string::npos);
}

TEST(DoctorExplain, AdmissionFixes) {
  auto fix = [](wire::RejectCode code, bool gateway) {
    Error e = failure(EventId::closed_after_auth, Cause::rejected, "the parent refused: why");
    e.reject_code = code;
    return explain_admission_failure(e, gateway, kMe).fix;
  };
  EXPECT_NE(fix(wire::REJECT_PENDING_APPROVAL, false).find("outpost agent approve agent1.lab.test"),
            std::string::npos);
  EXPECT_NE(fix(wire::REJECT_NOT_APPROVED, true)
                .find("outpost gateway approve --config SERVER.toml "
                      "--gateway agent1.lab.test"),
            std::string::npos);
  EXPECT_NE(fix(wire::REJECT_WRONG_MANAGEMENT_GROUP, false)
                .find("[node] management_group in "
                      "agent1.toml"),
            std::string::npos);
  EXPECT_NE(fix(wire::REJECT_REJECTED, false).find("rejected"), std::string::npos);
  const Error silent = failure(EventId::closed_before_auth, Cause::timed_out,
                               "no message from the peer within 5000 ms");
  EXPECT_EQ(explain_admission_failure(silent, false, kMe).event, EventId::closed_before_auth);
  // A message that merely names a code is not a Reject.
  const Error words{EventId::closed_after_auth, "(REJECT_PENDING_APPROVAL, parent event 20000)",
                    ""};
  EXPECT_EQ(explain_admission_failure(words, false, kMe).fix.find("outpost agent approve"),
            std::string::npos);
}

// The finding carries the event the parent logged (20000 pending, 20001 wrong group, ...), and a
// gateway refused for its key is told to rebind, not to get approved (both come as
// REJECT_NOT_APPROVED).
TEST(DoctorExplain, AdmissionTakesTheParentsEvent) {
  Error e = failure(EventId::closed_after_auth, Cause::rejected, "the parent refused: why");
  e.reject_code = wire::REJECT_WRONG_MANAGEMENT_GROUP;
  e.parent_event = EventId::device_wrong_group;
  EXPECT_EQ(explain_admission_failure(e, false, kMe).event, EventId::device_wrong_group);
  e.reject_code = wire::REJECT_NOT_APPROVED;
  e.parent_event = EventId::gateway_key_mismatch;
  const Explanation key = explain_admission_failure(e, true, kMe);
  EXPECT_EQ(key.event, EventId::gateway_key_mismatch);
  EXPECT_NE(key.fix.find("--gateway agent1.lab.test --rebind"), std::string::npos) << key.fix;
  e.parent_event = EventId::none;  // an older parent: the generic refusal
  EXPECT_EQ(explain_admission_failure(e, true, kMe).event, EventId::closed_after_auth);
}

}  // namespace
}  // namespace outpost::doctor
