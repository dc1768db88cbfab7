#include "queue/record.hpp"

#include <array>
#include <cstring>

namespace outpost::queue {
namespace {

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slicing by 8.
using Table = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr Table make_table() {
  Table t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) {
      c = (c & 1U) != 0 ? (c >> 1U) ^ 0x82F63B78U : c >> 1U;
    }
    t[0][i] = c;
  }
  for (std::size_t s = 1; s < 8; ++s) {
    for (std::size_t i = 0; i < 256; ++i) {
      const std::uint32_t prev = t[s - 1][i];
      t[s][i] = (prev >> 8U) ^ t[0][prev & 0xFFU];
    }
  }
  return t;
}

constexpr Table kTable = make_table();

template <class T>
void put(std::string& out, T value) {
  std::array<char, sizeof(T)> bytes{};
  auto u = static_cast<std::make_unsigned_t<T>>(value);
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    bytes[i] = static_cast<char>(static_cast<unsigned char>(u & 0xFFU));
    u = static_cast<std::make_unsigned_t<T>>(u >> 8U);
  }
  out.append(bytes.data(), bytes.size());
}

template <class T>
T get(std::string_view bytes, std::size_t at) {
  std::make_unsigned_t<T> u = 0;
  for (std::size_t i = sizeof(T); i-- > 0;) {
    u = static_cast<std::make_unsigned_t<T>>(u << 8U);
    u = static_cast<std::make_unsigned_t<T>>(u | static_cast<unsigned char>(bytes[at + i]));
  }
  return static_cast<T>(u);
}

}  // namespace

std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc) {
  crc = ~crc;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  while (n >= 8) {
    const std::uint32_t lo = crc ^ (std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8U |
                                    std::uint32_t{p[2]} << 16U | std::uint32_t{p[3]} << 24U);
    crc = kTable[7][lo & 0xFFU] ^ kTable[6][(lo >> 8U) & 0xFFU] ^ kTable[5][(lo >> 16U) & 0xFFU] ^
          kTable[4][lo >> 24U] ^ kTable[3][p[4]] ^ kTable[2][p[5]] ^ kTable[1][p[6]] ^
          kTable[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) {
    crc = (crc >> 8U) ^ kTable[0][(crc ^ *p++) & 0xFFU];
  }
  return ~crc;
}

std::string encode_segment_header(std::uint64_t first_seq) {
  std::string out(kSegmentMagic);
  put(out, first_seq);
  return out;
}

std::optional<std::uint64_t> parse_segment_header(std::string_view bytes) {
  if (bytes.size() < kSegmentHeaderSize || bytes.substr(0, kSegmentMagic.size()) != kSegmentMagic) {
    return std::nullopt;
  }
  return get<std::uint64_t>(bytes, kSegmentMagic.size());
}

void encode_record(std::string& out, std::uint64_t seq, std::int64_t produced_unix_ms,
                   std::uint8_t kind, std::string_view payload) {
  const std::size_t start = out.size();
  put(out, static_cast<std::uint32_t>(kBodyFixedSize + payload.size()));
  put(out, std::uint32_t{0});  // the CRC, filled in below
  put(out, seq);
  put(out, produced_unix_ms);
  out.push_back(static_cast<char>(kind));
  out.append(payload);
  const std::uint32_t crc = crc32c(std::string_view(out).substr(start + kRecordHeaderSize));
  std::string crc_bytes;
  put(crc_bytes, crc);
  out.replace(start + 4, 4, crc_bytes);
}

std::optional<RecordView> parse_record(std::string_view bytes) {
  if (bytes.size() < kRecordOverhead) {
    return std::nullopt;
  }
  const auto body_size = get<std::uint32_t>(bytes, 0);
  if (body_size < kBodyFixedSize || body_size > kBodyFixedSize + kMaxPayload ||
      bytes.size() - kRecordHeaderSize < body_size) {
    return std::nullopt;
  }
  const std::string_view body = bytes.substr(kRecordHeaderSize, body_size);
  if (crc32c(body) != get<std::uint32_t>(bytes, 4)) {
    return std::nullopt;
  }
  RecordView r;
  r.seq = get<std::uint64_t>(body, 0);
  r.produced_unix_ms = get<std::int64_t>(body, 8);
  r.kind = static_cast<std::uint8_t>(body[16]);
  r.payload = body.substr(kBodyFixedSize);
  r.size = kRecordHeaderSize + body_size;
  return r;
}

}  // namespace outpost::queue
