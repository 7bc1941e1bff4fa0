// credmesh catalog import|export|list|show|retire: the district catalog.
#include <fstream>
#include <iostream>
#include <sstream>

#include "node/credentials/catalog_bodies.h"
#include "node/credentials/catalog_projection.h"
#include "node/credentials/credential_records.h"
#include "tools/catalog_text.h"
#include "tools/cred_cli.h"

namespace credmesh::cli {
namespace {

struct CatalogArgs {
  std::string file, out, tag, text, id, as;
  int64_t version = 0;
  bool undo = false;
  bool force = false;  // export: overwrite the output file
};

struct PlannedWrite {
  std::string kind, entity, label;
  Value body;
};

int RunImport(const Context& ctx, const CatalogArgs& a) {
  std::ifstream in(a.file, std::ios::binary);
  if (!in) return Fail(Status::NotFound("cannot read " + a.file));
  std::stringstream ss;
  ss << in.rdbuf();
  auto catalog = ParseCatalogJson(ss.str());
  if (!catalog.ok()) return Fail(catalog.status().WithContext(a.file));
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  const std::string& cfg = n.config().district;
  if (!cfg.empty() && cfg != catalog->district) {
    return Fail(Status::FailedPrecondition(a.file + " is the catalog of district " +
                                           catalog->district + ", this node belongs to " + cfg));
  }
  const std::string scope = "district/" + catalog->district;
  Database& db = n.store().db();
  // Plan every write first: an edit that reuses a published version refuses
  // the whole import, writing nothing.
  std::vector<PlannedWrite> plan;
  size_t unchanged = 0;
  auto consider = [&](const std::string& kind, const std::string& entity, const std::string& label,
                      Value body, Result<std::optional<Value>> stored) -> Status {
    if (!stored.ok()) return stored.status();
    if (*stored && **stored == body) {
      ++unchanged;
      return Status::Ok();
    }
    if (*stored) {
      return Status::FailedPrecondition(label +
                                        " is already published with different content; "
                                        "publish the edit as a new version");
    }
    plan.push_back({kind, entity, label, std::move(body)});
    return Status::Ok();
  };
  for (const auto& d : catalog->definitions) {
    auto stored = LoadDefinition(db, d.id, d.version);
    Result<std::optional<Value>> body =
        stored.ok() ? Result<std::optional<Value>>(
                          *stored ? std::optional<Value>(DefinitionToBody(**stored)) : std::nullopt)
                    : stored.status();
    Status s = consider(kCatalogDefinitionKind, DefinitionEntity(d.id),
                        "definition " + d.id + " v" + std::to_string(d.version),
                        DefinitionToBody(d), body);
    if (!s.ok()) return Fail(s);
  }
  for (const auto& st : catalog->stacks) {
    auto stored = LoadStack(db, st.id, st.version);
    Result<std::optional<Value>> body =
        stored.ok() ? Result<std::optional<Value>>(
                          *stored ? std::optional<Value>(StackToBody(**stored)) : std::nullopt)
                    : stored.status();
    Status s =
        consider(kCatalogStackKind, StackEntity(st.id),
                 "stack " + st.id + " v" + std::to_string(st.version), StackToBody(st), body);
    if (!s.ok()) return Fail(s);
  }
  auto key = SignerFor(n, a.as);
  if (!key.ok()) return Fail(key.status());
  auto written = nlohmann::json::array();
  for (auto& w : plan) {
    auto rec = n.ledger().Write(w.kind, scope, w.entity, std::move(w.body), **key);
    if (!rec.ok()) return Fail(rec.status().WithContext(w.label));
    written.push_back({{"item", w.label}, {"id", rec->id().hex()}});
    if (!ctx.json)
      std::cout << "published " << w.label << "  " << rec->id().hex().substr(0, 16) << "\n";
  }
  if (ctx.json) {
    PrintJson({{"district", catalog->district}, {"written", written}, {"unchanged", unchanged}});
  } else {
    std::cout << plan.size() << " record(s) written, " << unchanged << " unchanged\n";
  }
  return kExitOk;
}

int RunExport(const Context& ctx, const CatalogArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Database& db = (*node)->store().db();
  auto items = ListCatalog(db, {});
  if (!items.ok()) return Fail(items.status());
  if (items->empty())
    return Fail(Status::NotFound("the catalog is empty (run: credmesh catalog import FILE)"));
  Catalog c;
  c.district = (*items)[0].scope.substr((*items)[0].scope.find('/') + 1);
  for (const auto& it : *items) {
    if (it.kind == "definition") {
      auto d = LoadDefinition(db, it.id);
      if (!d.ok()) return Fail(d.status());
      (*d)->retired = it.retired;
      c.definitions.push_back(**d);
    } else {
      auto s = LoadStack(db, it.id);
      if (!s.ok()) return Fail(s.status());
      (*s)->retired = it.retired;
      c.stacks.push_back(**s);
    }
  }
  std::string text = CatalogToJson(c);
  if (a.out.empty()) {
    std::cout << text;
    return kExitOk;
  }
  if (Status s = CheckOverwrite(a.out, a.force); !s.ok()) return Fail(s);
  std::ofstream out(a.out, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.good()) return Fail(Status::IoError("cannot write " + a.out));
  std::cerr << "wrote " << c.definitions.size() << " definition(s) and " << c.stacks.size()
            << " stack(s) to " << a.out << "\n";
  return kExitOk;
}

nlohmann::json ItemJson(const CatalogItem& it) {
  return {
      {"kind", it.kind},   {"id", it.id},     {"version", it.version}, {"retired", it.retired},
      {"title", it.title}, {"tags", it.tags}, {"scope", it.scope},     {"record", it.record.hex()}};
}

int RunList(const Context& ctx, const CatalogArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  CatalogFilter f;
  f.tag = a.tag;
  f.text = a.text;
  auto items = ListCatalog((*node)->store().db(), f);
  if (!items.ok()) return Fail(items.status());
  if (ctx.json) {
    auto arr = nlohmann::json::array();
    for (const auto& it : *items) arr.push_back(ItemJson(it));
    PrintJson({{"items", arr}});
    return kExitOk;
  }
  for (const auto& it : *items) {
    std::cout << (it.kind == "stack" ? "stack  " : "       ") << it.id << " v" << it.version
              << (it.retired ? " [retired]" : "") << "  " << it.title << "\n";
  }
  if (items->empty()) std::cerr << "no catalog entries match\n";
  return kExitOk;
}

int RunShow(const Context& ctx, const CatalogArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Database& db = (*node)->store().db();
  auto item = FindCatalogItem(db, a.id);
  if (!item.ok()) return Fail(item.status());
  if (!*item)
    return Fail(
        Status::NotFound("no definition or stack " + a.id + " (see: credmesh catalog list)"));
  const CatalogItem& it = **item;
  std::string text, card;
  if (it.kind == "definition") {
    auto d = LoadDefinition(db, a.id, a.version);
    if (!d.ok()) return Fail(d.status());
    if (!*d) return Fail(Status::NotFound(a.id + " has no version " + std::to_string(a.version)));
    (*d)->retired = it.retired && (a.version == 0 || a.version == it.version);
    text = DefinitionToJson(**d);
    card = DefinitionCard(**d);
  } else {
    auto s = LoadStack(db, a.id, a.version);
    if (!s.ok()) return Fail(s.status());
    if (!*s) return Fail(Status::NotFound(a.id + " has no version " + std::to_string(a.version)));
    (*s)->retired = it.retired && (a.version == 0 || a.version == it.version);
    text = StackToJson(**s);
    card = StackCard(**s);
  }
  auto versions =
      CatalogVersions(db, it.kind == "definition" ? DefinitionEntity(a.id) : StackEntity(a.id));
  if (!versions.ok()) return Fail(versions.status());
  if (ctx.json) {
    nlohmann::json j = ItemJson(it);
    j["versions"] = *versions;
    j["content"] = nlohmann::json::parse(text, nullptr, false);
    PrintJson(j);
    return kExitOk;
  }
  std::cout << card << "\n"
            << it.kind << " " << it.id << ": current version " << it.version << ", versions held:";
  for (int64_t v : *versions) std::cout << " " << v;
  std::cout << "  (raw JSON: --json; a catalog file: credmesh catalog export)\n";
  return kExitOk;
}

int RunRetire(const Context& ctx, const CatalogArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  auto item = FindCatalogItem(n.store().db(), a.id);
  if (!item.ok()) return Fail(item.status());
  if (!*item) return Fail(Status::NotFound("no definition or stack " + a.id));
  if ((*item)->retired == !a.undo) {
    return Fail(
        Status::FailedPrecondition(a.id + (a.undo ? " is not retired" : " is already retired")));
  }
  auto key = SignerFor(n, a.as);
  if (!key.ok()) return Fail(key.status());
  std::string entity = (*item)->kind == "definition" ? DefinitionEntity(a.id) : StackEntity(a.id);
  auto rec = n.ledger().Write(kCatalogRetireKind, (*item)->scope, entity,
                              RetireBody{!a.undo}.ToValue(), **key);
  if (!rec.ok()) return Fail(rec.status());
  if (ctx.json)
    PrintJson({{"id", rec->id().hex()}});
  else
    std::cout << rec->id().hex() << "\n";
  return kExitOk;
}

}  // namespace

void RegisterCatalogCommands(CLI::App& app, Context& ctx) {
  CLI::App* cat =
      app.add_subcommand("catalog", "The district catalog of micro-credentials and stacks");
  cat->require_subcommand(1);
  auto a = std::make_shared<CatalogArgs>();

  CLI::App* imp = cat->add_subcommand("import",
                                      "Publish the definitions and stacks of a catalog file "
                                      "(docs/catalog-format.md); unchanged ones write nothing");
  AddDirOption(imp, ctx);
  AddJsonOption(imp, ctx);
  AddAsOption(imp, a->as);
  imp->add_option("FILE", a->file, "Catalog JSON file")->required();
  OnRun(imp, ctx, [&ctx, a] { return RunImport(ctx, *a); });

  CLI::App* exp = cat->add_subcommand("export", "Write the current catalog as JSON");
  AddDirOption(exp, ctx);
  exp->add_option("-o,--output", a->out,
                  "File to write (default: stdout; refused if it exists, unless --force)");
  AddForceOption(exp, a->force);
  OnRun(exp, ctx, [&ctx, a] { return RunExport(ctx, *a); });

  CLI::App* list = cat->add_subcommand("list", "List definitions and stacks");
  AddDirOption(list, ctx);
  AddJsonOption(list, ctx);
  list->add_option("--tag", a->tag, "Only entries with this subject, grade-band or topic tag");
  list->add_option("--text", a->text,
                   "Only entries whose id, title, competency or method contain this");
  OnRun(list, ctx, [&ctx, a] { return RunList(ctx, *a); });

  CLI::App* show = cat->add_subcommand(
      "show",
      "Show a definition as a card (competency, key method, components, research, resources, "
      "requirements, rubric) or a stack; --json for the raw record body");
  AddDirOption(show, ctx);
  AddJsonOption(show, ctx);
  show->add_option("ID", a->id, "Definition or stack id")->required();
  show->add_option("--version", a->version, "A specific version (default: current)");
  OnRun(show, ctx, [&ctx, a] { return RunShow(ctx, *a); });

  CLI::App* retire =
      cat->add_subcommand("retire", "Hide a definition or stack from new submissions");
  AddDirOption(retire, ctx);
  AddJsonOption(retire, ctx);
  AddAsOption(retire, a->as);
  retire->add_option("ID", a->id, "Definition or stack id")->required();
  retire->add_flag("--undo", a->undo, "Un-retire instead");
  OnRun(retire, ctx, [&ctx, a] { return RunRetire(ctx, *a); });
}

}  // namespace credmesh::cli
