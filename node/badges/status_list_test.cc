#include "node/badges/status_list.h"

#include <doctest/doctest.h>

#include "node/badges/multibase.h"

namespace credmesh {
namespace {

TEST_CASE("badges/status_list: bits round-trip through encodedList") {
  StatusBitstring bits;
  CHECK(bits.size() == kMinStatusListBits);
  bits.Set(0, true);
  bits.Set(94567, true);
  bits.Set(kMinStatusListBits - 1, true);
  std::string enc = bits.Encode();
  CHECK(enc[0] == 'u');
  CHECK(enc.size() < 1000);  // mostly zeros: GZIP makes 16 KiB small
  auto back = StatusBitstring::Decode(enc);
  REQUIRE(back.ok());
  CHECK(back->size() == kMinStatusListBits);
  for (size_t i : {size_t{0}, size_t{94567}, kMinStatusListBits - 1}) CHECK(back->Get(i));
  for (size_t i : {size_t{1}, size_t{7}, size_t{8}, size_t{94566}, size_t{94568}})
    CHECK(!back->Get(i));
  bits.Set(94567, false);
  CHECK(!StatusBitstring::Decode(bits.Encode())->Get(94567));
}

TEST_CASE("badges/status_list: index 0 is the left-most bit of the first byte") {
  StatusBitstring bits;
  bits.Set(0, true);
  bits.Set(9, true);
  // Decode the wire form by hand: the raw bytes start 0x80 0x40.
  auto back = StatusBitstring::Decode(bits.Encode());
  REQUIRE(back.ok());
  CHECK(back->Get(0));
  CHECK(back->Get(9));
  CHECK(!back->Get(7));
  CHECK(!back->Get(8));
}

TEST_CASE("badges/status_list: W3C specification example list decodes to all zeros") {
  // Bitstring Status List v1.0 §2.1 example encodedList (16 KiB of zeros).
  auto bits = StatusBitstring::Decode(
      "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA");
  REQUIRE(bits.ok());
  CHECK(bits->size() == kMinStatusListBits);
  for (size_t i = 0; i < bits->size(); i += 997) CHECK(!bits->Get(i));
}

TEST_CASE("badges/status_list: malformed encodedList is refused") {
  CHECK(!StatusBitstring::Decode("").ok());
  CHECK(!StatusBitstring::Decode("zabc").ok());
  CHECK(!StatusBitstring::Decode("u!!!").ok());
  CHECK(!StatusBitstring::Decode("u" + Base64UrlEncode(AsBytes("not gzip"))).ok());
  std::string good = StatusBitstring().Encode();
  CHECK(!StatusBitstring::Decode(good.substr(0, good.size() - 6)).ok());  // truncated
}

TEST_CASE("badges/status_list: entry and credential shapes") {
  auto e = StatusListEntry("https://valley.example/status/1", 42);
  CHECK(e["statusListIndex"] == "42");
  CHECK(e["id"] == "https://valley.example/status/1#42");
  CHECK(e["type"] == "BitstringStatusListEntry");
  auto c = StatusListCredential("https://valley.example/status/1", "did:key:z6Mk",
                                "2026-01-01T00:00:00Z", StatusBitstring());
  CHECK(c["credentialSubject"]["statusPurpose"] == "revocation");
  CHECK(c["type"][1] == "BitstringStatusListCredential");
}

}  // namespace
}  // namespace credmesh
