#include "node/badges/multibase.h"

#include <doctest/doctest.h>

#include "protocol/crypto.h"

namespace credmesh {
namespace {

Bytes B(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST_CASE("badges/multibase: base58btc vectors (draft-msporny-base58)") {
  CHECK(Base58Encode(B("Hello World!")) == "2NEpo7TZRRrLZSi2U");
  CHECK(Base58Encode(B("The quick brown fox jumps over the lazy dog.")) ==
        "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z");
  CHECK(Base58Encode(*FromHex("000000287fb4cd")) == "111233QC4");
  CHECK(Base58Encode({}) == "");
  CHECK(*Base58Decode("2NEpo7TZRRrLZSi2U") == B("Hello World!"));
  CHECK(*Base58Decode("111233QC4") == *FromHex("000000287fb4cd"));
  CHECK(!Base58Decode("0OIl").ok());  // not in the alphabet
  CHECK(!Base58Decode(std::string("2NE\0o", 5)).ok());
}

TEST_CASE("badges/multibase: base64url without padding (RFC 4648 §10 vectors)") {
  CHECK(Base64UrlEncode(B("foobar")) == "Zm9vYmFy");
  CHECK(Base64UrlEncode(B("fooba")) == "Zm9vYmE");
  CHECK(Base64UrlEncode(B("f")) == "Zg");
  CHECK(Base64UrlEncode(*FromHex("fbff")) == "-_8");  // URL-safe alphabet
  CHECK(*Base64UrlDecode("Zm9vYmE") == B("fooba"));
  CHECK(*Base64UrlDecode("-_8") == *FromHex("fbff"));
  CHECK(!Base64UrlDecode("Zm9vYmE=").ok());  // padding
  CHECK(!Base64UrlDecode("+/8").ok());       // standard alphabet
  CHECK(!Base64UrlDecode("Zm9v YmE").ok());
}

TEST_CASE("badges/multibase: did:key of the W3C vc-di-eddsa test key") {
  // vc-di-eddsa test key: privateKeyMultibase z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq
  // (0x8026 + this seed), publicKeyMultibase z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2.
  auto priv = MultibaseDecode("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq");
  REQUIRE(priv.ok());
  CHECK(ToHex(*priv) == "8026c96ef9ea10c5e414c471723aff9de72c35fa5b70fae97e8832ecac7d2e2b8ed6");
  auto key = SigningKey::FromSeed(ByteView(*priv).subspan(2));
  REQUIRE(key.ok());
  CHECK(DidKeyOf(key->public_key()) == "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2");
  CHECK(DidKeyMethodOf(key->public_key()) ==
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#"
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2");
  auto parsed = ParseDidKey(DidKeyMethodOf(key->public_key()));
  REQUIRE(parsed.ok());
  CHECK(*parsed == key->public_key());
  CHECK(*ParseDidKey("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2") == key->public_key());
}

TEST_CASE("badges/multibase: did:key refuses other keys and mismatched fragments") {
  auto a = SigningKey::Generate(), b = SigningKey::Generate();
  CHECK(!ParseDidKey(DidKeyOf(a.public_key()) + "#" + Ed25519Multikey(b.public_key())).ok());
  // A secp256k1 did:key (multicodec 0xe7) is not Ed25519.
  CHECK(!ParseDidKey("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme").ok());
  CHECK(!ParseDidKey("did:web:example.com").ok());
  CHECK(!ParseDidKey("did:key:z6Mk").ok());
  CHECK(!ParseDidKey("").ok());
}

}  // namespace
}  // namespace credmesh
