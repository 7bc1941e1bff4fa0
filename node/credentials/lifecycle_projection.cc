#include "node/credentials/lifecycle_projection.h"

#include <set>

#include "node/credentials/award_state.h"
#include "node/credentials/catalog_projection.h"
#include "node/credentials/credential_records.h"
#include "node/credentials/domain_store.h"
#include "node/credentials/stack_awards.h"
#include "storage/migrations.h"

namespace credmesh {
namespace {

constexpr Migration kLifecycleMigrations[] = {
    {1,
     "CREATE TABLE submissions ("
     "  id TEXT PRIMARY KEY, scope TEXT NOT NULL, district TEXT NOT NULL, definition TEXT NOT NULL,"
     "  version INTEGER NOT NULL, educator TEXT NOT NULL, status TEXT NOT NULL,"
     "  attempt INTEGER NOT NULL, updated_hlc INTEGER NOT NULL, doc TEXT NOT NULL);"
     "CREATE INDEX submissions_educator ON submissions(educator);"
     "CREATE INDEX submissions_definition ON submissions(definition);"
     "CREATE TABLE submission_refs ("
     "  submission TEXT NOT NULL, definition TEXT NOT NULL, PRIMARY KEY (submission, definition));"
     "CREATE INDEX submission_refs_definition ON submission_refs(definition);"
     "CREATE TABLE awards ("
     "  id TEXT PRIMARY KEY, submission TEXT NOT NULL, scope TEXT NOT NULL, educator TEXT NOT NULL,"
     "  definition TEXT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL,"
     "  ceu_hundredths INTEGER NOT NULL, issued_hlc INTEGER NOT NULL, doc TEXT NOT NULL);"
     "CREATE INDEX awards_educator ON awards(educator);"
     "CREATE TABLE lifecycle_ignored ("
     "  record_id BLOB PRIMARY KEY, entity TEXT NOT NULL, kind TEXT NOT NULL,"
     "  hlc INTEGER NOT NULL, reason TEXT NOT NULL);"
     "CREATE INDEX lifecycle_ignored_entity ON lifecycle_ignored(entity);"},
    // The read models (lifecycle_views.h) compute a submission's and an
    // award's full state from their records; the JSON copies are not read.
    {2, "ALTER TABLE submissions DROP COLUMN doc; ALTER TABLE awards DROP COLUMN doc;"},
    // Issued stacks (award.stack, docs/merge-rules.md §3b), and what each
    // stack award entity refers to (its part awards and "stack:<id>"), to
    // know which to recompute when a part or the catalog changes.
    {3,
     "CREATE TABLE stack_awards ("
     "  id TEXT PRIMARY KEY, scope TEXT NOT NULL, educator TEXT NOT NULL, stack TEXT NOT NULL,"
     "  version INTEGER NOT NULL, status TEXT NOT NULL, issued_hlc INTEGER NOT NULL);"
     "CREATE INDEX stack_awards_educator ON stack_awards(educator);"
     "CREATE TABLE stack_award_refs ("
     "  stack_award TEXT NOT NULL, ref TEXT NOT NULL, PRIMARY KEY (stack_award, ref));"
     "CREATE INDEX stack_award_refs_ref ON stack_award_refs(ref);"},
};

bool IsLifecycleKind(const std::string& k) {
  return k.rfind("submission.", 0) == 0 || k.rfind("review.", 0) == 0;
}

Status Run(Database& db, const char* sql, const std::vector<std::string>& args) {
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st, db.Cached(sql));
  for (size_t i = 0; i < args.size(); ++i) st->Bind(static_cast<int>(i + 1), args[i]);
  return st->Run();
}

// ComputeLifecycle, also collecting the definitions named by the valid
// submission.open records (submission_refs) when `refs` is not null.
Result<LifecycleState> Compute(Store& store, const std::string& id, std::set<std::string>* refs) {
  LifecycleState out;
  CREDMESH_ASSIGN_OR_RETURN(auto all, LoadValidRecords(store, id));
  std::vector<DomainRecord> records;
  for (auto& r : all) {
    if (!IsLifecycleKind(r.kind)) continue;
    if (refs && r.kind == kSubmissionOpenKind) {
      if (auto b = OpenBody::Parse(r.body); b.ok()) refs->insert(b->definition);
    }
    records.push_back(std::move(r));
  }
  if (!records.empty()) {
    SqlCatalogView catalog(store.db());
    out.submission = ComputeSubmission(id, std::move(records), catalog);
    CREDMESH_RETURN_IF_ERROR(catalog.status());
  }
  const std::string award_id = AwardEntity(id);
  CREDMESH_ASSIGN_OR_RETURN(auto award_all, LoadValidRecords(store, award_id));
  std::vector<DomainRecord> award_records;
  for (auto& r : award_all) {
    if (r.kind.rfind("award.", 0) == 0) award_records.push_back(std::move(r));
  }
  if (!award_records.empty()) {
    out.award = ComputeAward(award_id, std::move(award_records),
                             out.submission ? &*out.submission : nullptr);
  }
  return out;
}

// Recomputes submission `id` and its award from their valid records.
Status RecomputeSubmission(Store& store, const std::string& id) {
  Database& db = store.db();
  const std::string award_id = AwardEntity(id);
  CREDMESH_RETURN_IF_ERROR(Run(db, "DELETE FROM submissions WHERE id = ?", {id}));
  CREDMESH_RETURN_IF_ERROR(Run(db, "DELETE FROM submission_refs WHERE submission = ?", {id}));
  CREDMESH_RETURN_IF_ERROR(Run(db, "DELETE FROM awards WHERE id = ?", {award_id}));
  CREDMESH_RETURN_IF_ERROR(
      Run(db, "DELETE FROM lifecycle_ignored WHERE entity IN (?, ?)", {id, award_id}));

  std::set<std::string> refs;
  CREDMESH_ASSIGN_OR_RETURN(LifecycleState state, Compute(store, id, &refs));
  for (const auto& d : refs) {
    CREDMESH_RETURN_IF_ERROR(
        Run(db, "INSERT OR IGNORE INTO submission_refs VALUES (?, ?)", {id, d}));
  }
  if (const auto& sub = state.submission) {
    CREDMESH_RETURN_IF_ERROR(WriteIgnoredRows(db, "lifecycle_ignored", id, sub->ignored));
    if (sub->opened) {
      CREDMESH_ASSIGN_OR_RETURN(Statement st,
                                db.Prepare("INSERT INTO submissions(id, scope, district, "
                                           "definition, version, educator, status, attempt,"
                                           " updated_hlc) VALUES (?,?,?,?,?,?,?,?,?)"));
      CREDMESH_RETURN_IF_ERROR(st.Bind(1, id)
                                   .Bind(2, sub->scope)
                                   .Bind(3, sub->open.district)
                                   .Bind(4, sub->open.definition)
                                   .Bind(5, sub->open.version)
                                   .Bind(6, sub->open.educator.hex())
                                   .Bind(7, sub->Status())
                                   .Bind(8, static_cast<int64_t>(sub->attempts.size()))
                                   .Bind(9, static_cast<int64_t>(sub->updated_hlc))
                                   .Run());
    }
  }
  if (!state.award) return Status::Ok();
  const AwardState& award = *state.award;
  CREDMESH_RETURN_IF_ERROR(WriteIgnoredRows(db, "lifecycle_ignored", award_id, award.ignored));
  if (!award.issued) return Status::Ok();
  CREDMESH_ASSIGN_OR_RETURN(Statement st,
                            db.Prepare("INSERT INTO awards(id, submission, scope, educator, "
                                       "definition, version, status, ceu_hundredths,"
                                       " issued_hlc) VALUES (?,?,?,?,?,?,?,?,?)"));
  return st.Bind(1, award_id)
      .Bind(2, id)
      .Bind(3, award.scope)
      .Bind(4, award.issue.educator.hex())
      .Bind(5, award.issue.definition)
      .Bind(6, award.issue.version)
      .Bind(7, award.Status())
      .Bind(8, award.ActiveCeuHundredths())
      .Bind(9, static_cast<int64_t>(award.issued_hlc))
      .Run();
}

// Recomputes stack award `entity` from its valid records, its parts and the
// stack records it cites.
Status RecomputeStackAward(Store& store, const std::string& entity) {
  Database& db = store.db();
  CREDMESH_RETURN_IF_ERROR(Run(db, "DELETE FROM stack_awards WHERE id = ?", {entity}));
  CREDMESH_RETURN_IF_ERROR(Run(db, "DELETE FROM stack_award_refs WHERE stack_award = ?", {entity}));
  CREDMESH_RETURN_IF_ERROR(Run(db, "DELETE FROM lifecycle_ignored WHERE entity = ?", {entity}));
  CREDMESH_ASSIGN_OR_RETURN(auto all, LoadValidRecords(store, entity));
  std::erase_if(all, [](const DomainRecord& r) { return r.kind.rfind("award.", 0) != 0; });
  if (all.empty()) return Status::Ok();
  for (const auto& r : all) {
    if (r.kind != kAwardStackKind) continue;
    auto b = StackAwardBody::Parse(r.body);
    if (!b.ok()) continue;
    CREDMESH_RETURN_IF_ERROR(Run(db, "INSERT OR IGNORE INTO stack_award_refs VALUES (?, ?)",
                                 {entity, StackEntity(b->stack)}));
    for (const auto& p : b->parts) {
      CREDMESH_RETURN_IF_ERROR(
          Run(db, "INSERT OR IGNORE INTO stack_award_refs VALUES (?, ?)", {entity, p.award}));
    }
  }
  CREDMESH_ASSIGN_OR_RETURN(StackAwardInputs inputs, LoadStackAwardInputs(store, all));
  StackAwardState s = ComputeStackAward(entity, std::move(all), inputs);
  CREDMESH_RETURN_IF_ERROR(WriteIgnoredRows(db, "lifecycle_ignored", entity, s.ignored));
  if (!s.issued) return Status::Ok();
  CREDMESH_ASSIGN_OR_RETURN(Statement st,
                            db.Prepare("INSERT INTO stack_awards(id, scope, educator, stack, "
                                       "version, status, issued_hlc) VALUES (?,?,?,?,?,?,?)"));
  return st.Bind(1, entity)
      .Bind(2, s.scope)
      .Bind(3, s.issue.educator.hex())
      .Bind(4, s.issue.stack)
      .Bind(5, s.issue.version)
      .Bind(6, s.Status())
      .Bind(7, static_cast<int64_t>(s.issued_hlc))
      .Run();
}

}  // namespace

