// The [alerts] section: defaults, every monitor kind, and errors that name the key.
#include <gtest/gtest.h>

#include "alerts/rules.hpp"

namespace outpost::alerts {
namespace {

Result<AlertRules> parse(const std::string& alerts_toml) {
  NodeConfig config;
  config.file = "/etc/outpost/ms1.toml";
  config.alerts_toml = alerts_toml;
  return parse_alert_rules(config);
}

std::string error_of(const std::string& alerts_toml) {
  auto rules = parse(alerts_toml);
  return rules ? "" : rules.error().message;
}

TEST(AlertRules, DefaultsWithoutASection) {
  auto rules = parse("");
  ASSERT_TRUE(rules);
  EXPECT_EQ(rules->evaluation_interval_s, 10);
  EXPECT_EQ(rules->certificate_warning_days, 30);
  EXPECT_EQ(rules->queue_drop_window_s, 3600);
  EXPECT_TRUE(rules->failover_warning);
  EXPECT_EQ(rules->pending_warning_s, 86400);
  EXPECT_TRUE(rules->monitors.empty());
}

TEST(AlertRules, BuiltInMonitorsCanBeTunedAndTurnedOff) {
  auto rules = parse(
      "[alerts]\nqueue_drop_window_s = 0\nfailover_warning = false\npending_warning_s = 600\n");
  ASSERT_TRUE(rules) << rules.error().describe();
  EXPECT_EQ(rules->queue_drop_window_s, 0);
  EXPECT_FALSE(rules->failover_warning);
  EXPECT_EQ(rules->pending_warning_s, 600);
}

TEST(AlertRules, ReadsEveryKind) {
  auto rules = parse(R"([alerts]
evaluation_interval_s = 5
certificate_warning_days = 14
[[alerts.monitor]]
name = "disk-free"
kind = "threshold"
counter = "disk.used_percent"
instance = "/"
warning = 80
critical = 90.5
hysteresis = 2
for_s = 300
computers = "*.dmz.lab.test"
[[alerts.monitor]]
name = "mem-low"
kind = "threshold"
counter = "memory.available_bytes"
direction = "below"
warning = 1000
critical = 500
[[alerts.monitor]]
name = "plugins"
kind = "check"
check = "*"
[[alerts.monitor]]
name = "ssh"
kind = "log"
rule = "ssh-failures"
count = 5
window_s = 60
severity = "critical"
)");
  ASSERT_TRUE(rules) << rules.error().message;
  EXPECT_EQ(rules->evaluation_interval_s, 5);
  EXPECT_EQ(rules->certificate_warning_days, 14);
  ASSERT_EQ(rules->monitors.size(), 4U);
  const auto& disk = rules->monitors[0];
  EXPECT_EQ(disk.kind, MonitorKind::threshold);
  EXPECT_TRUE(disk.above);
  EXPECT_EQ(disk.instance, "/");
  EXPECT_DOUBLE_EQ(*disk.critical, 90.5);
  EXPECT_EQ(disk.for_s, 300);
  EXPECT_EQ(disk.computers, "*.dmz.lab.test");
  EXPECT_FALSE(rules->monitors[1].above);
  EXPECT_EQ(rules->monitors[2].check, "*");
  EXPECT_EQ(rules->monitors[3].severity, storage::Severity::critical);
  EXPECT_EQ(rules->monitors[3].count, 5);
}

TEST(AlertRules, ErrorsNameTheTableAndTheKey) {
  EXPECT_EQ(error_of("[alerts]\nevaluation_interval_s = 0\n"),
            "/etc/outpost/ms1.toml: [alerts] evaluation_interval_s = 0: expected an integer "
            "from 1 to 3600");
  EXPECT_NE(error_of("[[alerts.monitor]]\nname = \"x\"\nkind = \"threshold\"\ncounter = \"c\"\n"
                     "warning = \"high\"\n")
                .find("[[alerts.monitor]] #1 warning = \"high\": expected a number"),
            std::string::npos);
  EXPECT_NE(error_of("[[alerts.monitor]]\nname = \"x\"\nkind = \"threshold\"\ncounter = \"c\"\n"
                     "warning = 1\ndirection = \"up\"\n")
                .find("direction = \"up\": expected \"above\" or \"below\""),
            std::string::npos);
  EXPECT_NE(error_of("[[alerts.monitor]]\nname = \"x\"\nkind = \"log\"\n").find("rule is missing"),
            std::string::npos);
  EXPECT_NE(error_of("[[alerts.monitor]]\nname = \"x\"\nkind = \"check\"\ncheck = \"*\"\n"
                     "[[alerts.monitor]]\nname = \"x\"\nkind = \"check\"\ncheck = \"*\"\n")
                .find("#2 name = \"x\": expected a name no other monitor has"),
            std::string::npos);
  EXPECT_NE(error_of("[[alerts.monitor]]\nname = \"queue-drops\"\nkind = \"check\"\n"
                     "check = \"*\"\n")
                .find("not the name of a built-in monitor"),
            std::string::npos);
  EXPECT_NE(error_of("[[alerts.notify]]\nname = \"n\"\nchannel = \"command\"\n"
                     "command = [\"/bin/true\"]\ngateway = \"not a name\"\n")
                .find("gateway = \"not a name\": expected a gateway's FQDN"),
            std::string::npos);
  EXPECT_EQ(error_of("[alerts]\nfailover_warning = \"yes\"\n"),
            "/etc/outpost/ms1.toml: [alerts] failover_warning = \"yes\": expected true or false");
  EXPECT_NE(error_of("[alerts]\npending_warning_s = -1\n")
                .find("pending_warning_s = -1: expected an integer from 0 to 31536000"),
            std::string::npos);
  EXPECT_NE(error_of("[[alerts.monitor]]\nname = \"x\"\nkind = \"magic\"\n")
                .find("kind = \"magic\": expected \"threshold\", \"check\" or \"log\""),
            std::string::npos);
}

TEST(AlertRules, NamePatterns) {
  EXPECT_TRUE(name_matches("*", "a1.lab.test"));
  EXPECT_TRUE(name_matches("*.lab.test", "a1.lab.test"));
  EXPECT_FALSE(name_matches("*.lab.test", "a1.lab.test.evil"));
  EXPECT_TRUE(name_matches("a?.lab.*", "a1.lab.test"));
  EXPECT_FALSE(name_matches("a?.lab.*", "a12.lab.test"));
  EXPECT_TRUE(name_matches("web*db*", "web1-db2"));
  EXPECT_FALSE(name_matches("", "a"));
  EXPECT_TRUE(name_matches("", ""));
}

}  // namespace
}  // namespace outpost::alerts
