#include "node/credentials/lifecycle_projection.h"

#include <set>

#include "node/credentials/award_state.h"
#include "node/credentials/catalog_projection.h"
#include "node/credentials/credential_records.h"
#include "node/credentials/domain_store.h"
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
};

bool IsLifecycleKind(const std::string& k) {
  return k.rfind("submission.", 0) == 0 || k.rfind("review.", 0) == 0;
}

Status Run(Database& db, const char* sql, const std::vector<std::string>& args) {
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st, db.Cached(sql));
  for (size_t i = 0; i < args.size(); ++i) st->Bind(static_cast<int>(i + 1), args[i]);
  return st->Run();
}

Status InsertIgnored(Database& db, const std::string& entity, const std::vector<IgnoredRecord>& ignored) {
  for (const auto& i : ignored) {
    CREDMESH_ASSIGN_OR_RETURN(Statement st, db.Prepare(
        "INSERT OR REPLACE INTO lifecycle_ignored(record_id, entity, kind, hlc, reason) VALUES (?,?,?,?,?)"));
    CREDMESH_RETURN_IF_ERROR(st.Bind(1, i.id.view()).Bind(2, entity).Bind(3, i.kind)
                                 .Bind(4, static_cast<int64_t>(i.hlc)).Bind(5, i.reason).Run());
  }
  return Status::Ok();
}

// Recomputes submission `id` and its award from their valid records.
Status RecomputeSubmission(Store& store, const std::string& id) {
  Database& db = store.db();
  const std::string award_id = AwardEntity(id);
  CREDMESH_RETURN_IF_ERROR(Run(db, "DELETE FROM submissions WHERE id = ?", {id}));
  CREDMESH_RETURN_IF_ERROR(Run(db, "DELETE FROM submission_refs WHERE submission = ?", {id}));
  CREDMESH_RETURN_IF_ERROR(Run(db, "DELETE FROM awards WHERE id = ?", {award_id}));
  CREDMESH_RETURN_IF_ERROR(Run(db, "DELETE FROM lifecycle_ignored WHERE entity IN (?, ?)", {id, award_id}));

  CREDMESH_ASSIGN_OR_RETURN(auto all, LoadValidRecords(store, id));
  std::vector<DomainRecord> records;
  for (auto& r : all) {
    if (!IsLifecycleKind(r.kind)) continue;
    if (r.kind == kSubmissionOpenKind) {
      if (auto b = OpenBody::Parse(r.body); b.ok()) {
        CREDMESH_RETURN_IF_ERROR(Run(db, "INSERT OR IGNORE INTO submission_refs VALUES (?, ?)", {id, b->definition}));
      }
    }
    records.push_back(std::move(r));
  }
  std::optional<SubmissionState> sub;
  if (!records.empty()) {
    SqlCatalogView catalog(db);
    sub = ComputeSubmission(id, std::move(records), catalog);
    CREDMESH_RETURN_IF_ERROR(catalog.status());
    CREDMESH_RETURN_IF_ERROR(InsertIgnored(db, id, sub->ignored));
    if (sub->opened) {
      CREDMESH_ASSIGN_OR_RETURN(Statement st, db.Prepare(
          "INSERT INTO submissions(id, scope, district, definition, version, educator, status, attempt,"
          " updated_hlc, doc) VALUES (?,?,?,?,?,?,?,?,?,?)"));
      CREDMESH_RETURN_IF_ERROR(
          st.Bind(1, id).Bind(2, sub->scope).Bind(3, sub->open.district).Bind(4, sub->open.definition)
              .Bind(5, sub->open.version).Bind(6, sub->open.educator.hex()).Bind(7, sub->Status())
              .Bind(8, static_cast<int64_t>(sub->attempts.size()))
              .Bind(9, static_cast<int64_t>(sub->updated_hlc)).Bind(10, SubmissionToJson(*sub).dump())
              .Run());
    }
  }

  CREDMESH_ASSIGN_OR_RETURN(auto award_all, LoadValidRecords(store, award_id));
  std::vector<DomainRecord> award_records;
  for (auto& r : award_all) {
    if (r.kind.rfind("award.", 0) == 0) award_records.push_back(std::move(r));
  }
  if (award_records.empty()) return Status::Ok();
  AwardState award = ComputeAward(award_id, std::move(award_records), sub ? &*sub : nullptr);
  CREDMESH_RETURN_IF_ERROR(InsertIgnored(db, award_id, award.ignored));
  if (!award.issued) return Status::Ok();
  CREDMESH_ASSIGN_OR_RETURN(Statement st, db.Prepare(
      "INSERT INTO awards(id, submission, scope, educator, definition, version, status, ceu_hundredths,"
      " issued_hlc, doc) VALUES (?,?,?,?,?,?,?,?,?,?)"));
  return st.Bind(1, award_id).Bind(2, id).Bind(3, award.scope).Bind(4, award.issue.educator.hex())
      .Bind(5, award.issue.definition).Bind(6, award.issue.version).Bind(7, award.Status())
      .Bind(8, award.ActiveCeuHundredths()).Bind(9, static_cast<int64_t>(award.issued_hlc))
      .Bind(10, AwardToJson(award).dump()).Run();
}

