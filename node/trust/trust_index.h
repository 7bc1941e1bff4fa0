// trust_index.h: the "trust" module's SQLite tables. trust_facts: valid
// grants and node certificates with their validity periods and revocation
// times. trust_revocations: which record each stored revocation targets, so
// an arriving record finds the revocations waiting for it and a fact the
// earliest valid revocation of it. Derived from the trust records; rebuilt
// from them at any time. trust_facts is also what `person list` and `status`
// read.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "node/trust/trust_records.h"
#include "protocol/bytes.h"
#include "storage/sqlite.h"

namespace credmesh {

class TrustIndex {
 public:
  // Creates or upgrades the module's tables (module name "trust").
  static Status Migrate(Database& db);
  // True once Migrate has created the tables: a node outside any district
  // runs no trust module and has none.
  static Result<bool> TablesExist(Database& db);
  // REQUIRES: Migrate(db) succeeded. `db` must outlive the index.
  explicit TrustIndex(Database& db) : db_(db) {}

  // Every fact, ordered by record id.
  Result<std::vector<TrustFact>> LoadAll();
  // Facts empowering `subject`.
  Result<std::vector<TrustFact>> FactsOf(const PublicKey& subject);
  // True if some fact empowers `subject`.
  Result<bool> HasFacts(const PublicKey& subject);
  // The fact established by record `id`, if any.
  Result<std::optional<TrustFact>> Fact(const RecordId& id);
  // Inserts or replaces the fact with id `fact.id`.
  Status Put(const TrustFact& fact);
  Status Remove(const RecordId& id);
  // Replaces the whole table with `facts`.
  Status ReplaceAll(const std::vector<TrustFact>& facts);

  // Notes that revocation record `revocation` targets `target` (idempotent).
  Status AddRevocation(const RecordId& target, const RecordId& revocation);
  // Forgets that `revocation` targets `target`.
  Status RemoveRevocation(const RecordId& target, const RecordId& revocation);
  // Revocation records noted for `target`.
  Result<std::vector<RecordId>> RevocationsOf(const RecordId& target);
  // Replaces every noted revocation with `pairs` of (target, revocation).
  Status ReplaceRevocations(const std::vector<std::pair<RecordId, RecordId>>& pairs);
  // Timestamp of the earliest valid revocation of `target` (records table
  // state valid); TrustFact::kNever if none.
  Result<uint64_t> EarliestValidRevocation(const RecordId& target);
  // True if a valid revocation of `target` is stamped exactly `hlc` and has an
  // id below `before`: it comes before record (hlc, before) in the
  // (timestamp, id) order.
  Result<bool> ValidRevocationAtBefore(const RecordId& target, uint64_t hlc,
                                       const RecordId& before);

 private:
  // Facts whose `column` equals `value`; every fact if `value` is nullopt.
  Result<std::vector<TrustFact>> Query(const char* column, std::optional<ByteView> value);
  Database& db_;
};

// What the node certificate of `key` in effect at `now_hlc` says (role
// "school" or "hub", the school id); role empty if none is. Used for this
// node's own certificate and for the nodes it exchanges records with.
Result<NodeCertInfo> NodeCertificateOf(TrustIndex& index, const PublicKey& key, uint64_t now_hlc,
                                       const std::string& district);

}  // namespace credmesh
