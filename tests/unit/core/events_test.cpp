#include "core/events.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace outpost {
namespace {

TEST(Events, IdsAreUniqueAndErrorsSayWhatToDo) {
  std::set<int> seen;
  for (const auto& e : event_catalogue()) {
    EXPECT_TRUE(seen.insert(number(e.id)).second) << "duplicate id " << number(e.id);
    EXPECT_FALSE(e.text.empty());
    if (e.level == Level::error) {
      EXPECT_FALSE(e.action.empty()) << number(e.id) << " is an error without an action";
    }
  }
}

TEST(Events, LookupByNumber) {
  EXPECT_EQ(event_id_from_number(20053), EventId::cert_loaded);
  EXPECT_FALSE(event_id_from_number(12345));
  EXPECT_EQ(event_info(EventId::remote_cert_untrusted).level, Level::error);
}

TEST(Events, EveryIdIsDocumentedInDocsEventsMd) {
  std::ifstream in(std::string(OUTPOST_SOURCE_DIR) + "/docs/events.md");
  ASSERT_TRUE(in) << "docs/events.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  for (const auto& e : event_catalogue()) {
    const std::string row = "| " + std::to_string(number(e.id)) + " |";
    EXPECT_NE(text.str().find(row), std::string::npos)
        << "docs/events.md has no row '" << row << "'";
  }
}

TEST(Events, LevelNamesRoundTrip) {
  for (Level l : {Level::info, Level::warning, Level::error}) {
    EXPECT_EQ(level_from_name(level_name(l)), l);
  }
  EXPECT_FALSE(level_from_name("fatal"));
}

}  // namespace
}  // namespace outpost