Result<std::vector<std::string>> Column(Database& db, const std::string& sql, const std::string& arg) {
  CREDMESH_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  if (!arg.empty()) st.Bind(1, arg);
  std::vector<std::string> out;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    out.push_back(st.ColumnText(0));
  }
}

// Resolves a unique id prefix in `table`.
Result<std::optional<std::string>> ResolveId(Database& db, const char* table, const std::string& prefix) {
  std::string like = prefix;
  for (char c : like) {
    if (c == '%' || c == '_' || c == '\\') return Status::InvalidArgument("bad id " + prefix);
  }
  CREDMESH_ASSIGN_OR_RETURN(auto ids, Column(db, std::string("SELECT id FROM ") + table +
                                                     " WHERE id = ?1 OR id LIKE ?1 || '%' ORDER BY id LIMIT 2",
                                             prefix));
  if (ids.empty()) return std::optional<std::string>();
  if (ids.size() > 1 && ids[0] != prefix) return Status::InvalidArgument("id prefix " + prefix + " is ambiguous");
  return std::optional<std::string>(ids[0]);
}

nlohmann::json SummaryFromRow(const Statement& st) {
  nlohmann::json j = {{"id", st.ColumnText(0)},        {"scope", st.ColumnText(1)},
                      {"definition", st.ColumnText(2)}, {"version", st.ColumnInt(3)},
                      {"educator", st.ColumnText(4)},   {"status", st.ColumnText(5)},
                      {"attempt", st.ColumnInt(6)},     {"updated_hlc", st.ColumnInt(7)}};
  j["award"] = st.ColumnIsNull(8) ? nlohmann::json(nullptr) : nlohmann::json(st.ColumnText(8));
  return j;
}

constexpr char kSummarySql[] =
    "SELECT s.id, s.scope, s.definition, s.version, s.educator, s.status, s.attempt, s.updated_hlc,"
    " a.status FROM submissions s LEFT JOIN awards a ON a.submission = s.id";

}  // namespace

Status LifecycleProjection::Migrate(Database& db) {
  return ApplyMigrations(db, "lifecycle", kLifecycleMigrations);
}

Status LifecycleProjection::Clear(Database& db) {
  return db.Exec("DELETE FROM submissions; DELETE FROM submission_refs; DELETE FROM awards;"
                 "DELETE FROM lifecycle_ignored;");
}

Status LifecycleProjection::Apply(Store& store, const std::vector<ChangedRecord>& changed) {
  std::set<std::string> subs, definitions;
  for (const auto& c : changed) {
    if (IsLifecycleKind(c.kind)) {
      subs.insert(c.entity);
    } else if (c.kind.rfind("award.", 0) == 0) {
      if (auto s = SubmissionOfAward(c.entity)) subs.insert(*s);
    } else if (c.kind.rfind("catalog.", 0) == 0) {
      if (auto d = DefinitionOfEntity(c.entity)) definitions.insert(*d);
    }
  }
  for (const auto& d : definitions) {
    CREDMESH_ASSIGN_OR_RETURN(auto ids, Column(store.db(),
        "SELECT submission FROM submission_refs WHERE definition = ?", d));
    subs.insert(ids.begin(), ids.end());
  }
  for (const auto& s : subs)
    CREDMESH_RETURN_IF_ERROR(RecomputeSubmission(store, s).WithContext("submission " + s));
  return Status::Ok();
}

