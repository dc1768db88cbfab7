#include "wire/frame.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace outpost::wire {
namespace {

std::uint32_t read_be32(const std::uint8_t* p) {
  return (static_cast<std::uint32_t>(p[0]) << 24) | (static_cast<std::uint32_t>(p[1]) << 16) |
         (static_cast<std::uint32_t>(p[2]) << 8) | static_cast<std::uint32_t>(p[3]);
}

void write_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

// "hello", "data_batch", ... for messages; "empty" when no body is set.
std::string body_name(const Envelope& envelope) {
  const auto* field = Envelope::descriptor()->FindFieldByNumber(envelope.body_case());
  return field != nullptr ? field->name() : std::string("empty");
}

}  // namespace

Result<void> encode_frame(const Envelope& envelope, std::vector<std::uint8_t>& out,
                          std::uint32_t limit) {
  const std::size_t size = envelope.ByteSizeLong();
  if (size > limit) {
    return fail(fmt::format("a {} message of {} bytes exceeds the frame limit of {} bytes",
                            body_name(envelope), size, limit));
  }
  const std::size_t start = out.size();
  out.resize(start + kHeaderBytes + size);
  std::uint8_t* header = out.data() + start;
  std::memcpy(header, kMagic, sizeof kMagic);
  header[4] = kProtocolVersion;
  write_be32(header + 5, static_cast<std::uint32_t>(size));
  envelope.SerializeWithCachedSizesToArray(header + kHeaderBytes);
  return {};
}

std::optional<DecodeError> decode_body(std::span<const std::uint8_t> body, Envelope& out) {
  if (!out.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return DecodeError{FrameError::malformed,
                       fmt::format("a frame of {} bytes is not a valid message", body.size())};
  }
  if (out.body_case() == Envelope::BODY_NOT_SET) {
    return DecodeError{FrameError::empty, "a frame carried an empty message"};
  }
  // Strict: re-encoding without unknown fields must give back exactly the bytes received, so an
  // unknown field, a repeated scalar or any other non-canonical encoding is refused.
  out.DiscardUnknownFields();
  if (out.ByteSizeLong() != body.size()) {
    return DecodeError{FrameError::not_canonical,
                       fmt::format("a {} message carries unknown fields or a non-canonical "
                                   "encoding ({} bytes received, {} understood)",
                                   body_name(out), body.size(), out.ByteSizeLong())};
  }
  return std::nullopt;
}

void FrameDecoder::feed(std::span<const std::uint8_t> bytes) {
  if (error_) return;
  compact();
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

void FrameDecoder::compact() {
  if (consumed_ == 0) return;
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
  consumed_ = 0;
}

std::optional<Envelope> FrameDecoder::next() {
  if (error_ || buffered() < kHeaderBytes) return std::nullopt;
  const std::uint8_t* header = buffer_.data() + consumed_;
  if (!std::equal(std::begin(kMagic), std::end(kMagic), header)) {
    error_ = DecodeError{FrameError::bad_magic,
                         "the peer did not send an Outpost frame (bad magic): is it an Outpost "
                         "node on this port?"};
    return std::nullopt;
  }
  if (header[4] != kProtocolVersion) {
    error_ = DecodeError{FrameError::unsupported_version,
                         fmt::format("the peer speaks frame version {}, this node version {}",
                                     header[4], kProtocolVersion)};
    return std::nullopt;
  }
  const std::uint32_t length = read_be32(header + 5);
  if (length > limit_) {
    error_ = DecodeError{
        FrameError::too_large,
        fmt::format("a frame of {} bytes exceeds the limit of {} bytes", length, limit_)};
    return std::nullopt;
  }
  if (buffered() < kHeaderBytes + length) return std::nullopt;
  Envelope envelope;
  const std::span<const std::uint8_t> body(header + kHeaderBytes, length);
  consumed_ += kHeaderBytes + length;
  if (auto failure = decode_body(body, envelope)) {
    error_ = std::move(failure);
    return std::nullopt;
  }
  return envelope;
}

std::size_t fuzz_decode(std::span<const std::uint8_t> data) {
  FrameDecoder decoder(kPreHelloLimit);
  decoder.feed(data);
  std::size_t count = 0;
  while (auto envelope = decoder.next()) {
    ++count;
    decoder.set_limit(kDefaultFrameLimit);
  }
  return count;
}

}  // namespace outpost::wire
