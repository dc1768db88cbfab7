// Item payloads checked at ingest: the shapes agents write pass, every bad shape is refused with
// the field and what was found there.
#include "storage/item_payload.hpp"

#include <gtest/gtest.h>

namespace outpost::storage {
namespace {

constexpr const char* kEvent =
    R"({"source":"log:/var/log/syslog","level":"warning","rule":"ssh","message":"Failed"})";
constexpr const char* kSample =
    R"({"counter":"cpu.percent","instance":"","value":12.5,"unit":"%"})";
constexpr const char* kCheck =
    R"({"name":"disk_root","status":"ok","exit_code":0,"output":"DISK OK","duration_ms":14})";

PayloadProblem problem(ItemKind kind, std::string_view payload) {
  auto r = check_item_payload(kind, payload);
  EXPECT_FALSE(r) << payload;
  return r ? PayloadProblem{} : r.error();
}

TEST(ItemPayload, TheShapesAgentsWritePass) {
  auto event = check_item_payload(ItemKind::event, kEvent);
  ASSERT_TRUE(event) << event.error().describe();
  EXPECT_EQ(event->name, "ssh");
  auto sample = check_item_payload(ItemKind::sample, kSample);
  ASSERT_TRUE(sample) << sample.error().describe();
  EXPECT_EQ(sample->name, "cpu.percent");
  auto check = check_item_payload(ItemKind::check, kCheck);
  ASSERT_TRUE(check) << check.error().describe();
  EXPECT_EQ(check->name, "disk_root");
  EXPECT_EQ(check->status, "ok");
  EXPECT_EQ(check->output, "DISK OK");
  // an integer value is a number too
  EXPECT_TRUE(check_item_payload(ItemKind::sample,
                                 R"({"counter":"bench.value","instance":"","value":7,"unit":""})"));
}

TEST(ItemPayload, WrongTypedFieldsAreRefusedWithTheFieldAndTheType) {
  auto p = problem(ItemKind::event, R"({"source":"s","level":"info","rule":5,"message":"m"})");
  EXPECT_EQ(p.field, "rule");
  EXPECT_EQ(p.found, "a number");
  EXPECT_EQ(p.describe(), "field 'rule' is a number (expected a string)");
  p = problem(ItemKind::check,
              R"({"name":5,"status":"ok","exit_code":0,"output":"","duration_ms":1})");
  EXPECT_EQ(p.field, "name");
  p = problem(ItemKind::check,
              R"({"name":"n","status":7,"exit_code":0,"output":"","duration_ms":1})");
  EXPECT_EQ(p.field, "status");
  EXPECT_EQ(p.found, "a number");
  p = problem(ItemKind::sample, R"({"counter":5,"instance":"","value":1,"unit":""})");
  EXPECT_EQ(p.field, "counter");
  p = problem(ItemKind::sample, R"({"counter":"c","instance":"","value":"x","unit":""})");
  EXPECT_EQ(p.field, "value");
  EXPECT_EQ(p.found, "a string");
  EXPECT_EQ(p.expected, "a number");
  p = problem(ItemKind::check,
              R"({"name":"n","status":"ok","exit_code":1.5,"output":"","duration_ms":1})");
  EXPECT_EQ(p.field, "exit_code");
  p = problem(ItemKind::event, R"({"source":"s","level":null,"rule":"r","message":"m"})");
  EXPECT_EQ(p.field, "level");
  EXPECT_EQ(p.found, "null");
}

TEST(ItemPayload, PayloadsThatAreNotAJsonObjectAreRefused) {
  for (const auto kind : {ItemKind::event, ItemKind::sample, ItemKind::check}) {
    EXPECT_EQ(problem(kind, "42").found, "a number");
    EXPECT_EQ(problem(kind, "[1,2]").found, "an array");
    EXPECT_EQ(problem(kind, R"("text")").found, "a string");
    EXPECT_EQ(problem(kind, "not json {").found, "not JSON");
    EXPECT_EQ(problem(kind, "").found, "empty");
    EXPECT_EQ(problem(kind, "{\"rule\":\"\xff\xfe\"}").found, "not JSON");  // not UTF-8
    EXPECT_EQ(problem(kind, "{}").found, "missing");
    EXPECT_EQ(problem(kind, "42").field, "");
  }
}

TEST(ItemPayload, MissingFieldsBadStatusesAndSizesAreRefused) {
  auto p = problem(ItemKind::sample, R"({"counter":"c","instance":"","unit":""})");
  EXPECT_EQ(p.field, "value");
  EXPECT_EQ(p.found, "missing");
  p = problem(ItemKind::check,
              R"({"name":"n","status":"fine","exit_code":0,"output":"","duration_ms":1})");
  EXPECT_EQ(p.field, "status");
  p = problem(ItemKind::sample, R"({"counter":"","instance":"","value":1,"unit":""})");
  EXPECT_EQ(p.field, "counter");
  const std::string long_name(kMaxItemNameBytes + 1, 'c');
  p = problem(ItemKind::sample,
              R"({"counter":")" + long_name + R"(","instance":"","value":1,"unit":""})");
  EXPECT_EQ(p.field, "counter");
  const std::string huge(kMaxPayloadBytes, 'x');
  p = problem(ItemKind::event,
              R"({"source":"s","level":"info","rule":"r","message":")" + huge + R"("})");
  EXPECT_EQ(p.field, "");
}

}  // namespace
}  // namespace outpost::storage
