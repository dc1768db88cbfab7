#include "wire/frame.hpp"

#include <gtest/gtest.h>

#include <random>

namespace outpost::wire {
namespace {

Envelope hello() {
  Envelope e;
  auto* h = e.mutable_hello();
  h->set_role(ROLE_GATEWAY);
  h->set_fqdn("gw1.lab.test");
  h->set_management_group("LAB");
  h->set_protocol_version(1);
  return e;
}

std::vector<std::uint8_t> frame_of(const Envelope& e, std::uint32_t limit = kDefaultFrameLimit) {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(encode_frame(e, out, limit));
  return out;
}

std::vector<std::uint8_t> raw_frame(const std::vector<std::uint8_t>& body) {
  std::vector<std::uint8_t> out = {
      'O', 'P', 'S', 'T', 1, 0, 0, 0, static_cast<std::uint8_t>(body.size())};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

TEST(Frame, RoundTripsByteByByte) {
  const auto bytes = frame_of(hello());
  ASSERT_EQ(bytes.size(), kHeaderBytes + hello().ByteSizeLong());
  FrameDecoder decoder;
  std::optional<Envelope> got;
  for (std::uint8_t b : bytes) {
    EXPECT_FALSE(got);
    decoder.feed(std::span(&b, 1));
    got = decoder.next();
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(got->hello().fqdn(), "gw1.lab.test");
  EXPECT_EQ(got->hello().role(), ROLE_GATEWAY);
  EXPECT_EQ(decoder.buffered(), 0U);
  EXPECT_FALSE(decoder.error());
}

TEST(Frame, SeveralFramesInOneRead) {
  Envelope ack;
  ack.mutable_ack()->set_origin("agent1.lab.test");
  ack.mutable_ack()->set_through_seq(42);
  auto bytes = frame_of(hello());
  const auto second = frame_of(ack);
  bytes.insert(bytes.end(), second.begin(), second.end());
  FrameDecoder decoder;
  decoder.feed(bytes);
  auto first = decoder.next();
  auto next = decoder.next();
  ASSERT_TRUE(first && next);
  EXPECT_TRUE(first->has_hello());
  EXPECT_EQ(next->ack().through_seq(), 42U);
  EXPECT_FALSE(decoder.next());
}

TEST(Frame, BadMagicIsRefused) {
  FrameDecoder decoder;
  const std::string http = "GET / HTTP/1.1\r\n\r\n";
  decoder.feed(std::span(reinterpret_cast<const std::uint8_t*>(http.data()), http.size()));
  EXPECT_FALSE(decoder.next());
  ASSERT_TRUE(decoder.error());
  EXPECT_EQ(decoder.error()->kind, FrameError::bad_magic);
}

TEST(Frame, OtherVersionIsRefused) {
  auto bytes = frame_of(hello());
  bytes[4] = 2;
  FrameDecoder decoder;
  decoder.feed(bytes);
  EXPECT_FALSE(decoder.next());
  ASSERT_TRUE(decoder.error());
  EXPECT_EQ(decoder.error()->kind, FrameError::unsupported_version);
}

TEST(Frame, OversizeIsRefusedFromTheHeaderAlone) {
  // Only the header of a 64 KiB + 1 frame: refused before any body is buffered.
  std::vector<std::uint8_t> header = {'O', 'P', 'S', 'T', 1, 0, 1, 0, 1};
  FrameDecoder decoder;
  decoder.feed(header);
  EXPECT_FALSE(decoder.next());
  ASSERT_TRUE(decoder.error());
  EXPECT_EQ(decoder.error()->kind, FrameError::too_large);
  EXPECT_NE(decoder.error()->reason.find("65537"), std::string::npos);
}

TEST(Frame, TheLimitRisesAfterTheHello) {
  Envelope batch;
  batch.mutable_data_batch()->set_origin("agent1.lab.test");
  batch.mutable_data_batch()->add_items()->set_event(std::string(100 * 1024, 'x'));
  const auto bytes = frame_of(batch);
  FrameDecoder before;
  before.feed(bytes);
  EXPECT_FALSE(before.next());
  EXPECT_EQ(before.error()->kind, FrameError::too_large);
  FrameDecoder after;
  after.set_limit(kDefaultFrameLimit);
  after.feed(bytes);
  EXPECT_TRUE(after.next());
}

TEST(Frame, EncodeRefusesOverTheLimit) {
  Envelope batch;
  batch.mutable_data_batch()->add_items()->set_event(std::string(2000, 'x'));
  std::vector<std::uint8_t> out;
  auto encoded = encode_frame(batch, out, 1000);
  ASSERT_FALSE(encoded);
  EXPECT_NE(encoded.error().message.find("data_batch"), std::string::npos);
  EXPECT_TRUE(out.empty());
}

TEST(Frame, GarbageBodyIsMalformed) {
  FrameDecoder decoder;
  decoder.feed(raw_frame({0xFF, 0xFF, 0xFF}));
  EXPECT_FALSE(decoder.next());
  ASSERT_TRUE(decoder.error());
  EXPECT_EQ(decoder.error()->kind, FrameError::malformed);
}

TEST(Frame, EmptyEnvelopeIsRefused) {
  FrameDecoder decoder;
  decoder.feed(raw_frame({}));
  EXPECT_FALSE(decoder.next());
  ASSERT_TRUE(decoder.error());
  EXPECT_EQ(decoder.error()->kind, FrameError::empty);
}

TEST(Frame, UnknownFieldIsRefused) {
  // Envelope.keepalive (field 4, length-delimited) holding field 15 varint 1, unknown to v1.
  FrameDecoder decoder;
  decoder.feed(raw_frame({0x22, 0x02, 0x78, 0x01}));
  EXPECT_FALSE(decoder.next());
  ASSERT_TRUE(decoder.error());
  EXPECT_EQ(decoder.error()->kind, FrameError::not_canonical);
  EXPECT_NE(decoder.error()->reason.find("keepalive"), std::string::npos);
}

TEST(Frame, ErrorsAreSticky) {
  FrameDecoder decoder;
  decoder.feed(raw_frame({0xFF}));
  EXPECT_FALSE(decoder.next());
  decoder.feed(frame_of(hello()));
  EXPECT_FALSE(decoder.next());
  EXPECT_TRUE(decoder.error());
}

TEST(Frame, FuzzEntryPointSurvivesMutations) {
  // Bounded and deterministic: mutations of valid frames and random bytes.
  std::mt19937 rng(5723);
  const auto valid = frame_of(hello());
  std::size_t decoded = 0;
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::uint8_t> input = valid;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      input[rng() % input.size()] = static_cast<std::uint8_t>(rng());
    }
    if (round % 3 == 0) input.resize(rng() % (input.size() + 1));
    decoded += fuzz_decode(input);
  }
  EXPECT_EQ(fuzz_decode(valid), 1U);
  EXPECT_LT(decoded, 3000U);  // most mutations are refused, none crash
}

}  // namespace
}  // namespace outpost::wire
