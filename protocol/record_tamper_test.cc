// Tamper detection and robustness of the record decoder against arbitrary
// input. Deterministic: every generator is seeded.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>

#include "protocol/hlc.h"
#include "protocol/record.h"

namespace credmesh {
namespace {

VerifiedRecord ValidRecord() {
  Bytes seed(32);
  std::iota(seed.begin(), seed.end(), uint8_t{0x40});
  auto key = SigningKey::FromSeed(seed);
  REQUIRE(key.ok());
  Value body = Value::Map{{"list", Value(Value::Array{Value(1), Value("two"), Value()})},
                          {"ok", Value(true)},
                          {"raw", Value(Bytes{0xde, 0xad, 0xbe, 0xef})},
                          {"score", Value(-300)},
                          {"sub", Value(Value::Map{{"k", Value("v")}})}};
  auto v = VerifiedRecord::Create("submission.review", "school/pine", "sub:42",
                                  HybridClock::Make(1'700'000'000'000, 3), body, *key);
  REQUIRE(v.ok());
  return std::move(*v);
}

TEST_CASE("protocol/record: flipping any single bit makes Verify fail") {
  const VerifiedRecord valid = ValidRecord();
  const Bytes& original = valid.bytes();
  const size_t sig_start = original.size() - 64;
  const auto& author = valid.record().author.data;
  const size_t author_start = static_cast<size_t>(
      std::search(original.begin(), original.end(), author.begin(), author.end()) -
      original.begin());
  REQUIRE(ToHex(ByteView(original).subspan(author_start - 2, 2)) == "c420");
  size_t accepted = 0, wrong_message = 0;
  for (size_t bit = 0; bit < original.size() * 8; ++bit) {
    Bytes bent = original;
    bent[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    auto v = VerifiedRecord::Verify(bent);
    if (v.ok()) {
      ++accepted;
      MESSAGE("accepted a record with bit ", bit, " flipped");
      continue;
    }
    // Inside the signature or author key the bytes still decode; only the
    // signature check can catch the change.
    const size_t byte = bit / 8;
    if (byte >= sig_start && v.status().message() != "record: bad signature") ++wrong_message;
    if (byte >= author_start && byte < author_start + 32 &&
        v.status().message() != "record: bad signature") {
      ++wrong_message;
    }
  }
  CHECK(accepted == 0);
  CHECK(wrong_message == 0);
  CHECK(VerifiedRecord::Verify(original).ok());
}

TEST_CASE("protocol/record: a bent signature fails with \"bad signature\"") {
  const VerifiedRecord valid = ValidRecord();
  for (size_t i : {size_t{0}, size_t{31}, size_t{32}, size_t{63}}) {
    Bytes bent = valid.bytes();
    bent[bent.size() - 64 + i] ^= 0x80;
    auto v = VerifiedRecord::Verify(bent);
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().code() == Status::Code::kCorruption);
    CHECK(v.status().message() == "record: bad signature");
  }
}

// Applies 1..4 random edits: set, flip, insert, erase, truncate, duplicate.
Bytes Mutate(Bytes b, std::mt19937& rng) {
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  const size_t edits = 1 + pick(4);
  for (size_t e = 0; e < edits && !b.empty(); ++e) {
    const size_t at = pick(b.size());
    switch (pick(6)) {
      case 0:
        b[at] = static_cast<uint8_t>(rng());
        break;
      case 1:
        b[at] ^= static_cast<uint8_t>(1u << pick(8));
        break;
      case 2:
        b.insert(b.begin() + static_cast<long>(at), static_cast<uint8_t>(rng()));
        break;
      case 3:
        b.erase(b.begin() + static_cast<long>(at));
        break;
      case 4:
        b.resize(at);
        break;
      default: {
        const size_t len = 1 + pick(std::min<size_t>(16, b.size() - at));
        Bytes slice(b.begin() + static_cast<long>(at), b.begin() + static_cast<long>(at + len));
        b.insert(b.begin() + static_cast<long>(pick(b.size())), slice.begin(), slice.end());
      }
    }
  }
  return b;
}

// Decodes `data`; anything accepted must be canonical, and must verify only
// if it is the original record. Returns false on a violation.
bool CheckInvariants(const Bytes& data, const Bytes& original) {
  auto r = DecodeRecord(data);
  if (r.ok() && EncodeRecord(*r) != data) return false;
  auto v = VerifiedRecord::Verify(data);
  return !v.ok() || data == original;
}

TEST_CASE("protocol/record: random and mutated input never crashes the decoder") {
  const VerifiedRecord valid = ValidRecord();
  const Bytes& original = valid.bytes();
  std::mt19937 rng(20240611);
  size_t violations = 0, decoded = 0;
  for (int i = 0; i < 3000; ++i) {
    Bytes data(std::uniform_int_distribution<size_t>(0, 400)(rng));
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    if (i % 2 && !data.empty()) data[0] = 0x98;  // get past the first byte
    if (!CheckInvariants(data, original)) ++violations;
  }
  for (int i = 0; i < 5000; ++i) {
    Bytes data = Mutate(original, rng);
    if (DecodeRecord(data).ok()) ++decoded;
    if (!CheckInvariants(data, original)) ++violations;
  }
  CHECK(violations == 0);
  // Some mutations (e.g. a changed body byte) still decode; those exercised
  // the canonical and signature invariants above.
  CHECK(decoded > 0);
}

}  // namespace
}  // namespace credmesh
