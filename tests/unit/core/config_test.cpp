#include "core/config.hpp"

#include <gtest/gtest.h>

namespace outpost {
namespace {

const std::filesystem::path kFile = "/etc/outpost/gw1.toml";

constexpr const char* kFull = R"(
[node]
fqdn = "GW1.lab.test"
management_group = "LAB"
state_dir = "state/gw1"

[listen]
address = "127.0.0.2"
port = 15723

[parents]
servers = ["ms1.lab.test:5723", "ms2.lab.test", "ms3.lab.test:6000"]

[database]
url = "sqlite:///var/lib/outpost/ms1/operations.db"

[admission]
agents = "review"

[heartbeat]
interval_s = 5
missed_allowed = 2

[hosts]
"ms1.lab.test" = "127.0.0.1"
)";

std::string error_of(std::string_view text) {
  auto config = parse_node_config(text, kFile);
  EXPECT_FALSE(config) << "expected an error for:\n" << text;
  if (config) return {};
  EXPECT_EQ(config.error().event, EventId::config_invalid);
  return config.error().message;
}

TEST(Config, ReadsEveryContractKey) {
  auto config = parse_node_config(kFull, kFile);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->fqdn, "gw1.lab.test");
  EXPECT_EQ(config->management_group, "LAB");
  EXPECT_EQ(config->state_dir, "/etc/outpost/state/gw1");
  ASSERT_TRUE(config->listen);
  EXPECT_EQ(config->listen->text(), "127.0.0.2:15723");
  ASSERT_EQ(config->parents.size(), 3U);
  EXPECT_EQ(config->parents[0], (Endpoint{"ms1.lab.test", 5723}));
  EXPECT_EQ(config->parents[1], (Endpoint{"ms2.lab.test", 5723}));
  EXPECT_EQ(config->parents[2], (Endpoint{"ms3.lab.test", 6000}));
  EXPECT_EQ(config->parents[2].text(), "ms3.lab.test:6000");
  EXPECT_EQ(config->database_url, "sqlite:///var/lib/outpost/ms1/operations.db");
  EXPECT_EQ(config->agent_admission, AgentAdmission::review);
  EXPECT_EQ(config->heartbeat_interval_s, 5);
  EXPECT_EQ(config->heartbeat_missed_allowed, 2);
  EXPECT_EQ(config->hosts.at("ms1.lab.test"), "127.0.0.1");
}

TEST(Config, DefaultsApplyWhenOptionalKeysAreAbsent) {
  auto config = parse_node_config(
      "[node]\nfqdn = \"a.lab.test\"\nmanagement_group = \"LAB\"\nstate_dir = \"/s\"\n", kFile);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_FALSE(config->listen);
  EXPECT_TRUE(config->parents.empty());
  EXPECT_EQ(config->agent_admission, AgentAdmission::reject);
  EXPECT_EQ(config->heartbeat_interval_s, 60);
  EXPECT_EQ(config->heartbeat_missed_allowed, 3);
}

TEST(Config, WrongTypeNamesFileKeyValueAndExpectation) {
  EXPECT_EQ(error_of("[node]\nfqdn = \"a.lab.test\"\nmanagement_group = \"LAB\"\n"
                     "state_dir = \"/s\"\n[heartbeat]\ninterval_s = \"abc\"\n"),
            "/etc/outpost/gw1.toml: [heartbeat] interval_s = \"abc\": expected an integer from 1 "
            "to 86400");
}

TEST(Config, OutOfRangeNamesTheRange) {
  EXPECT_EQ(error_of("[node]\nfqdn = \"a.lab.test\"\nmanagement_group = \"LAB\"\n"
                     "state_dir = \"/s\"\n[listen]\nport = 70000\n"),
            "/etc/outpost/gw1.toml: [listen] port = 70000: expected an integer from 0 to 65535");
}

TEST(Config, MissingRequiredKeyIsNamed) {
  EXPECT_EQ(error_of("[node]\nmanagement_group = \"LAB\"\nstate_dir = \"/s\"\n"),
            "/etc/outpost/gw1.toml: [node] fqdn is missing: expected this computer's FQDN, e.g. "
            "\"gw1.lab.test\"");
}

TEST(Config, UnknownKeyIsAnErrorNotIgnored) {
  const std::string message = error_of(
      "[node]\nfqdn = \"a.lab.test\"\nmanagement_group = \"LAB\"\nstate_dir = \"/s\"\n"
      "[parents]\nserver = [\"ms1\"]\n");
  EXPECT_NE(
      message.find("unknown key 'server' in [parents]: expected one of server_initiates, servers"),
      std::string::npos)
      << message;
}

TEST(Config, UnknownSectionIsAnError) {
  EXPECT_NE(error_of("[nodes]\nfqdn = \"x\"\n").find("unknown section [nodes]"), std::string::npos);
}

