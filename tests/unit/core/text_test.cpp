#include "core/text.hpp"

#include <gtest/gtest.h>

namespace outpost {
namespace {

TEST(CleanText, KeepsPrintableUtf8AndEscapesControls) {
  EXPECT_EQ(clean_text("agent1.lab.test"), "agent1.lab.test");
  EXPECT_EQ(clean_text("Zürich ☃"), "Zürich ☃");
  EXPECT_EQ(clean_text("a\x1b[2Jb\n"), "a\\x1b[2Jb\\x0a");
  EXPECT_EQ(clean_text("x\x7f"), "x\\x7f");
}

TEST(CleanText, ReplacesInvalidUtf8C1AndBidiControls) {
  EXPECT_EQ(clean_text("a\xff"
                       "b"),
            "a\xEF\xBF\xBD"
            "b");                                                                 // not UTF-8
  EXPECT_EQ(clean_text("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(clean_text("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(clean_text("\xC2\x9B"
                       "1m"),
            "\xEF\xBF\xBD"
            "1m");  // C1 CSI
  EXPECT_EQ(clean_text("abc\xE2\x80\xAE"
                       "def"),
            "abc\xEF\xBF\xBD"
            "def");                                               // right-to-left override
  EXPECT_EQ(clean_text("\xE2\x98"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated sequence
}

TEST(CleanText, CutsAtACharacterBoundary) {
  EXPECT_EQ(clean_text("ääää", 5), "ää");  // 2 bytes each: the third would pass 5
  EXPECT_EQ(clean_text("abc", 3), "abc");
  EXPECT_EQ(clean_text("a\x01", 3), "a");  // "\x01" would be 4 bytes
  EXPECT_EQ(clean_text(std::string(1000, 'x'), 255).size(), 255U);
}

}  // namespace
}  // namespace outpost
