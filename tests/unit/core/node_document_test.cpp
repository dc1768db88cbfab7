// The configuration service's document: a round trip keeps every part (parents, heartbeat, the
// agents' [collect] rules), and the same content always renders the same text (the state cookie
// is its hash).
#include <gtest/gtest.h>

#include "core/node_document.hpp"

namespace outpost {
namespace {

constexpr std::string_view kServerFile = R"([node]
fqdn = "ms1.lab.test"
management_group = "LAB"
state_dir = "/s"
[collect]
performance_interval_s = 30
[[collect.log]]
path = "/var/log/auth.log"
rule = "ssh"
pattern = "Failed password"
[[collect.check]]
name = "disk_root"
command = ["/usr/lib/nagios/plugins/check_disk", "-w", "20%", "-p", "/"]
)";

TEST(NodeDocument, TheCollectSectionOfAConfigurationFileIsKeptAsToml) {
  auto config = parse_node_config(kServerFile, "/etc/outpost/ms1.toml");
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_NE(config->collect_toml.find("[collect]"), std::string::npos) << config->collect_toml;
  EXPECT_NE(config->collect_toml.find("[[collect.log]]"), std::string::npos);
  EXPECT_NE(config->collect_toml.find("check_disk"), std::string::npos);
  auto without = parse_node_config(
      "[node]\nfqdn = \"a.lab.test\"\nmanagement_group = \"LAB\"\nstate_dir = \"/s\"\n", "/a.toml");
  ASSERT_TRUE(without);
  EXPECT_EQ(without->collect_toml, "");
}

TEST(NodeDocument, RoundTripKeepsParentsHeartbeatAndCollectRules) {
  auto config = parse_node_config(kServerFile, "/etc/outpost/ms1.toml");
  ASSERT_TRUE(config);
  NodeDocument document{
      "agent1.lab.test",
      {*parse_endpoint("gw1.lab.test:5723"), *parse_endpoint("gw2.lab.test:5723")},
      5,
      2,
      config->collect_toml};
  const std::string text = render_document(document);
  auto parsed = parse_document(text);
  ASSERT_TRUE(parsed) << parsed.error().describe() << "\n" << text;
  EXPECT_EQ(*parsed, document);
  EXPECT_EQ(render_document(*parsed), text);  // the same content, the same cookie
}

TEST(NodeDocument, WithoutCollectRulesTheNodeKeepsItsOwn) {
  NodeDocument document{"gw1.lab.test", {*parse_endpoint("ms1.lab.test:5723")}, 60, 3, ""};
  const std::string text = render_document(document);
  EXPECT_EQ(text.find("collect"), std::string::npos);
  auto parsed = parse_document(text);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->collect, "");
}

}  // namespace
}  // namespace outpost
