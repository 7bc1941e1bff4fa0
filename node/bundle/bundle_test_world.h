// bundle_test_world.h: test-only helpers for bundles — a district of real
// nodes (node/sync/sync_test_world.h), evidence files attached by an
// educator of a school, and export/import/state calls wired the way the CLI
// wires them.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "node/bundle/bundle_export.h"
#include "node/bundle/bundle_import.h"
#include "node/bundle/bundle_state.h"
#include "node/credentials/credential_records.h"
#include "node/enrolment.h"
#include "node/sync/sync_test_world.h"
#include "node/trust/trust_index.h"
#include "node/trust/trust_records.h"
#include "protocol/hlc.h"

namespace credmesh::testing {

inline uint64_t BundleNowHlc(SyncPeer& p) {
  return HybridClock::Make(p.node->clock().NowMillis(), 0xffff);
}

inline ChunkStore ChunksOf(SyncPeer& p) {
  auto c = ChunkStore::Open(p.node->Path(Node::kChunkDir));
  REQUIRE(c.ok());
  return std::move(*c);
}

// Grants a fresh educator key in the school of `school` and returns it.
inline SigningKey AddEducator(SyncWorld& w, SyncPeer& school, const std::string& school_id) {
  SigningKey ed = SigningKey::Generate();
  GrantBody g;
  g.subject = ed.public_key();
  g.role = Role::kEducator;
  g.scope = "school/" + school_id;
  g.not_before_ms = w.clock.NowMillis();
  g.not_after_ms = g.not_before_ms + 86'400'000LL * 365;
  g.name = "educator";
  auto r =
      school.node->ledger().Write(kGrantKind, "district/valley", "person/" + ed.public_key().hex(),
                                  g.ToValue(), school.node->identity());
  REQUIRE(r.ok());
  w.clock.Advance(1000);
  return ed;
}

// Stores `content` in the school's chunk store and writes a valid evidence
// record naming it. Returns the file's chunk hashes.
inline std::vector<Hash256> AttachEvidence(SyncWorld& w, SyncPeer& school,
                                           const std::string& school_id, const SigningKey& ed,
                                           const std::string& name, ByteView content) {
  ChunkStore store = ChunksOf(school);
  EvidenceFile f;
  f.name = name;
  f.type = "application/octet-stream";
  f.size = static_cast<int64_t>(content.size());
  f.hash = Blake2b256(content);
  f.chunk_size = 256 * 1024;
  for (size_t at = 0; at < content.size(); at += f.chunk_size) {
    auto h = store.Put(content.subspan(at, std::min<size_t>(f.chunk_size, content.size() - at)));
    REQUIRE(h.ok());
    f.chunks.push_back(*h);
  }
  EvidenceBody b;
  b.slot = "lesson-plan";
  b.file = f;
  auto r = school.node->ledger().Write(kSubmissionEvidenceKind, "school/" + school_id,
                                       "submission/" + name, b.ToValue(), ed);
  REQUIRE(r.ok());
  w.clock.Advance(10);
  return f.chunks;
}

inline BundleRecipient RecipientOf(SyncPeer& from, SyncPeer& to) {
  TrustIndex index(from.node->store().db());
  auto cert = NodeCertificateOf(index, to.key(), BundleNowHlc(from), "valley");
  REQUIRE(cert.ok());
  REQUIRE_FALSE(cert->role.empty());
  return {to.key(), *cert, "to"};
}

// Exports from `from` a bundle sealed to `to`, as `credmesh bundle export
// --for` does.
inline Result<BundleExportSummary> ExportFor(SyncPeer& from, SyncPeer& to, const std::string& path,
                                             const BundleState* since = nullptr) {
  BundleRecipient rcpt = RecipientOf(from, to);
  CREDMESH_ASSIGN_OR_RETURN(auto scopes,
                            BundleScopesFor(from.node->store(), *from.policy, rcpt.cert));
  BundleExportRequest req;
  req.scopes = scopes;
  req.recipient = rcpt.key;
  req.since = since;
  ScopeItemCache cache(from.node->store());
  ChunkStore chunks = ChunksOf(from);
  return ExportBundle(from.node->store(), cache, chunks, from.node->identity(), "valley",
                      from.node->clock().NowMillis(), std::move(req), path);
}

inline Result<BundleImportSummary> ImportInto(SyncPeer& to, const std::string& path) {
  ChunkStore chunks = ChunksOf(to);
  BundleImportTarget t;
  t.store = &to.node->store();
  t.ledger = &to.node->ledger();
  t.chunks = &chunks;
  t.identity = &to.node->identity();
  t.district = to.node->config().district;
  t.policy = to.policy.get();
  t.now_hlc = BundleNowHlc(to);
  t.staging_parent = to.node->dir();
  return ImportBundle(t, path);
}

inline BundleState StateOf(SyncPeer& p) {
  ScopeItemCache cache(p.node->store());
  ChunkStore chunks = ChunksOf(p);
  FixedBytes<16> key;
  RandomBytes(key.data.data(), key.data.size());
  auto st = SummarizeHoldings(p.node->store(), cache, chunks, p.key(), "valley",
                              p.node->clock().NowMillis(), key);
  REQUIRE(st.ok());
  return std::move(*st);
}

inline Bytes ReadAllBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void WriteAllBytes(const std::string& path, ByteView data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// Record ids per scope and chunk files: what "nothing changed" compares.
struct Holdings {
  std::map<std::string, std::set<RecordId>> ids;
  int64_t chunks = 0;
  bool operator==(const Holdings&) const = default;
};

inline Holdings HoldingsOf(SyncPeer& p) {
  Holdings h;
  RecordQuery q;
  auto rows = p.node->store().records().List(q);
  REQUIRE(rows.ok());
  for (const auto& r : *rows) h.ids[r.scope].insert(r.id);
  auto usage = ChunksOf(p).Measure();
  REQUIRE(usage.ok());
  h.chunks = usage->chunks;
  return h;
}

// Valid record ids of `scope`.
inline std::set<RecordId> ValidIds(SyncPeer& p, const std::string& scope) {
  RecordQuery q;
  q.scope = scope;
  q.state = RecordState::kValid;
  auto rows = p.node->store().records().List(q);
  REQUIRE(rows.ok());
  std::set<RecordId> out;
  for (const auto& r : *rows) out.insert(r.id);
  return out;
}

}  // namespace credmesh::testing
