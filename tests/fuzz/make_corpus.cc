// Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/)
// from real encodings: records signed with a fixed key, one wire message of
// each type, reconciliation payloads of real runs, small catalogs taken from
// examples/catalog.json, record files. Deterministic: rerunning it rewrites
// the same files. Usage: fuzz_make_corpus SOURCE_DIR (tests/fuzz/README.md).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "node/credentials/catalog_model.h"
#include "protocol/crypto.h"
#include "protocol/reconcile.h"
#include "protocol/record.h"
#include "protocol/record_file.h"
#include "protocol/wire.h"

namespace fs = std::filesystem;
using namespace credmesh;

namespace {

fs::path corpus_root;

void Write(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(corpus_root / target);
  std::ofstream(corpus_root / target / name, std::ios::binary | std::ios::trunc) << bytes;
}
void Write(const std::string& target, const std::string& name, const Bytes& bytes) {
  Write(target, name, std::string(bytes.begin(), bytes.end()));
}

template <typename T>
T Must(Result<T> r) {
  if (!r.ok()) {
    std::cerr << "fuzz_make_corpus: " << r.status().ToString() << "\n";
    std::exit(1);
  }
  return std::move(*r);
}

std::vector<VerifiedRecord> Records() {
  const Bytes seed(SigningKey::kSeedSize, 0x42);
  const SigningKey key = Must(SigningKey::FromSeed(seed));
  std::vector<VerifiedRecord> out;
  out.push_back(Must(VerifiedRecord::Create("note", "school/pine", "n1", 1000,
                                            Value::Map{{"text", Value("hello")}}, key)));
  out.push_back(Must(VerifiedRecord::Create(
      "submission.open", "school/pine", "s1", 2000,
      Value::Map{{"definition", Value("fa-whole-class-decisions")},
                 {"attempt", Value(1)},
                 {"slots", Value(Value::Array{Value("lesson-plan"), Value(Bytes{1, 2, 3})})}},
      key)));
  out.push_back(
      Must(VerifiedRecord::Create("note", "district/valley", "n2", 3000,
                                  Value::Map{{"text", Value("")}, {"flag", Value(true)}}, key)));
  return out;
}

MemoryItemSource Items(size_t n, uint8_t salt) {
  MemoryItemSource source;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t seed[2] = {static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8)};
    SyncItem item;
    item.ts = 1000 + 7 * i;
    item.id = Blake2b256(ByteView(seed, 2));
    item.id.data[31] ^= salt;
    if (!source.Insert(item).ok()) std::exit(1);
  }
  return source;
}

void RecordSeeds(const std::vector<VerifiedRecord>& records) {
  for (size_t i = 0; i < records.size(); ++i) {
    Write("record", "record" + std::to_string(i), records[i].bytes());
  }
}

void RecordFileSeeds(const std::vector<VerifiedRecord>& records) {
  std::string file(kRecordFileMagic);
  Write("record_file", "empty", file);
  AppendRecordFileEntry(file, records[0].bytes());
  Write("record_file", "one", file);
  for (size_t i = 1; i < records.size(); ++i) AppendRecordFileEntry(file, records[i].bytes());
  Write("record_file", "three", file);
}

void WireSeeds(const std::vector<VerifiedRecord>& records) {
  wire::Hello hello;
  hello.chain = {records[0].bytes()};
  hello.scopes = {"district/valley", "school/pine"};
  hello.agent = "credmesh/0.1.0";
  Write("wire", "hello", hello.Encode());
  wire::Welcome welcome;
  welcome.scopes = {"school/pine"};
  welcome.chain = {records[2].bytes()};
  welcome.session.data.fill(7);
  Write("wire", "welcome", welcome.Encode());
  MemoryItemSource items = Items(50, 0);
  const Reconciler reconciler = Must(Reconciler::Create(items));
  Write("wire", "reconcile", wire::Reconcile{"school/pine", Must(reconciler.Initiate())}.Encode());
  wire::Records batch{"school/pine", {records[0].bytes(), records[1].bytes()}, {}};
  batch.missing = {records[2].id()};
  Write("wire", "records", batch.Encode());
  Write("wire", "want", wire::Want{"school/pine", {records[0].id()}}.Encode());
  Write("wire", "done", wire::Done{"school/pine"}.Encode());
  Write("wire", "ping", wire::Ping{42}.Encode());
  Write("wire", "pong", wire::Pong{42}.Encode());
  wire::Error error;
  error.code = 426;
  error.text = "no common version";
  error.versions = {2, 3};
  Write("wire", "error", error.Encode());
  Write("wire", "bye", wire::Bye{"shutting down"}.Encode());
  // Version 2 (files): a CHUNK with data takes the decoder's direct path.
  Hash256 chunk_hash;
  chunk_hash.data.fill(0x5a);
  Write("wire", "get", wire::Get{chunk_hash}.Encode());
  Write("wire", "chunk", wire::Chunk{chunk_hash, Bytes(300, 7)}.Encode());
  Write("wire", "chunk-refused", wire::Chunk{chunk_hash, std::nullopt}.Encode());
  Write("wire", "fetched", wire::Fetched{}.Encode());
}

// The messages of reconciliation runs between sets of different sizes. The
// fuzz target's first byte picks its own set: 0, 3, 40 or 300 items.
void ReconcileSeeds() {
  const size_t sizes[] = {0, 3, 40, 300};
  for (uint8_t pick = 0; pick < 4; ++pick) {
    MemoryItemSource ours = Items(sizes[pick], 0);
    MemoryItemSource theirs = Items(100, 1);
    const Reconciler a = Must(Reconciler::Create(theirs));
    const Reconciler b = Must(Reconciler::Create(ours));
    Bytes message = Must(a.Initiate());
    for (int round = 0; round < 3; ++round) {
      std::string seed(1, static_cast<char>(pick));
      seed.append(message.begin(), message.end());
      Write("reconcile", "pick" + std::to_string(pick) + "-round" + std::to_string(round), seed);
      auto step = Must((round % 2 == 0 ? b : a).Respond(message));
      if (!step.reply) break;
      message = *step.reply;
    }
  }
}

void CatalogSeeds(const fs::path& source_dir) {
  std::ifstream in(source_dir / "examples" / "catalog.json");
  std::stringstream text;
  text << in.rdbuf();
  const Catalog full = Must(ParseCatalogJson(text.str()));
  Catalog one;
  one.district = full.district;
  one.definitions = {full.definitions.at(0)};
  Write("catalog", "one-definition.json", CatalogToJson(one));
  Catalog two = one;
  two.definitions.push_back(full.definitions.at(1));
  if (!full.stacks.empty()) two.stacks = {full.stacks.at(0)};
  if (ParseCatalogJson(CatalogToJson(two)).ok())
    Write("catalog", "two-and-stack.json", CatalogToJson(two));
  Catalog none;
  none.district = full.district;
  Write("catalog", "no-definitions.json", CatalogToJson(none));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_corpus SOURCE_DIR\n";
    return 2;
  }
  const fs::path source_dir = argv[1];
  corpus_root = source_dir / "tests" / "fuzz" / "corpus";
  const std::vector<VerifiedRecord> records = Records();
  RecordSeeds(records);
  RecordFileSeeds(records);
  WireSeeds(records);
  ReconcileSeeds();
  CatalogSeeds(source_dir);
  std::cout << "fuzz_make_corpus: wrote " << corpus_root.string() << "\n";
  return 0;
}
