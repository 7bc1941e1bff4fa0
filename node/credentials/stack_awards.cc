#include "node/credentials/stack_awards.h"

#include <algorithm>
#include <set>

#include "node/credentials/catalog_bodies.h"
#include "node/credentials/catalog_projection.h"
#include "node/credentials/domain_store.h"
#include "node/credentials/lifecycle_projection.h"

namespace credmesh {
namespace {

// The catalog.stack record `id` when it is held and valid.
Result<std::optional<HeldStackRecord>> LoadHeldStack(Store& store, const RecordId& id) {
  CREDMESH_ASSIGN_OR_RETURN(auto row, store.records().GetRow(id));
  if (!row || row->state != RecordState::kValid || row->kind != kCatalogStackKind)
    return std::optional<HeldStackRecord>();
  CREDMESH_ASSIGN_OR_RETURN(VerifiedRecord rec, store.records().Load(id));
  auto stack = StackFromBody(rec.record().body);
  if (!stack.ok()) return std::optional<HeldStackRecord>();
  return std::optional<HeldStackRecord>(HeldStackRecord{std::move(*stack), rec.record().scope});
}

// The record holding `entity` at `version` in the catalog tables.
Result<std::optional<RecordId>> CatalogVersionRecord(Database& db, const std::string& entity,
                                                     int64_t version) {
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare("SELECT record_id FROM catalog_versions WHERE entity = ? AND version = ?"));
  st.Bind(1, entity);
  st.Bind(2, version);
  CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<RecordId>();
  return RecordId::FromView(st.ColumnBlob(0));
}

}  // namespace

Result<StackAwardInputs> LoadStackAwardInputs(Store& store,
                                              const std::vector<DomainRecord>& records) {
  StackAwardInputs in;
  for (const DomainRecord& r : records) {
    if (r.kind != kAwardStackKind) continue;
    auto b = StackAwardBody::Parse(r.body);
    if (!b.ok()) continue;
    if (!in.stacks.count(b->frozen.stack_record)) {
      CREDMESH_ASSIGN_OR_RETURN(auto held, LoadHeldStack(store, b->frozen.stack_record));
      if (held) in.stacks.emplace(b->frozen.stack_record, std::move(*held));
    }
    for (const StackAwardPart& p : b->parts) {
      if (in.parts.count(p.award)) continue;
      auto sub = SubmissionOfAward(p.award);
      if (!sub) continue;
      CREDMESH_ASSIGN_OR_RETURN(LifecycleState state, ComputeLifecycle(store, *sub));
      if (state.award) in.parts.emplace(p.award, std::move(*state.award));
    }
  }
  return in;
}

Result<std::optional<StackAwardState>> ComputeStackAwardOf(Store& store,
                                                           const std::string& entity) {
  CREDMESH_ASSIGN_OR_RETURN(auto all, LoadValidRecords(store, entity));
  std::erase_if(all, [](const DomainRecord& r) { return r.kind.rfind("award.", 0) != 0; });
  if (all.empty()) return std::optional<StackAwardState>();
  CREDMESH_ASSIGN_OR_RETURN(StackAwardInputs inputs, LoadStackAwardInputs(store, all));
  return std::optional<StackAwardState>(ComputeStackAward(entity, std::move(all), inputs));
}

Result<std::optional<StackAwardState>> ShowStackAward(Store& store, const std::string& id) {
  for (char c : id) {
    if (c == '%' || c == '_' || c == '\\') return Status::InvalidArgument("bad id " + id);
  }
  CREDMESH_ASSIGN_OR_RETURN(
      auto ids, QueryTextColumn(store.db(),
                                "SELECT id FROM stack_awards WHERE id = ?1 OR id LIKE ?1 || '%'"
                                " ORDER BY id LIMIT 2",
                                {id}));
  if (ids.empty()) return std::optional<StackAwardState>();
  if (ids.size() > 1 && ids[0] != id)
    return Status::InvalidArgument("stack award prefix " + id + " is ambiguous");
  CREDMESH_ASSIGN_OR_RETURN(auto state, ComputeStackAwardOf(store, ids[0]));
  if (!state || !state->issued) {
    return Status::Corruption("stack award " + ids[0] +
                              " is listed but its award.stack record is not valid");
  }
  return state;
}

