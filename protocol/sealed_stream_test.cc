#include "protocol/sealed_stream.h"

#include <doctest/doctest.h>

#include <string>

namespace credmesh {
namespace {

Bytes SealedTestBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace

TEST_CASE("a sealed box opens only with the recipient's node key") {
  SigningKey bob = SigningKey::Generate();
  SigningKey eve = SigningKey::Generate();
  const Bytes secret = SealedTestBytes("stream key for bob..............");
  auto sealed = SealToNodeKey(secret, bob.public_key());
  REQUIRE(sealed.ok());
  CHECK(sealed->size() == secret.size() + kSealOverhead);
  auto opened = OpenSealedWithNodeKey(*sealed, bob);
  REQUIRE(opened.ok());
  CHECK(*opened == secret);
  CHECK(OpenSealedWithNodeKey(*sealed, eve).status().code() == Status::Code::kCorruption);
  Bytes altered = *sealed;
  altered[altered.size() / 2] ^= 1;
  CHECK_FALSE(OpenSealedWithNodeKey(altered, bob).ok());
}

TEST_CASE("a secretstream round-trips and detects alteration, reordering and truncation") {
  StreamKey key = StreamKey::Generate();
  uint8_t header[kStreamHeaderBytes];
  StreamEncryptor enc = StreamEncryptor::Start(key, header);
  Bytes c1, c2, c3;
  enc.Push(SealedTestBytes("first"), false, c1);
  enc.Push(SealedTestBytes("second"), false, c2);
  enc.Push(SealedTestBytes("last"), true, c3);
  CHECK(c1.size() == 5 + kStreamOverhead);

  auto fresh = [&] {
    auto d = StreamDecryptor::Start(key, header);
    REQUIRE(d.ok());
    return std::move(*d);
  };
  Bytes out;
  bool final = true;
  {
    StreamDecryptor dec = fresh();
    REQUIRE(dec.Pull(c1, out, final).ok());
    CHECK(out == SealedTestBytes("first"));
    CHECK_FALSE(final);
    REQUIRE(dec.Pull(c2, out, final).ok());
    CHECK_FALSE(final);
    REQUIRE(dec.Pull(c3, out, final).ok());
    CHECK(out == SealedTestBytes("last"));
    CHECK(final);
  }
  {
    StreamDecryptor dec = fresh();
    CHECK_FALSE(dec.Pull(c2, out, final).ok());  // reordered
  }
  {
    StreamDecryptor dec = fresh();
    Bytes bad = c1;
    bad.back() ^= 0x80;
    CHECK(dec.Pull(bad, out, final).code() == Status::Code::kCorruption);
  }
  {
    StreamKey other = StreamKey::Generate();
    auto dec = StreamDecryptor::Start(other, header);
    REQUIRE(dec.ok());
    CHECK_FALSE(dec->Pull(c1, out, final).ok());  // another key
  }
}

}  // namespace credmesh
