#include "node/credentials/catalog_projection.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>

#include "node/credentials/catalog_bodies.h"
#include "node/credentials/credential_records.h"
#include "node/credentials/domain_store.h"
#include "storage/migrations.h"

namespace credmesh {
namespace {

constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE catalog_versions ("
     "  entity TEXT NOT NULL, version INTEGER NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,"
     "  scope TEXT NOT NULL, record_id BLOB NOT NULL, hlc INTEGER NOT NULL, body BLOB NOT NULL,"
     "  PRIMARY KEY (entity, version));"
     "CREATE TABLE catalog_items ("
     "  entity TEXT PRIMARY KEY, kind TEXT NOT NULL, id TEXT NOT NULL, scope TEXT NOT NULL,"
     "  version INTEGER NOT NULL, retired INTEGER NOT NULL, title TEXT NOT NULL,"
     "  tags TEXT NOT NULL, search TEXT NOT NULL, record_id BLOB NOT NULL);"
     "CREATE TABLE catalog_retire_events ("
     "  entity TEXT NOT NULL, hlc INTEGER NOT NULL, record_id BLOB NOT NULL,"
     "  retired INTEGER NOT NULL, PRIMARY KEY (entity, hlc, record_id));"
     "CREATE TABLE catalog_ignored ("
     "  record_id BLOB PRIMARY KEY, entity TEXT NOT NULL, kind TEXT NOT NULL,"
     "  hlc INTEGER NOT NULL, reason TEXT NOT NULL);"
     "CREATE INDEX catalog_ignored_entity ON catalog_ignored(entity);"},
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string JoinTags(const CatalogTags& t) {
  std::string out;
  for (const auto* list : {&t.subject, &t.grade_band, &t.topics}) {
    for (const auto& tag : *list) out += (out.empty() ? "" : " ") + tag;
  }
  return out;
}

struct Version {
  DomainRecord rec;
  std::string title, tags, search;
};

struct RetireEvent {
  uint64_t hlc;
  RecordId id;
  bool retired;
  auto operator<=>(const RetireEvent&) const = default;
};

// Recomputes every row of one catalog entity from its valid records.
Status Recompute(Store& store, const std::string& entity) {
  Database& db = store.db();
  for (const char* table :
       {"catalog_versions", "catalog_items", "catalog_retire_events", "catalog_ignored"}) {
    CREDMESH_ASSIGN_OR_RETURN(
        Statement del, db.Prepare(std::string("DELETE FROM ") + table + " WHERE entity = ?"));
    CREDMESH_RETURN_IF_ERROR(del.Bind(1, entity).Run());
  }
  CREDMESH_ASSIGN_OR_RETURN(auto records, LoadValidRecords(store, entity));
  std::sort(records.begin(), records.end(), ReplayOrder);
  std::map<int64_t, Version> versions;  // LWW per version (records are in replay order)
  std::vector<RetireEvent> events;
  std::vector<IgnoredRecord> ignored;
  std::string kind;
  for (const auto& r : records) {
    auto ignore = [&](std::string why) {
      ignored.push_back({r.id, r.kind, r.hlc, std::move(why), r.author, std::nullopt});
    };
    if (r.kind.rfind("catalog.", 0) != 0) continue;  // not ours
    if (r.scope.rfind("district/", 0) != 0) {
      ignore("catalog records live in a district/<d> scope");
      continue;
    }
    if (r.kind == kCatalogRetireKind) {
      auto b = RetireBody::Parse(r.body);
      if (!b.ok()) {
        ignore(b.status().message());
        continue;
      }
      events.push_back({r.hlc, r.id, b->retired});
      continue;
    }
    Version v{r, "", "", ""};
    int64_t number = 0;
    bool retired = false;
    if (r.kind == kCatalogDefinitionKind) {
      auto d = DefinitionFromBody(r.body);
      if (!d.ok()) {
        ignore(d.status().message());
        continue;
      }
      if (DefinitionEntity(d->id) != entity) {
        ignore("entity must be definition:" + d->id);
        continue;
      }
      number = d->version;
      retired = d->retired;
      v.title = d->title;
      v.tags = JoinTags(d->tags);
      v.search = Lower(d->id + "\n" + d->title + "\n" + d->competency + "\n" + d->key_method +
                       "\n" + v.tags);
      kind = "definition";
    } else if (r.kind == kCatalogStackKind) {
      auto s = StackFromBody(r.body);
      if (!s.ok()) {
        ignore(s.status().message());
        continue;
      }
      if (StackEntity(s->id) != entity) {
        ignore("entity must be stack:" + s->id);
        continue;
      }
      number = s->version;
      retired = s->retired;
      v.title = s->title;
      v.search = Lower(s->id + "\n" + s->title + "\n" + s->description);
      kind = "stack";
    } else {
      ignore("unknown catalog kind " + r.kind);
      continue;
    }
    events.push_back({r.hlc, r.id, retired});
    versions[number] = std::move(v);  // later in replay order wins
  }
  CREDMESH_RETURN_IF_ERROR(WriteIgnoredRows(db, "catalog_ignored", entity, ignored));
  for (const auto& e : events) {
    CREDMESH_ASSIGN_OR_RETURN(
        Statement st,
        db.Prepare(
            "INSERT INTO catalog_retire_events(entity, hlc, record_id, retired) VALUES (?,?,?,?)"));
    CREDMESH_RETURN_IF_ERROR(st.Bind(1, entity)
                                 .Bind(2, static_cast<int64_t>(e.hlc))
                                 .Bind(3, e.id.view())
                                 .Bind(4, int64_t{e.retired})
                                 .Run());
  }
  if (versions.empty()) return Status::Ok();
  const std::string id = entity.substr(entity.find(':') + 1);
  for (const auto& [number, v] : versions) {
    Bytes body;
    EncodeValue(v.rec.body, body);
    CREDMESH_ASSIGN_OR_RETURN(
        Statement st,
        db.Prepare(
            "INSERT INTO catalog_versions(entity, version, kind, id, scope, record_id, hlc, body)"
            " VALUES (?,?,?,?,?,?,?,?)"));
    CREDMESH_RETURN_IF_ERROR(st.Bind(1, entity)
                                 .Bind(2, number)
                                 .Bind(3, kind)
                                 .Bind(4, id)
                                 .Bind(5, v.rec.scope)
                                 .Bind(6, v.rec.id.view())
                                 .Bind(7, static_cast<int64_t>(v.rec.hlc))
                                 .Bind(8, ByteView(body))
                                 .Run());
  }
  const auto& [current, v] = *versions.rbegin();
  bool retired = !events.empty() && std::max_element(events.begin(), events.end())->retired;
  CREDMESH_ASSIGN_OR_RETURN(Statement st,
                            db.Prepare("INSERT INTO catalog_items(entity, kind, id, scope, "
                                       "version, retired, title, tags, search, record_id)"
                                       " VALUES (?,?,?,?,?,?,?,?,?,?)"));
  return st.Bind(1, entity)
      .Bind(2, kind)
      .Bind(3, id)
      .Bind(4, v.rec.scope)
      .Bind(5, current)
      .Bind(6, int64_t{retired})
      .Bind(7, v.title)
      .Bind(8, v.tags)
      .Bind(9, v.search)
      .Bind(10, v.rec.id.view())
      .Run();
}

CatalogItem ItemFromRow(const Statement& st) {
  CatalogItem it;
  it.kind = st.ColumnText(0);
  it.id = st.ColumnText(1);
  it.scope = st.ColumnText(2);
  it.version = st.ColumnInt(3);
  it.retired = st.ColumnInt(4) != 0;
  it.title = st.ColumnText(5);
  it.tags = st.ColumnText(6);
  it.record = RecordId::FromView(st.ColumnBlob(7)).value_or(RecordId{});
  return it;
}

constexpr char kItemColumns[] =
    "SELECT kind, id, scope, version, retired, title, tags, record_id, search FROM catalog_items";

Result<std::optional<Value>> LoadBody(Database& db, const std::string& entity, int64_t version) {
  std::string sql = "SELECT body FROM catalog_versions WHERE entity = ?";
  sql += version > 0 ? " AND version = ?" : " ORDER BY version DESC LIMIT 1";
  CREDMESH_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  st.Bind(1, entity);
  if (version > 0) st.Bind(2, version);
  CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<Value>();
  CREDMESH_ASSIGN_OR_RETURN(Value body, DecodeValue(st.ColumnBlob(0)));
  return std::optional<Value>(std::move(body));
}

}  // namespace

Status CatalogProjection::Migrate(Database& db) {
  return ApplyMigrations(db, "catalog", kMigrations);
}

Status CatalogProjection::Clear(Database& db) {
  return db.Exec(
      "DELETE FROM catalog_versions; DELETE FROM catalog_items;"
      "DELETE FROM catalog_retire_events; DELETE FROM catalog_ignored;");
}

Status CatalogProjection::Apply(Store& store, const std::vector<ChangedRecord>& changed) {
  std::set<std::string> entities;
  for (const auto& c : changed) {
    if (c.kind.rfind("catalog.", 0) == 0) entities.insert(c.entity);
  }
  for (const auto& e : entities)
    CREDMESH_RETURN_IF_ERROR(Recompute(store, e).WithContext("catalog " + e));
  return Status::Ok();
}

Result<std::vector<CatalogItem>> ListCatalog(Database& db, const CatalogFilter& f) {
  CREDMESH_ASSIGN_OR_RETURN(Statement st,
                            db.Prepare(std::string(kItemColumns) + " ORDER BY kind, id"));
  std::vector<CatalogItem> out;
  const std::string tag = Lower(f.tag), text = Lower(f.text);
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    CatalogItem it = ItemFromRow(st);
    if (!f.kind.empty() && it.kind != f.kind) continue;
    if (!f.include_retired && it.retired) continue;
    if (!tag.empty() && (" " + Lower(it.tags) + " ").find(" " + tag + " ") == std::string::npos)
      continue;
    if (!text.empty() && st.ColumnText(8).find(text) == std::string::npos) continue;
    out.push_back(std::move(it));
  }
  return out;
}