Result<std::vector<StackAwardState>> StackAwardsOf(Store& store,
                                                   const std::vector<PublicKey>& keys) {
  std::vector<StackAwardState> out;
  if (keys.empty()) return out;
  std::string in;
  std::vector<std::string> args;
  for (const auto& k : keys) {
    in += in.empty() ? "?" : ",?";
    args.push_back(k.hex());
  }
  CREDMESH_ASSIGN_OR_RETURN(auto ids,
                            QueryTextColumn(store.db(),
                                            "SELECT id FROM stack_awards WHERE educator IN (" + in +
                                                ") ORDER BY issued_hlc, id",
                                            args));
  for (const auto& id : ids) {
    CREDMESH_ASSIGN_OR_RETURN(auto state, ComputeStackAwardOf(store, id));
    if (state && state->issued) out.push_back(std::move(*state));
  }
  return out;
}

Result<StackAwardBody> NextStackAward(Store& store, const std::string& stack_id,
                                      const PublicKey& educator, const std::string& district_name) {
  Database& db = store.db();
  CREDMESH_ASSIGN_OR_RETURN(auto item, FindCatalogItem(db, stack_id));
  if (!item || item->kind != "stack")
    return Status::NotFound("no stack " + stack_id +
                            " in the catalog (see: credmesh catalog list)");
  if (item->retired) return Status::FailedPrecondition("stack " + stack_id + " is retired");
  CREDMESH_ASSIGN_OR_RETURN(auto stack, LoadStack(db, stack_id, item->version));
  CREDMESH_ASSIGN_OR_RETURN(auto record,
                            CatalogVersionRecord(db, StackEntity(stack_id), item->version));
  if (!stack || !record)
    return Status::NotFound("stack " + stack_id + " v" + std::to_string(item->version) +
                            " is not held here");

  // The educator's awards, earliest issued first.
  CREDMESH_ASSIGN_OR_RETURN(
      auto subs, QueryTextColumn(
                     db, "SELECT submission FROM awards WHERE educator = ? ORDER BY issued_hlc, id",
                     {educator.hex()}));
  StackAwardBody body;
  body.stack = stack_id;
  body.version = item->version;
  body.educator = educator;
  std::vector<std::pair<std::string, int>> earned;
  std::vector<std::string> missing, revoked;
  for (const StackEntry& e : stack->definitions) {
    const std::string label =
        e.definition_id + (e.version ? " v" + std::to_string(*e.version) : "");
    bool met = false;
    for (const auto& sub : subs) {
      CREDMESH_ASSIGN_OR_RETURN(LifecycleState state, ComputeLifecycle(store, sub));
      if (!state.award || !state.award->issued) continue;
      const AwardState& a = *state.award;
      if (a.issue.definition != e.definition_id || (e.version && *e.version != a.issue.version))
        continue;
      if (a.revocation.revoked) {
        revoked.push_back(label + " (" + a.id + " is revoked)");
        continue;
      }
      body.parts.push_back({a.id, a.issue_record});
      earned.emplace_back(a.issue.definition, static_cast<int>(a.issue.version));
      met = true;
      break;
    }
    if (!met) missing.push_back(label);
  }
  if (!stack->IsCompletedBy(earned)) {
    std::string why = "stack " + stack_id + " is not complete for " + educator.hex().substr(0, 16) +
                      ": " + std::to_string(earned.size()) + " of " +
                      std::to_string(stack->RequiredCount()) + " needed; missing";
    for (const auto& m : missing) why += " " + m;
    for (const auto& r : revoked) why += "; revoked: " + r;
    return Status::FailedPrecondition(why);
  }
  body.frozen = {*record, stack->title, stack->description, district_name};
  return body;
}

}  // namespace credmesh