Status LifecycleProjection::Migrate(Database& db) {
  return ApplyMigrations(db, "lifecycle", kLifecycleMigrations);
}

Status LifecycleProjection::Clear(Database& db) {
  return db.Exec(
      "DELETE FROM submissions; DELETE FROM submission_refs; DELETE FROM awards;"
      "DELETE FROM lifecycle_ignored; DELETE FROM stack_awards; DELETE FROM stack_award_refs;");
}

Status LifecycleProjection::Apply(Store& store, const std::vector<ChangedRecord>& changed) {
  std::set<std::string> subs, definitions, stack_awards;
  // Entities stack awards refer to (part awards, stacks) that changed.
  std::set<std::string> stack_refs;
  for (const auto& c : changed) {
    if (IsLifecycleKind(c.kind)) {
      subs.insert(c.entity);
      stack_refs.insert(AwardEntity(c.entity));  // its award's state may change
    } else if (c.kind.rfind("award.", 0) == 0) {
      if (IsStackAwardEntity(c.entity)) {
        stack_awards.insert(c.entity);
      } else if (auto s = SubmissionOfAward(c.entity)) {
        subs.insert(*s);
        stack_refs.insert(c.entity);
      }
    } else if (c.kind.rfind("catalog.", 0) == 0) {
      if (auto d = DefinitionOfEntity(c.entity)) definitions.insert(*d);
      stack_refs.insert(c.entity);
    }
  }
  for (const auto& d : definitions) {
    CREDMESH_ASSIGN_OR_RETURN(
        auto ids,
        QueryTextColumn(store.db(), "SELECT submission FROM submission_refs WHERE definition = ?",
                        {d}));
    subs.insert(ids.begin(), ids.end());
  }
  for (const auto& s : subs) {
    CREDMESH_RETURN_IF_ERROR(RecomputeSubmission(store, s).WithContext("submission " + s));
    stack_refs.insert(AwardEntity(s));
  }
  for (const auto& ref : stack_refs) {
    CREDMESH_ASSIGN_OR_RETURN(
        auto ids, QueryTextColumn(store.db(),
                                  "SELECT stack_award FROM stack_award_refs WHERE ref = ?", {ref}));
    stack_awards.insert(ids.begin(), ids.end());
  }
  for (const auto& e : stack_awards)
    CREDMESH_RETURN_IF_ERROR(RecomputeStackAward(store, e).WithContext("stack award " + e));
  return Status::Ok();
}

Result<LifecycleState> ComputeLifecycle(Store& store, const std::string& submission_id) {
  return Compute(store, submission_id, nullptr);
}

Result<std::string> DumpDomainTables(Database& db) {
  std::string out;
  for (const char* table : {"catalog_versions", "catalog_items", "catalog_retire_events",
                            "catalog_ignored", "submissions", "submission_refs", "awards",
                            "lifecycle_ignored", "stack_awards", "stack_award_refs"}) {
    CREDMESH_ASSIGN_OR_RETURN(Statement st, db.Prepare(std::string("SELECT * FROM ") + table));
    std::vector<std::string> rows;
    while (true) {
      CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      std::string line;
      for (int c = 0; c < sqlite3_column_count(st.handle()); ++c) {
        line += c ? "|" : "";
        line += sqlite3_column_type(st.handle(), c) == SQLITE_BLOB ? ToHex(st.ColumnBlob(c))
                                                                   : st.ColumnText(c);
      }
      rows.push_back(std::move(line));
    }
    std::sort(rows.begin(), rows.end());
    out += std::string("## ") + table + " (" + std::to_string(rows.size()) + ")\n";
    for (const auto& r : rows) out += r + "\n";
  }
  return out;
}

}  // namespace credmesh
