#include "collect/perfdata.hpp"

#include <gtest/gtest.h>

namespace outpost::collect {
namespace {

TEST(Perfdata, CheckDiskFromDebian12) {
  const auto out = parse_plugin_output(
      "DISK OK - free space: / 79453MiB (81% inode=97%);| "
      "/=19432210432B;216442024755;243497277849;0;270552530944\n");
  EXPECT_EQ(out.first_line, "DISK OK - free space: / 79453MiB (81% inode=97%);");
  ASSERT_EQ(out.perfdata.size(), 1u);
  const auto& v = out.perfdata[0];
  EXPECT_EQ(v.label, "/");
  EXPECT_DOUBLE_EQ(v.value, 19432210432.0);
  EXPECT_EQ(v.unit, "B");
  EXPECT_EQ(v.warn, "216442024755");
  EXPECT_EQ(v.crit, "243497277849");
  EXPECT_EQ(v.min, 0.0);
  EXPECT_EQ(v.max, 270552530944.0);
}

TEST(Perfdata, CheckLoadSeveralValuesAndTrailingSemicolons) {
  const auto out = parse_plugin_output(
      "LOAD WARNING - total load average: 5.92, 3.96, 2.97|load1=5.920;5.000;10.000;0; "
      "load5=3.960;4.000;8.000;0; load15=2.970;3.000;6.000;0; \n");
  EXPECT_EQ(out.first_line, "LOAD WARNING - total load average: 5.92, 3.96, 2.97");
  ASSERT_EQ(out.perfdata.size(), 3u);
  EXPECT_EQ(out.perfdata[2].label, "load15");
  EXPECT_DOUBLE_EQ(out.perfdata[2].value, 2.97);
  EXPECT_EQ(out.perfdata[2].unit, "");
  EXPECT_FALSE(out.perfdata[2].max);
}

TEST(Perfdata, CheckHttpUnitsAndEmptyThresholds) {
  const auto out = parse_plugin_output(
      "HTTP OK: HTTP/1.1 200 OK - 612 bytes in 0.002 second response time |"
      "time=0.002134s;;;0.000000;10.000000 size=612B;;;0\n");
  ASSERT_EQ(out.perfdata.size(), 2u);
  EXPECT_EQ(out.perfdata[0].label, "time");
  EXPECT_DOUBLE_EQ(out.perfdata[0].value, 0.002134);
  EXPECT_EQ(out.perfdata[0].unit, "s");
  EXPECT_EQ(out.perfdata[0].warn, "");
  EXPECT_EQ(out.perfdata[0].max, 10.0);
  EXPECT_EQ(out.perfdata[1].unit, "B");
}

TEST(Perfdata, QuotedLabelsRangesNegativeAndUnknownValues) {
  const auto values = parse_perfdata(
      "'free space'=45%;@10:20;~:5 'it''s'=-1.5e3ms 'C:\\ Used'=10GB;80;90 broken=U;1;2 "
      "noequals x=");
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0].label, "free space");
  EXPECT_EQ(values[0].unit, "%");
  EXPECT_EQ(values[0].warn, "@10:20");
  EXPECT_EQ(values[0].crit, "~:5");
  EXPECT_EQ(values[1].label, "it's");
  EXPECT_DOUBLE_EQ(values[1].value, -1500.0);
  EXPECT_EQ(values[1].unit, "ms");
  EXPECT_EQ(values[2].label, "C:\\ Used");
  EXPECT_EQ(values[2].unit, "GB");
}

TEST(Perfdata, LongOutputCarriesMorePerfdata) {
  const auto out = parse_plugin_output(
      "DISK OK | /=10MB\n/boot is fine\n/home is fine | /boot=1MB /home=20MB\nc=3c\n");
  EXPECT_EQ(out.first_line, "DISK OK");
  ASSERT_EQ(out.perfdata.size(), 4u);
  EXPECT_EQ(out.perfdata[1].label, "/boot");
  EXPECT_EQ(out.perfdata[3].label, "c");
  EXPECT_EQ(out.perfdata[3].unit, "c");
}

TEST(Perfdata, NoPerfdataAndNoOutput) {
  EXPECT_EQ(parse_plugin_output("PROCS OK: 3 processes\n").first_line, "PROCS OK: 3 processes");
  EXPECT_TRUE(parse_plugin_output("PROCS OK: 3 processes\n").perfdata.empty());
  EXPECT_EQ(parse_plugin_output("").first_line, "");
}

}  // namespace
}  // namespace outpost::collect
