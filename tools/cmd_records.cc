// credmesh log, show, verify, rebuild.
#include <iostream>
#include <optional>

#include "tools/cli.h"
#include "tools/key_labels.h"

namespace credmesh::cli {
namespace {

struct LogArgs {
  std::string kind, scope, entity, state;
  size_t limit = 0;
};

// A record row as JSON; "author_name" is who holds the author key
// (KeyLabels), null if nobody on record does.
nlohmann::json RowJson(const Node& node, const KeyLabels& labels, const RecordRow& r) {
  nlohmann::json j = {{"id", r.id.hex()},
                      {"kind", r.kind},
                      {"scope", r.scope},
                      {"entity", r.entity},
                      {"timestamp", r.hlc},
                      {"time", FormatHlc(r.hlc)},
                      {"author", r.author.hex()},
                      {"author_name", labels.NameJson(r.author)},
                      {"state", ShownState(node, r.state)},
                      {"size", r.size}};
  if (!r.reason.empty()) j["reason"] = r.reason;
  if (auto why = UnverifiedReason(node); why && r.state == RecordState::kValid) j["reason"] = *why;
  return j;
}

// A note's text (what `note add` stored), for `log`; empty for other kinds.
Result<std::string> NoteText(RecordStore& rs, const RecordRow& r) {
  if (r.kind != "note") return std::string();
  CREDMESH_ASSIGN_OR_RETURN(auto rec, rs.Load(r.id));
  nlohmann::json body = ValueToJson(rec.record().body);
  if (!body.is_object() || !body.contains("text") || !body["text"].is_string())
    return std::string();
  return body["text"].get<std::string>();
}

int RunLog(const Context& ctx, const LogArgs& args) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  RecordQuery q;
  if (!args.kind.empty()) q.kind = args.kind;
  if (!args.scope.empty()) q.scope = args.scope;
  if (!args.entity.empty()) q.entity = args.entity;
  const auto unverified = UnverifiedReason(**node);
  bool none = false;  // the --state asked for cannot occur on this node
  if (!args.state.empty()) {
    // Without a district root nothing is valid: what is stored as valid is
    // "unverified" (and `--state valid` finds nothing).
    if (args.state == (unverified ? "unverified" : "valid"))
      q.state = RecordState::kValid;
    else if (args.state == "valid" || args.state == "unverified")
      none = true;
    else if (args.state == "pending")
      q.state = RecordState::kPending;
    else if (args.state == "denied")
      q.state = RecordState::kDenied;
    else
      return Fail(Status::InvalidArgument("--state must be valid, pending, denied or unverified"));
  }
  q.limit = args.limit;
  q.newest_first = true;
  RecordStore& rs = (*node)->store().records();
  auto rows = none ? Result<std::vector<RecordRow>>(std::vector<RecordRow>{}) : rs.List(q);
  if (!rows.ok()) return Fail(rows.status());
  auto labels = KeyLabels::Load(**node);
  if (!labels.ok()) return Fail(labels.status());
  if (ctx.json) {
    auto arr = nlohmann::json::array();
    for (const auto& r : *rows) {
      auto text = NoteText(rs, r);
      if (!text.ok()) return Fail(text.status());
      arr.push_back(RowJson(**node, *labels, r));
      if (r.kind == "note") arr.back()["text"] = *text;
    }
    PrintJson({{"records", arr}});
    return kExitOk;
  }
  for (const auto& r : *rows) {
    std::cout << r.id.hex().substr(0, 16) << "  " << FormatHlc(r.hlc) << "  " << r.kind << "  "
              << r.scope << "  by " << labels->Label(r.author);
    if (r.state != RecordState::kValid || unverified)
      std::cout << "  [" << ShownState(**node, r.state) << "]";
    auto text = NoteText(rs, r);
    if (!text.ok()) return Fail(text.status());
    // Quoted and escaped, so a note cannot forge log lines.
    if (!text->empty()) {
      std::cout << "  "
                << nlohmann::json(*text).dump(-1, ' ', false,
                                              nlohmann::json::error_handler_t::replace);
    }
    std::cout << "\n";
  }
  if (rows->empty()) std::cerr << "no records\n";
  if (unverified && !rows->empty()) std::cerr << "unverified: " << *unverified << "\n";
  return kExitOk;
}

int RunShow(const Context& ctx, const std::string& id_prefix) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  RecordStore& rs = (*node)->store().records();
  auto ids = rs.FindByIdPrefix(id_prefix, 2);
  if (!ids.ok()) return Fail(ids.status());
  if (ids->empty()) return Fail(Status::NotFound("no record with id " + id_prefix));
  if (ids->size() > 1)
    return Fail(Status::InvalidArgument("id prefix " + id_prefix + " is ambiguous"));
  auto rec = rs.Load(ids->front());
  if (!rec.ok()) return Fail(rec.status());
  auto row = rs.GetRow(ids->front());
  if (!row.ok()) return Fail(row.status());
  auto labels = KeyLabels::Load(**node);
  if (!labels.ok()) return Fail(labels.status());
  nlohmann::json j = RowJson(**node, *labels, **row);
  j["body"] = ValueToJson(rec->record().body);
  j["signature"] = rec->record().signature.hex();
  if (ctx.json) {
    PrintJson(j);
    return kExitOk;
  }
  std::cout << "id:        " << rec->id().hex() << "\n"
            << "kind:      " << rec->record().kind << "\n"
            << "scope:     " << rec->record().scope << "\n"
            << "entity:    " << rec->record().entity << "\n"
            << "timestamp: " << FormatHlc(rec->record().hlc) << " (" << rec->record().hlc << ")\n"
            << "author:    " << rec->record().author.hex()
            << labels->NameSuffix(rec->record().author) << "\n"
            << "state:     " << j["state"].get<std::string>()
            << (j.contains("reason") ? " (" + j["reason"].get<std::string>() + ")" : "") << "\n"
            << "signature: " << rec->record().signature.hex() << "\n"
            << "body:\n"
            << j["body"].dump(2) << "\n";
  return kExitOk;
}

