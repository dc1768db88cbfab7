#include "web/http.hpp"

#include <gtest/gtest.h>

namespace outpost::web {
namespace {

TEST(HttpTarget, SplitsAndDecodesPathAndQuery) {
  auto t = parse_target("/api/v1/computers/a%2Eb?q=agent+1&limit=10&empty=&flag");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/api/v1/computers/a.b");
  EXPECT_EQ(t->query.at("q"), "agent 1");
  EXPECT_EQ(t->query.at("limit"), "10");
  EXPECT_EQ(t->query.at("empty"), "");
  EXPECT_EQ(t->query.at("flag"), "");
}

TEST(HttpTarget, RefusesWhatIsNotAnAbsolutePathOrHasBadEscapes) {
  EXPECT_FALSE(parse_target(""));
  EXPECT_FALSE(parse_target("api/v1"));
  EXPECT_FALSE(parse_target("http://x/api"));
  EXPECT_FALSE(parse_target("/a%2"));
  EXPECT_FALSE(parse_target("/a%zz"));
  EXPECT_FALSE(parse_target("/a%00b"));
  EXPECT_FALSE(parse_target("/a?x=%G1"));
}

TEST(HttpCookies, FindsTheNamedCookieOnly) {
  EXPECT_EQ(cookie_value("a=1; outpost_session=abc; b=2", "outpost_session"), "abc");
  EXPECT_EQ(cookie_value("outpost_session_x=1", "outpost_session"), "");
  EXPECT_EQ(cookie_value("", "outpost_session"), "");
  EXPECT_EQ(cookie_value("xoutpost_session=1;outpost_session=2", "outpost_session"), "2");
}

TEST(HttpErrors, CarryStatusEventMessageAndFix) {
  const Response r = error_response(403, EventId::web_forbidden, "no", "ask");
  EXPECT_EQ(r.status, 403);
  const auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["error"]["event"], 30116);
  EXPECT_EQ(body["error"]["status"], 403);
  EXPECT_EQ(body["error"]["message"], "no");
  EXPECT_EQ(body["error"]["fix"], "ask");
}

TEST(HttpErrors, StatusFollowsTheEventOfAnErrorFromBelow) {
  EXPECT_EQ(status_for(EventId::admin_no_change), 404);
  EXPECT_EQ(status_for(EventId::computer_unknown), 404);
  EXPECT_EQ(status_for(EventId::role_conflict), 409);
  EXPECT_EQ(status_for(EventId::database_error), 503);
  EXPECT_EQ(status_for(EventId::command_line_invalid), 400);
  EXPECT_EQ(status_for(EventId::none), 400);
}

}  // namespace
}  // namespace outpost::web
