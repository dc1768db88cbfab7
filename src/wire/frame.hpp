// Frames: a 9-byte header (magic "OPST", version/flags byte, 32-bit big-endian length) and one
// protobuf Envelope. The decoder is incremental, enforces the size limit of the connection's
// phase before buffering a body, and decodes strictly: unknown fields, non-canonical encodings,
// an empty envelope or trailing garbage are errors, never ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "wire/outpost.pb.h"

namespace outpost::wire {

inline constexpr std::uint8_t kMagic[4] = {'O', 'P', 'S', 'T'};
inline constexpr std::uint8_t kProtocolVersion = 1;
inline constexpr std::size_t kHeaderBytes = 9;
inline constexpr std::uint32_t kPreHelloLimit = 64 * 1024;
inline constexpr std::uint32_t kDefaultFrameLimit = 16 * 1024 * 1024;

enum class FrameError {
  bad_magic,
  unsupported_version,
  too_large,
  malformed,      // the body is not a valid Envelope
  not_canonical,  // unknown fields or a non-canonical encoding
  empty,          // an Envelope with no body set
};

struct DecodeError {
  FrameError kind;
  std::string reason;  // for the log and the Reject sent before closing
};

// Appends the frame for `envelope` to `out`. Fails only when it exceeds `limit`.
[[nodiscard]] Result<void> encode_frame(const Envelope& envelope, std::vector<std::uint8_t>& out,
                                        std::uint32_t limit = kDefaultFrameLimit);

// Decodes one Envelope body strictly (no header).
[[nodiscard]] std::optional<DecodeError> decode_body(std::span<const std::uint8_t> body,
                                                     Envelope& out);

class FrameDecoder {
 public:
  explicit FrameDecoder(std::uint32_t limit = kPreHelloLimit) : limit_(limit) {}

  // The limit changes when the hello completes.
  void set_limit(std::uint32_t limit) { limit_ = limit; }
  [[nodiscard]] std::uint32_t limit() const { return limit_; }

  // Adds received bytes.
  void feed(std::span<const std::uint8_t> bytes);

  // The next complete envelope, nullopt when more bytes are needed. After an error the decoder
  // stays failed: the connection must be closed.
  [[nodiscard]] std::optional<Envelope> next();
  [[nodiscard]] const std::optional<DecodeError>& error() const { return error_; }
  [[nodiscard]] std::size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  void compact();

  std::uint32_t limit_;
  std::vector<std::uint8_t> buffer_;
  std::size_t consumed_ = 0;
  std::optional<DecodeError> error_;
};

// The decoder entry point for fuzzers: feeds `data` in one piece and drains every frame.
// Returns the number of envelopes decoded; never crashes, whatever the bytes.
std::size_t fuzz_decode(std::span<const std::uint8_t> data);

}  // namespace outpost::wire
