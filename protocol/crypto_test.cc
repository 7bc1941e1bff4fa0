#include "protocol/crypto.h"

#include <doctest/doctest.h>
#include <sodium.h>

#include <numeric>
#include <string>

namespace credmesh {
namespace {

Bytes Seed(uint8_t first) {
  Bytes seed(32);
  std::iota(seed.begin(), seed.end(), first);
  return seed;
}

SigningKey KeyFromHex(std::string_view seed_hex) {
  auto seed = FromHex(seed_hex);
  REQUIRE(seed.has_value());
  auto key = SigningKey::FromSeed(*seed);
  REQUIRE(key.ok());
  return std::move(*key);
}

TEST_CASE("protocol/crypto: sign and verify") {
  SigningKey key = SigningKey::Generate();
  Signature sig = key.Sign(AsBytes("hello"));
  CHECK(VerifySignature(key.public_key(), AsBytes("hello"), sig));
  CHECK_FALSE(VerifySignature(key.public_key(), AsBytes("hellO"), sig));
  CHECK_FALSE(VerifySignature(SigningKey::Generate().public_key(), AsBytes("hello"), sig));
  Signature bent = sig;
  bent.data[10] ^= 0x01;
  CHECK_FALSE(VerifySignature(key.public_key(), AsBytes("hello"), bent));
  CHECK_FALSE(VerifySignature(key.public_key(), AsBytes("hello"), Signature{}));
}

TEST_CASE("protocol/crypto: RFC 8032 Ed25519 test vectors 1 and 2") {
  SigningKey k1 = KeyFromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  CHECK(k1.public_key().hex() ==
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  CHECK(k1.Sign({}).hex() ==
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc6"
        "1e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  SigningKey k2 = KeyFromHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
  CHECK(k2.public_key().hex() ==
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  const uint8_t msg[] = {0x72};
  CHECK(k2.Sign(msg).hex() ==
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e45"
        "8f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
}

TEST_CASE("protocol/crypto: SipHash-2-4 matches the reference vectors") {
  // Aumasson & Bernstein's reference: key 00..0f, messages 00..(n-1).
  FixedBytes<16> key;
  for (size_t i = 0; i < 16; ++i) key.data[i] = static_cast<uint8_t>(i);
  Bytes msg;
  CHECK(ToHex(SipHash24(key, msg).view()) == "310e0edd47db6f72");
  for (uint8_t i = 0; i < 15; ++i) msg.push_back(i);
  CHECK(ToHex(SipHash24(key, msg).view()) == "e545be4961ca29a1");  // the paper's a129ca6149be45e5
}

TEST_CASE("protocol/crypto: a seed determines the key and its signatures") {
  auto a = SigningKey::FromSeed(Seed(0));
  auto b = SigningKey::FromSeed(Seed(0));
  auto c = SigningKey::FromSeed(Seed(1));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  CHECK(a->public_key() == b->public_key());
  CHECK(a->public_key() != c->public_key());
  CHECK(a->Seed() == Seed(0));
  CHECK(a->Sign(AsBytes("m")) == b->Sign(AsBytes("m")));
  auto again = SigningKey::FromSeed(a->Seed());
  REQUIRE(again.ok());
  CHECK(again->public_key() == a->public_key());
  CHECK(SigningKey::Generate().public_key() != SigningKey::Generate().public_key());
}

TEST_CASE("protocol/crypto: seeds of the wrong size are refused") {
  for (size_t n : {0, 31, 33, 64}) {
    auto k = SigningKey::FromSeed(Bytes(n, 1));
    REQUIRE_FALSE(k.ok());
    CHECK(k.status().code() == Status::Code::kInvalidArgument);
    CHECK(k.status().message() == "signing key seed must be 32 bytes, got " + std::to_string(n));
  }
}

TEST_CASE("protocol/crypto: moving a key keeps it usable") {
  auto k = SigningKey::FromSeed(Seed(7));
  REQUIRE(k.ok());
  PublicKey pub = k->public_key();
  SigningKey moved(std::move(*k));
  CHECK(moved.public_key() == pub);
  CHECK(VerifySignature(pub, AsBytes("x"), moved.Sign(AsBytes("x"))));
  SigningKey assigned = SigningKey::Generate();
  assigned = std::move(moved);
  CHECK(assigned.Seed() == Seed(7));
}

TEST_CASE("protocol/crypto: BLAKE2b-256 published values") {
  CHECK(Blake2b256({}).hex() == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  CHECK(Blake2b256(AsBytes("abc")).hex() ==
        "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST_CASE("protocol/crypto: SHA-256 published values (FIPS 180-4 examples)") {
  CHECK(Sha256({}).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256(AsBytes("abc")).hex() ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("protocol/crypto: streaming hasher equals one-shot") {
  Bytes data(10000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 31 + 7);
  const Hash256 expected = Blake2b256(data);
  for (size_t chunk : {1, 7, 64, 127, 128, 129, 4096, 10000}) {
    CAPTURE(chunk);
    Blake2bHasher h;
    h.Update({});
    for (size_t off = 0; off < data.size(); off += chunk) {
      h.Update(ByteView(data).subspan(off, std::min(chunk, data.size() - off)));
    }
    CHECK(h.Final() == expected);
  }
  Blake2bHasher empty;
  CHECK(empty.Final() == Blake2b256({}));
}

TEST_CASE("protocol/crypto: Ed25519 to Curve25519 conversion is consistent") {
  auto a = SigningKey::FromSeed(Seed(0));
  auto b = SigningKey::FromSeed(Seed(100));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  uint8_t a_pub[32], a_sec[32], b_pub[32], b_sec[32], converted[32];
  a->ToCurve(a_pub, a_sec);
  b->ToCurve(b_pub, b_sec);
  REQUIRE(Ed25519PublicToCurve(a->public_key(), converted).ok());
  CHECK(ToHex({converted, 32}) == ToHex({a_pub, 32}));
  REQUIRE(Ed25519PublicToCurve(b->public_key(), converted).ok());
  CHECK(ToHex({converted, 32}) == ToHex({b_pub, 32}));
  // Both sides of an X25519 exchange agree.
  uint8_t ab[32], ba[32];
  REQUIRE(crypto_scalarmult(ab, a_sec, b_pub) == 0);
  REQUIRE(crypto_scalarmult(ba, b_sec, a_pub) == 0);
  CHECK(ToHex({ab, 32}) == ToHex({ba, 32}));
}

TEST_CASE("protocol/crypto: conversion refuses a small-order point") {
  auto identity =
      PublicKey::FromHex("0100000000000000000000000000000000000000000000000000000000000000");
  REQUIRE(identity.has_value());
  uint8_t out[32];
  Status s = Ed25519PublicToCurve(*identity, out);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() == "public key is not a valid Ed25519 point");
}

TEST_CASE("protocol/crypto: random bytes differ between calls") {
  uint8_t a[32] = {}, b[32] = {};
  RandomBytes(a, sizeof a);
  RandomBytes(b, sizeof b);
  CHECK(ToHex({a, 32}) != ToHex({b, 32}));
  CHECK(ToHex({a, 32}) != std::string(64, '0'));
}

}  // namespace
}  // namespace credmesh