TEST(Config, BadValuesAreExplained) {
  const std::string base =
      "[node]\nfqdn = \"a.lab.test\"\nmanagement_group = \"LAB\"\nstate_dir = \"/s\"\n";
  EXPECT_NE(error_of(base + "[parents]\nservers = [\"ms1:0\"]\n")
                .find("[parents] servers = \"ms1:0\": expected \"host\" or \"host:port\""),
            std::string::npos);
  EXPECT_NE(
      error_of(base + "[admission]\nagents = \"maybe\"\n")
          .find("[admission] agents = \"maybe\": expected \"reject\", \"review\" or \"auto\""),
      std::string::npos);
  EXPECT_NE(error_of(base + "[database]\nurl = \"mysql://x\"\n").find("[database] url"),
            std::string::npos);
  EXPECT_NE(error_of(base + "[hosts]\n\"ms1.lab.test\" = \"not-an-ip\"\n")
                .find("expected an IPv4 or IPv6 address"),
            std::string::npos);
  EXPECT_NE(error_of("[node]\nfqdn = \"bad name\"\nmanagement_group = \"LAB\"\n"
                     "state_dir = \"/s\"\n")
                .find("[node] fqdn = \"bad name\""),
            std::string::npos);
}

TEST(Config, BothPostgresSchemesAreAcceptedAndAPasswordIsNeverEchoed) {
  const std::string base =
      "[node]\nfqdn = \"a.lab.test\"\nmanagement_group = \"LAB\"\nstate_dir = \"/s\"\n";
  for (const char* url :
       {"postgresql://ops@db.lab.test:5432/outpost", "postgres://ops@db.lab.test/outpost"}) {
    auto config = parse_node_config(base + "[database]\nurl = \"" + url + "\"\n", kFile);
    ASSERT_TRUE(config) << config.error().describe();
    EXPECT_EQ(config->database_url, url);
  }
  const std::string error = error_of(base + "[database]\nurl = \"pg://ops:s3cret@db/x\"\n");
  EXPECT_NE(error.find("pg://ops:***@db/x"), std::string::npos) << error;
  EXPECT_EQ(error.find("s3cret"), std::string::npos) << error;
}

TEST(RedactUrl, HidesPasswordsOnly) {
  EXPECT_EQ(redact_url("postgresql://ops:pa:ss@db.lab.test:5432/outpost"),
            "postgresql://ops:***@db.lab.test:5432/outpost");
  EXPECT_EQ(redact_url("postgresql://ops@db.lab.test/outpost?password=x&sslmode=require"),
            "postgresql://ops@db.lab.test/outpost?password=***&sslmode=require");
  EXPECT_EQ(redact_url("host=db user=ops password=secret dbname=x"),
            "host=db user=ops password=*** dbname=x");
  EXPECT_EQ(redact_url("postgresql://db.lab.test:5432/outpost"),
            "postgresql://db.lab.test:5432/outpost");
  EXPECT_EQ(redact_url("sqlite:///var/lib/outpost/ms1/operations.db"),
            "sqlite:///var/lib/outpost/ms1/operations.db");
}

// A parent's certificate names it by FQDN: a parent named by an address (IPv4, or IPv6 in
// brackets) could never match it and is refused at load with its own event.
TEST(Config, AParentNamedByAnAddressIsRefused) {
  const std::string base =
      "[node]\nfqdn = \"a.lab.test\"\nmanagement_group = \"LAB\"\nstate_dir = \"/s\"\n";
  for (const std::string parent : {"192.0.2.7:5723", "[::1]:6000", "10.1.2.3"}) {
    auto config = parse_node_config(base + "[parents]\nservers = [\"" + parent + "\"]\n", kFile);
    ASSERT_FALSE(config) << parent;
    EXPECT_EQ(config.error().event, EventId::parent_named_by_address) << parent;
    EXPECT_NE(config.error().message.find("expected the parent's FQDN"), std::string::npos);
    EXPECT_NE(config.error().fix.find("[hosts]"), std::string::npos);
  }
}

TEST(Config, SyntaxErrorNamesLineAndColumn) {
  const std::string message = error_of("[node]\nfqdn = \"a.lab.test\nx = 1\n");
  EXPECT_NE(message.find("/etc/outpost/gw1.toml line 2"), std::string::npos) << message;
}

TEST(Config, MissingFileIsAClearError) {
  auto config = load_node_config("/nonexistent/outpost.toml");
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("/nonexistent/outpost.toml"), std::string::npos);
}

TEST(Endpoint, Parses) {
  EXPECT_EQ(parse_endpoint("h"), (Endpoint{"h", 5723}));
  EXPECT_EQ(parse_endpoint("h:1"), (Endpoint{"h", 1}));
  EXPECT_EQ(parse_endpoint("::1"), (Endpoint{"::1", 5723}));
  EXPECT_FALSE(parse_endpoint("h:"));
  EXPECT_FALSE(parse_endpoint("h:x"));
  EXPECT_FALSE(parse_endpoint(":5"));
  EXPECT_FALSE(parse_endpoint("[::1"));
}

}  // namespace
}  // namespace outpost
