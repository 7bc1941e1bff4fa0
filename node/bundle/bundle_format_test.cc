#include "node/bundle/bundle_format.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "protocol/record.h"

namespace credmesh {
namespace {

std::string FormatTestPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("credmesh-bundle-format-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

Bytes FormatReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void FormatWriteFile(const std::string& path, ByteView b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// The fixed inputs of docs/bundle-format.md's test vectors.
struct VectorInputs {
  SigningKey sender = *SigningKey::FromSeed(Bytes(32, 0x11));
  SigningKey recipient = *SigningKey::FromSeed(Bytes(32, 0x22));
  Bytes stream_key = Bytes(32, 0x33);
  Bytes record =
      VerifiedRecord::Create("note", "district/valley", "note/1", 1'700'000'000'000ull << 16,
                             Value::Map{{"text", "hi"}}, sender)
          ->bytes();
  Bytes chunk = Bytes{'h', 'e', 'l', 'l', 'o', ',', ' ', 'b', 'u', 'n', 'd', 'l', 'e'};
};

Status WriteVectorItems(BundleWriter& w, const VectorInputs& in) {
  CREDMESH_RETURN_IF_ERROR(w.AddScope("district/valley"));
  CREDMESH_RETURN_IF_ERROR(w.AddRecord(in.record));
  CREDMESH_RETURN_IF_ERROR(w.AddChunk(Blake2b256(in.chunk), in.chunk));
  return w.Finish();
}

// Reads every item of a bundle (sealed ones opened with `me`).
Result<std::vector<BundleItem>> ReadItems(const std::string& path, const SigningKey* me,
                                          std::vector<Bytes>& storage) {
  CREDMESH_ASSIGN_OR_RETURN(BundleReader r, BundleReader::Open(path));
  if (me) CREDMESH_RETURN_IF_ERROR(r.Unlock(*me));
  std::vector<BundleItem> out;
  for (;;) {
    CREDMESH_ASSIGN_OR_RETURN(auto item, r.Next());
    if (!item) return out;
    // Views die with the next item: keep copies.
    if (item->type == BundleItemType::kRecord) {
      storage.emplace_back(item->record.begin(), item->record.end());
      item->record = storage.back();
    } else if (item->type == BundleItemType::kChunk) {
      storage.emplace_back(item->chunk.begin(), item->chunk.end());
      item->chunk = storage.back();
    }
    out.push_back(*item);
  }
}

// The hex blocks of docs/bundle-format.md, by the name in the
// `<!-- vector: NAME -->` line before each.
std::map<std::string, std::string> DocVectors() {
  std::ifstream in(CREDMESH_SOURCE_DIR "/docs/bundle-format.md");
  std::map<std::string, std::string> out;
  std::string line, name;
  bool in_block = false;
  while (std::getline(in, line)) {
    if (line.rfind("<!-- vector: ", 0) == 0) {
      name = line.substr(13, line.find(" -->") - 13);
    } else if (!name.empty() && line == "```hex") {
      in_block = true;
    } else if (in_block && line == "```") {
      in_block = false;
      name.clear();
    } else if (in_block) {
      out[name] += line;
    }
  }
  return out;
}

std::string Wrapped(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 64) out += hex.substr(i, 64) + "\n";
  return out;
}

}  // namespace

TEST_CASE("bundle items round-trip through a sealed and a public bundle") {
  VectorInputs in;
  for (bool sealed : {true, false}) {
    CAPTURE(sealed);
    const std::string path = FormatTestPath(sealed ? "sealed" : "public");
    std::filesystem::remove(path);
    auto w =
        sealed ? BundleWriter::CreateSealed(path, in.sender, "valley", 5, in.recipient.public_key())
               : BundleWriter::CreatePublic(path, in.sender, "valley", 5);
    REQUIRE(w.ok());
    REQUIRE(WriteVectorItems(*w, in).ok());
    CHECK(w->stats().counts == BundleCounts{1, 1, 1});
    CHECK_FALSE(std::filesystem::exists(path + ".part"));
    std::vector<Bytes> keep;
    auto items = ReadItems(path, sealed ? &in.recipient : nullptr, keep);
    REQUIRE_MESSAGE(items.ok(), items.status().ToString());
    REQUIRE(items->size() == 3);
    CHECK((*items)[0].scope == "district/valley");
    CHECK(Bytes((*items)[1].record.begin(), (*items)[1].record.end()) == in.record);
    CHECK((*items)[2].chunk_hash == Blake2b256(in.chunk));
    CHECK(Bytes((*items)[2].chunk.begin(), (*items)[2].chunk.end()) == in.chunk);
    if (sealed) {
      auto r = BundleReader::Open(path);
      REQUIRE(r.ok());
      CHECK(r->Unlock(in.sender).code() == Status::Code::kUnauthorized);
    }
    std::filesystem::remove(path);
  }
}

TEST_CASE("an unfinished bundle writer leaves no file behind") {
  VectorInputs in;
  const std::string path = FormatTestPath("unfinished");
  {
    auto w = BundleWriter::CreatePublic(path, in.sender, "valley", 5);
    REQUIRE(w.ok());
    REQUIRE(w->AddScope("district/valley").ok());
    CHECK(std::filesystem::exists(path + ".part"));
  }
  CHECK_FALSE(std::filesystem::exists(path + ".part"));
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("a public bundle whose item was changed fails the END signature") {
  VectorInputs in;
  const std::string path = FormatTestPath("public-tamper");
  std::filesystem::remove(path);
  auto w = BundleWriter::CreatePublic(path, in.sender, "valley", 5);
  REQUIRE(w.ok());
  REQUIRE(WriteVectorItems(*w, in).ok());
  Bytes b = FormatReadFile(path);
  // The chunk's last byte: no other check covers it in a public bundle here.
  const size_t at = b.size() - (4 + kEndItemSize) - 1;
  b[at] ^= 1;
  FormatWriteFile(path, b);
  std::vector<Bytes> keep;
  auto items = ReadItems(path, nullptr, keep);
  REQUIRE_FALSE(items.ok());
  CHECK(items.status().message().find("signature does not verify") != std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("the test vectors of docs/bundle-format.md") {
  VectorInputs in;
  const std::string pub = FormatTestPath("vector-public"), sealed = FormatTestPath("vector-sealed");
  std::filesystem::remove(pub);
  std::filesystem::remove(sealed);
  auto pw = BundleWriter::CreatePublic(pub, in.sender, "valley", 1'700'000'000'000);
  REQUIRE(pw.ok());
  REQUIRE(WriteVectorItems(*pw, in).ok());
  auto sw =
      BundleWriter::CreateSealed(sealed, in.sender, "valley", 1'700'000'000'000,
                                 in.recipient.public_key(), *StreamKey::FromView(in.stream_key));
  REQUIRE(sw.ok());
  REQUIRE(WriteVectorItems(*sw, in).ok());
  const std::string pub_hex = ToHex(FormatReadFile(pub));
  if (std::getenv("CREDMESH_PRINT_BUNDLE_VECTORS")) {
    std::cout << "record:\n"
              << Wrapped(ToHex(in.record)) << "public-bundle:\n"
              << Wrapped(pub_hex) << "sealed-bundle:\n"
              << Wrapped(ToHex(FormatReadFile(sealed)));
  }
  auto doc = DocVectors();
  REQUIRE(doc.count("record"));
  REQUIRE(doc.count("public-bundle"));
  REQUIRE(doc.count("sealed-bundle"));
  CHECK(doc["record"] == ToHex(in.record));
  // Public bundles are deterministic (Ed25519 signatures are): byte-exact.
  CHECK(doc["public-bundle"] == pub_hex);
  // Sealed ones use fresh randomness (crypto_box_seal, the stream header):
  // the documented one must decode with the recipient's key to the items.
  auto bytes = FromHex(doc["sealed-bundle"]);
  REQUIRE(bytes);
  FormatWriteFile(sealed, *bytes);
  std::vector<Bytes> keep;
  auto items = ReadItems(sealed, &in.recipient, keep);
  REQUIRE_MESSAGE(items.ok(), items.status().ToString());
  REQUIRE(items->size() == 3);
  CHECK(Bytes((*items)[1].record.begin(), (*items)[1].record.end()) == in.record);
  CHECK(Bytes((*items)[2].chunk.begin(), (*items)[2].chunk.end()) == in.chunk);
  auto r = BundleReader::Open(sealed);
  REQUIRE(r.ok());
  CHECK(r->header().sender == in.sender.public_key());
  CHECK(r->header().recipient == in.recipient.public_key());
  std::filesystem::remove(pub);
  std::filesystem::remove(sealed);
}

}  // namespace credmesh
