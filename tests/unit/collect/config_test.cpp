#include <gtest/gtest.h>

#include "collect/collect.hpp"

namespace outpost::collect {
namespace {

TEST(CollectConfig, DefaultsWithoutASection) {
  auto c = parse_collect_config("[node]\nfqdn = \"a.lab.test\"\n", "agent.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->performance_interval_s, 60);
  EXPECT_FALSE(c->mounts);
  EXPECT_TRUE(c->logs.empty());
  EXPECT_TRUE(c->checks.empty());
}

TEST(CollectConfig, TheDocumentedExample) {
  auto c = parse_collect_config(R"toml(
[node]
fqdn = "a.lab.test"
[collect]
performance_interval_s = 60
mounts = ["/"]
[[collect.log]]
path = "/var/log/syslog"
rule = "ssh-failures"
pattern = "Failed password"
level = "warning"
[[collect.log]]
path = "/var/log/syslog"
rule = "oom"
pattern = "Out of memory: Killed process (\\d+)"
level = "error"
[[collect.check]]
name = "disk_root"
command = ["/usr/lib/nagios/plugins/check_disk", "-w", "20%", "-c", "10%", "-p", "/"]
interval_s = 300
timeout_s = 30
)toml",
                                "agent.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->mounts, std::vector<std::string>{"/"});
  ASSERT_EQ(c->logs.size(), 2u);
  EXPECT_EQ(c->logs[0].rule, "ssh-failures");
  EXPECT_EQ(c->logs[0].level, Level::warning);
  EXPECT_EQ(c->logs[1].level, Level::error);
  ASSERT_EQ(c->checks.size(), 1u);
  EXPECT_EQ(c->checks[0].name, "disk_root");
  EXPECT_EQ(c->checks[0].command.size(), 7u);
  EXPECT_EQ(c->checks[0].timeout_s, 30);
}

// The example in docs/operations.md, "Collecting data on agents", verbatim.
TEST(CollectConfig, TheOperationsGuideExample) {
  auto c = parse_collect_config(R"toml(
[collect]
performance_interval_s = 60     # 0 turns performance samples off; 0 to 86400, default 60
mounts = ["/", "/var"]          # file systems to watch; default: every real one mounted
log_interval_s = 1              # how often followed files are read; 1 to 3600, default 1

[[collect.log]]                 # one table per rule; several rules may follow one file
path = "/var/log/auth.log"      # absolute; may not exist yet, and may be rotated
rule = "ssh-failures"           # the rule's name: in every event, and the server's index
pattern = "Failed password for (invalid user )?\\S+ from"   # RE2 syntax, matched anywhere in the line
level = "warning"               # info | warning (default) | error

[[collect.check]]
name = "disk_root"              # 1 to 64 of A-Z a-z 0-9 _ - . ; unique
command = ["/usr/lib/nagios/plugins/check_disk", "-w", "20%", "-c", "10%", "-p", "/"]
interval_s = 300                # 1 to 86400, default 300
timeout_s = 30                  # 1 to 3600, default 30
)toml",
                                "agent.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->mounts, (std::vector<std::string>{"/", "/var"}));
  ASSERT_EQ(c->logs.size(), 1u);
  EXPECT_EQ(c->logs[0].pattern, "Failed password for (invalid user )?\\S+ from");
  ASSERT_EQ(c->checks.size(), 1u);
  EXPECT_EQ(c->checks[0].command.front(), "/usr/lib/nagios/plugins/check_disk");
  EXPECT_EQ(c->checks[0].interval_s, 300);
}

void expect_error(std::string_view text, std::string_view message) {
  auto c = parse_collect_config(text, "agent.toml");
  ASSERT_FALSE(c) << "accepted: " << text;
  EXPECT_EQ(c.error().message, message);
  EXPECT_EQ(c.error().event, EventId::config_invalid);
}

TEST(CollectConfig, ErrorsNameTheKeyTheValueAndWhatIsExpected) {
  expect_error("[collect]\nperformance_intervall_s = 5\n",
               "agent.toml: unknown key 'performance_intervall_s' in [collect]: expected one of "
               "check, log, log_interval_s, mounts, performance_interval_s");
  expect_error("[collect]\nperformance_interval_s = -1\n",
               "agent.toml: [collect] performance_interval_s = -1: expected an integer from 0 to "
               "86400");
  expect_error("[collect]\nmounts = [\"var\"]\n",
               "agent.toml: [collect] mounts = \"var\": expected an array of absolute mount "
               "points, e.g. [\"/\", \"/var\"]");
  expect_error("[[collect.log]]\npath = \"/var/log/syslog\"\nrule = \"r\"\npattern = \"(a\"\n",
               "agent.toml: [[collect.log]] #1 pattern = \"(a\": expected a regular expression in "
               "RE2 syntax (missing ): (a)");
  expect_error(
      "[[collect.log]]\npath = \"/l\"\nrule = \"r\"\npattern = \"a\"\nlevel = \"fatal\"\n",
      "agent.toml: [[collect.log]] #1 level = \"fatal\": expected \"info\", \"warning\" or "
      "\"error\"");
  expect_error("[[collect.log]]\npath = \"/l\"\npattern = \"a\"\n",
               "agent.toml: [[collect.log]] #1 rule is missing: expected the rule's name, e.g. "
               "\"ssh-failures\"");
  expect_error("[[collect.check]]\nname = \"a\"\ncommand = [\"check_disk\"]\n",
               "agent.toml: [[collect.check]] #1 command = [\"check_disk\"]: expected an array of "
               "quoted strings, the first an absolute path to the executable");
  expect_error("[[collect.check]]\nname = \"a\"\ncommand = [\"/bin/true\"]\ntimeout_s = 0\n",
               "agent.toml: [[collect.check]] #1 timeout_s = 0: expected an integer from 1 to "
               "3600");
  expect_error(
      "[[collect.check]]\nname = \"a\"\ncommand = [\"/bin/true\"]\n"
      "[[collect.check]]\nname = \"a\"\ncommand = [\"/bin/false\"]\n",
      "agent.toml: [[collect.check]] #2 name = \"a\": expected a name no other check has");
  expect_error("[[collect.check]]\nname = \"disk root\"\ncommand = [\"/bin/true\"]\n",
               "agent.toml: [[collect.check]] #1 name = \"disk root\": expected 1 to 64 letters, "
               "digits, '_', '-' or '.'");
  expect_error("[[collect.check]]\nname = \"a\"\ncommand = [\"/bin/true\"]\nshell = true\n",
               "agent.toml: unknown key 'shell' in [[collect.check]] #1: expected one of "
               "command, interval_s, name, timeout_s");
}

TEST(CollectConfig, SyntaxErrorsGiveTheLine) {
  auto c = parse_collect_config("[collect]\nmounts = [\n", "configuration service");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("configuration service line"), std::string::npos)
      << c.error().message;
}

}  // namespace
}  // namespace outpost::collect