// Re-verifies every stored record from its bytes, checks the indexed columns
// agree with the signed content, and runs SQLite's integrity check.
int RunVerify(const Context& ctx) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Store& store = (*node)->store();
  auto integrity = store.CheckIntegrity();
  if (!integrity.ok()) return Fail(integrity.status());
  auto problems = nlohmann::json::array();
  for (const auto& p : *integrity) problems.push_back({{"database", p}});
  auto total = store.records().Count({});
  if (!total.ok()) return Fail(total.status());
  int64_t checked = 0;
  const bool progress = !ctx.json && StderrIsTty();
  Status s = store.records().ForEach({}, [&](const RecordRow& row, ByteView bytes) {
    auto rec = VerifiedRecord::VerifyWithId(Bytes(bytes.begin(), bytes.end()), row.id);
    std::string why;
    if (!rec.ok()) {
      why = rec.status().message();
    } else {
      const Record& r = rec->record();
      if (r.kind != row.kind || r.scope != row.scope || r.entity != row.entity ||
          r.hlc != row.hlc || r.author != row.author) {
        why = "indexed columns disagree with the signed record";
      }
    }
    if (!why.empty()) problems.push_back({{"record", row.id.hex()}, {"problem", why}});
    if (progress && ++checked % 20000 == 0) {
      std::cerr << "\rverified " << checked << " / " << *total << std::flush;
    }
    return Status::Ok();
  });
  if (progress && checked >= 20000) std::cerr << "\n";
  if (!s.ok()) return Fail(s);
  // Ids and signatures only: whether authors may write is the ledger's
  // business, and a node with no district root cannot judge it at all.
  const auto unverified = UnverifiedReason(**node);
  if (ctx.json) {
    PrintJson({{"records", *total},
               {"ok", problems.empty()},
               {"problems", problems},
               {"authority_checked", !unverified}});
  } else {
    for (const auto& p : problems) {
      if (p.contains("record")) {
        std::cout << "BAD record " << p["record"].get<std::string>() << ": "
                  << p["problem"].get<std::string>() << "\n";
      } else {
        std::cout << "BAD database: " << p["database"].get<std::string>() << "\n";
      }
    }
    std::cout << (problems.empty() ? "ok: " : "FAILED: ") << *total << " records checked, "
              << problems.size() << " problem(s)\n";
    if (unverified) std::cout << "unverified: " << *unverified << "\n";
  }
  return problems.empty() ? kExitOk : kExitFailure;
}

int RunRebuild(const Context& ctx) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Status s = (*node)->ledger().Rebuild();
  if (!s.ok()) return Fail(s);
  std::cout << "rebuilt derived state from the records\n";
  return kExitOk;
}

}  // namespace

void RegisterRecordCommands(CLI::App& app, Context& ctx) {
  auto log_args = std::make_shared<LogArgs>();
  CLI::App* log = app.add_subcommand("log", "List records, newest first");
  AddDirOption(log, ctx);
  AddJsonOption(log, ctx);
  log->add_option("--kind", log_args->kind, "Only records of this kind (e.g. note)");
  log->add_option("--scope", log_args->scope, "Only records of this scope (e.g. school/pine)");
  log->add_option("--entity", log_args->entity, "Only records about this entity");
  log->add_option("--state", log_args->state, "Only valid, pending or denied records");
  log->add_option("-n,--limit", log_args->limit, "At most this many records");
  OnRun(log, ctx, [&ctx, log_args] { return RunLog(ctx, *log_args); });

  auto id = std::make_shared<std::string>();
  CLI::App* show = app.add_subcommand("show", "Show one record (id or unique id prefix)");
  AddDirOption(show, ctx);
  AddJsonOption(show, ctx);
  show->add_option("ID", *id, "Record id or a unique prefix of it")->required();
  OnRun(show, ctx, [&ctx, id] { return RunShow(ctx, *id); });

  CLI::App* verify = app.add_subcommand(
      "verify", "Re-check every record's id and signature and the database; exit 1 on any problem");
  AddDirOption(verify, ctx);
  AddJsonOption(verify, ctx);
  OnRun(verify, ctx, [&ctx] { return RunVerify(ctx); });

  CLI::App* rebuild = app.add_subcommand("rebuild", "Recompute all derived state from the records");
  AddDirOption(rebuild, ctx);
  OnRun(rebuild, ctx, [&ctx] { return RunRebuild(ctx); });
}

}  // namespace credmesh::cli