Result<nlohmann::json> ListSubmissions(Database& db, const SubmissionFilter& f) {
  CREDMESH_ASSIGN_OR_RETURN(Statement st, db.Prepare(std::string(kSummarySql) + " ORDER BY s.id"));
  auto out = nlohmann::json::array();
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    nlohmann::json j = SummaryFromRow(st);
    if (!f.status.empty() && j["status"] != f.status) continue;
    if (!f.definition.empty() && j["definition"] != f.definition) continue;
    if (!f.educator.empty() && j["educator"].get<std::string>().rfind(f.educator, 0) != 0) continue;
    out.push_back(std::move(j));
  }
  return out;
}

Result<std::optional<nlohmann::json>> ShowSubmission(Database& db, const std::string& id) {
  CREDMESH_ASSIGN_OR_RETURN(auto full, ResolveId(db, "submissions", id));
  if (!full) return std::optional<nlohmann::json>();
  CREDMESH_ASSIGN_OR_RETURN(auto docs, Column(db, "SELECT doc FROM submissions WHERE id = ?", *full));
  nlohmann::json j = nlohmann::json::parse(docs.at(0), nullptr, false);
  CREDMESH_ASSIGN_OR_RETURN(auto award, Column(db, "SELECT doc FROM awards WHERE id = ?", AwardEntity(*full)));
  j["award"] = award.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(award[0], nullptr, false);
  return std::optional<nlohmann::json>(std::move(j));
}

Result<std::optional<nlohmann::json>> ShowAward(Database& db, const std::string& id) {
  std::string key = SubmissionOfAward(id) ? id : AwardEntity(id);
  CREDMESH_ASSIGN_OR_RETURN(auto full, ResolveId(db, "awards", key));
  if (!full) return std::optional<nlohmann::json>();
  CREDMESH_ASSIGN_OR_RETURN(auto docs, Column(db, "SELECT doc FROM awards WHERE id = ?", *full));
  return std::optional<nlohmann::json>(nlohmann::json::parse(docs.at(0), nullptr, false));
}

Result<nlohmann::json> Portfolio(Database& db, const PublicKey& educator) {
  auto awards = nlohmann::json::array();
  int64_t ceu = 0;
  std::vector<std::pair<std::string, int>> earned;
  CREDMESH_ASSIGN_OR_RETURN(auto docs, Column(db,
      "SELECT doc FROM awards WHERE educator = ? ORDER BY issued_hlc, id", educator.hex()));
  for (const auto& d : docs) {
    nlohmann::json a = nlohmann::json::parse(d, nullptr, false);
    std::string def = a.value("definition", "");
    CREDMESH_ASSIGN_OR_RETURN(auto item, FindCatalogItem(db, def));
    a["title"] = item ? item->title : def;
    if (a.value("status", "") == "active") {
      ceu += a.value("ceu_hundredths", int64_t{0});
      earned.emplace_back(def, a.value("version", 0));
    }
    awards.push_back(std::move(a));
  }
  auto stacks = nlohmann::json::array();
  CatalogFilter sf;
  sf.kind = "stack";
  CREDMESH_ASSIGN_OR_RETURN(auto stack_items, ListCatalog(db, sf));
  for (const auto& it : stack_items) {
    CREDMESH_ASSIGN_OR_RETURN(auto stack, LoadStack(db, it.id));
    if (stack && stack->IsCompletedBy(earned)) {
      stacks.push_back({{"id", it.id}, {"version", it.version}, {"title", it.title}});
    }
  }
  SubmissionFilter f;
  f.educator = educator.hex();
  CREDMESH_ASSIGN_OR_RETURN(auto subs, ListSubmissions(db, f));
  return nlohmann::json{{"educator", educator.hex()},
                        {"awards", awards},
                        {"active_awards", earned.size()},
                        {"ceu_hundredths", ceu},
                        {"completed_stacks", stacks},
                        {"submissions", subs}};
}

Result<std::string> DumpDomainTables(Database& db) {
  std::string out;
  for (const char* table : {"catalog_versions", "catalog_items", "catalog_retire_events", "catalog_ignored",
                            "submissions", "submission_refs", "awards", "lifecycle_ignored"}) {
    CREDMESH_ASSIGN_OR_RETURN(Statement st, db.Prepare(std::string("SELECT * FROM ") + table));
    std::vector<std::string> rows;
    while (true) {
      CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      std::string line;
      for (int c = 0; c < sqlite3_column_count(st.handle()); ++c) {
        line += c ? "|" : "";
        line += sqlite3_column_type(st.handle(), c) == SQLITE_BLOB ? ToHex(st.ColumnBlob(c)) : st.ColumnText(c);
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
