// Checks the test vectors and annotated examples in docs/records.md against
// the code, reading the document itself so the two cannot drift apart.
//
// Vector blocks are fenced ```credmesh-vector, one "key: value" per line; a
// value may continue on following indented lines (joined without spaces).
// Annotated blocks are fenced ```credmesh-annotated <vector> <field>; the hex
// left of each '|' concatenates to that field of that vector.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/hlc.h"
#include "protocol/record.h"

namespace credmesh {
namespace {

struct Block {
  std::vector<std::string> info;  // the fence's words after ```
  std::vector<std::string> lines;
};

std::string ReadDoc() {
  std::ifstream in(CREDMESH_SOURCE_DIR "/docs/records.md");
  REQUIRE_MESSAGE(in.good(), "cannot open docs/records.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Fenced blocks whose first info word is `lang`.
std::vector<Block> Blocks(const std::string& doc, const std::string& lang) {
  std::vector<Block> out;
  std::istringstream in(doc);
  Block* open = nullptr;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("```", 0) == 0) {
      if (open) {
        open = nullptr;
      } else {
        auto info = Words(line.substr(3));
        if (!info.empty() && info[0] == lang) {
          out.push_back({info, {}});
          open = &out.back();
        }
      }
    } else if (open) {
      open->lines.push_back(line);
    }
  }
  return out;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::map<std::string, std::string> Fields(const Block& block) {
  std::map<std::string, std::string> out;
  std::string key;
  for (const auto& line : block.lines) {
    if (Trim(line).empty()) continue;
    if (line[0] == ' ') {
      REQUIRE_MESSAGE(!key.empty(), "continuation line before any key: ", line);
      out[key] += Trim(line);
      continue;
    }
    size_t colon = line.find(':');
    REQUIRE_MESSAGE(colon != std::string::npos, "not a key: value line: ", line);
    key = line.substr(0, colon);
    REQUIRE_MESSAGE(!out.count(key), "duplicate key ", key);
    out[key] = Trim(line.substr(colon + 1));
  }
  return out;
}

std::map<std::string, std::map<std::string, std::string>> Vectors(const std::string& doc) {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const auto& block : Blocks(doc, "credmesh-vector")) {
    auto f = Fields(block);
    REQUIRE(f.count("name"));
    REQUIRE_MESSAGE(!out.count(f["name"]), "duplicate vector ", f["name"]);
    out[f["name"]] = f;
  }
  return out;
}

TEST_CASE("protocol/records.md: every test vector matches the code") {
  const auto vectors = Vectors(ReadDoc());
  REQUIRE(vectors.size() >= 4);
  REQUIRE(vectors.count("empty-body"));
  for (const auto& entry : vectors) {
    const std::string& name = entry.first;  // not a structured binding: CAPTURE is a lambda
    const auto& f = entry.second;
    CAPTURE(name);
    for (const char* k : {"seed", "kind", "scope", "entity", "hlc-ms", "hlc-logical", "body-json",
                          "public-key", "signing-message", "encoding", "signature", "record-id"}) {
      REQUIRE_MESSAGE(f.count(k), "missing ", k);
    }
    auto seed = FromHex(f.at("seed"));
    REQUIRE(seed.has_value());
    auto key = SigningKey::FromSeed(*seed);
    REQUIRE(key.ok());
    auto body = ValueFromJson(nlohmann::json::parse(f.at("body-json")));
    REQUIRE(body.ok());

    Record r;
    r.kind = f.at("kind");
    r.scope = f.at("scope");
    r.entity = f.at("entity");
    r.hlc = HybridClock::Make(std::stoll(f.at("hlc-ms")), std::stoull(f.at("hlc-logical")));
    r.body = *body;
    SignRecord(r, *key);
    const Bytes enc = EncodeRecord(r);
    CHECK(key->public_key().hex() == f.at("public-key"));
    CHECK(ToHex(SigningMessage(r)) == f.at("signing-message"));
    CHECK(ToHex(enc) == f.at("encoding"));
    CHECK(r.signature.hex() == f.at("signature"));
    CHECK(ComputeRecordId(enc).hex() == f.at("record-id"));

    // And the other way: the documented bytes verify and decode to the inputs.
    auto id = RecordId::FromHex(f.at("record-id"));
    REQUIRE(id.has_value());
    auto v = VerifiedRecord::VerifyWithId(*FromHex(f.at("encoding")), *id);
    REQUIRE_MESSAGE(v.ok(), v.status().ToString());
    CHECK(v->record() == r);
  }
}

TEST_CASE("protocol/records.md: annotated examples concatenate to their vectors") {
  const std::string doc = ReadDoc();
  const auto vectors = Vectors(doc);
  const auto blocks = Blocks(doc, "credmesh-annotated");
  REQUIRE(blocks.size() >= 2);
  for (const auto& block : blocks) {
    REQUIRE(block.info.size() == 3);
    CAPTURE(block.info[1]);
    CAPTURE(block.info[2]);
    REQUIRE(vectors.count(block.info[1]));
    REQUIRE(vectors.at(block.info[1]).count(block.info[2]));
    std::string hex;
    for (const auto& line : block.lines) {
      for (char c : line.substr(0, line.find('|'))) {
        if (c != ' ') hex.push_back(c);
      }
    }
    CHECK(hex == vectors.at(block.info[1]).at(block.info[2]));
  }
}

TEST_CASE("protocol/records.md: the documented domain prefix is the one signed") {
  const std::string doc = ReadDoc();
  const std::string prefix_hex = "637265646d6573682f7265636f72642f763100";
  CHECK(doc.find(prefix_hex) != std::string::npos);
  Record r;
  r.kind = "k";
  r.scope = "school/s";
  r.entity = "e";
  CHECK(ToHex(SigningMessage(r)).rfind(prefix_hex, 0) == 0);
}

}  // namespace
}  // namespace credmesh