Result<std::optional<CatalogItem>> FindCatalogItem(Database& db, const std::string& id) {
  for (const std::string& entity : {DefinitionEntity(id), StackEntity(id)}) {
    CREDMESH_ASSIGN_OR_RETURN(Statement st,
                              db.Prepare(std::string(kItemColumns) + " WHERE entity = ?"));
    st.Bind(1, entity);
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) return std::optional<CatalogItem>(ItemFromRow(st));
  }
  return std::optional<CatalogItem>();
}

Result<std::optional<CredentialDefinition>> LoadDefinition(Database& db, const std::string& id,
                                                           int64_t version) {
  CREDMESH_ASSIGN_OR_RETURN(auto body, LoadBody(db, DefinitionEntity(id), version));
  if (!body) return std::optional<CredentialDefinition>();
  CREDMESH_ASSIGN_OR_RETURN(CredentialDefinition d, DefinitionFromBody(*body));
  return std::optional<CredentialDefinition>(std::move(d));
}

Result<std::optional<Stack>> LoadStack(Database& db, const std::string& id, int64_t version) {
  CREDMESH_ASSIGN_OR_RETURN(auto body, LoadBody(db, StackEntity(id), version));
  if (!body) return std::optional<Stack>();
  CREDMESH_ASSIGN_OR_RETURN(Stack s, StackFromBody(*body));
  return std::optional<Stack>(std::move(s));
}

Result<std::vector<int64_t>> CatalogVersions(Database& db, const std::string& entity) {
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare("SELECT version FROM catalog_versions WHERE entity = ? ORDER BY version"));
  st.Bind(1, entity);
  std::vector<int64_t> out;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(st.ColumnInt(0));
  }
  return out;
}

Result<bool> CatalogRetiredBefore(Database& db, const std::string& entity, uint64_t hlc) {
  // hlc is stored as a signed 64-bit integer; real timestamps fit (48-bit ms).
  int64_t bound = hlc > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                      ? std::numeric_limits<int64_t>::max()
                      : static_cast<int64_t>(hlc);
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare("SELECT retired FROM catalog_retire_events WHERE entity = ? AND hlc < ?"
                 " ORDER BY hlc DESC, record_id DESC LIMIT 1"));
  st.Bind(1, entity).Bind(2, bound);
  CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
  return row && st.ColumnInt(0) != 0;
}

const CredentialDefinition* SqlCatalogView::Find(const std::string& id, int64_t version) {
  auto key = std::make_pair(id, version);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second.get();
  auto d = LoadDefinition(db_, id, version);
  std::unique_ptr<CredentialDefinition> ptr;
  if (!d.ok()) {
    if (status_.ok()) status_ = d.status();
  } else if (*d) {
    ptr = std::make_unique<CredentialDefinition>(std::move(**d));
  }
  return (cache_[key] = std::move(ptr)).get();
}

bool SqlCatalogView::RetiredBefore(const std::string& id, uint64_t hlc) {
  auto r = CatalogRetiredBefore(db_, DefinitionEntity(id), hlc);
  if (!r.ok()) {
    if (status_.ok()) status_ = r.status();
    return false;
  }
  return *r;
}

}  // namespace credmesh
