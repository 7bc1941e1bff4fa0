// credmesh submission open|reflect|evidence|submit|withdraw|resubmit|list|show
// and credmesh review add: the lifecycle of one educator's submission.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "node/credentials/catalog_projection.h"
#include "node/credentials/credential_records.h"
#include "node/credentials/lifecycle_projection.h"
#include "node/evidence_files.h"
#include "tools/cred_cli.h"

namespace credmesh::cli {
namespace {

struct SubArgs {
  std::string id, as, school, text, slot, file, type, status, educator, definition, feedback, decision;
  int64_t version = 0;
  bool pre = false, post = false;
  std::vector<std::string> levels;
};

// The node and the document of the submission a command is about.
struct Loaded {
  std::unique_ptr<Node> node;
  nlohmann::json doc;
};
Result<Loaded> Load(const Context& ctx, const std::string& id) {
  CREDMESH_ASSIGN_OR_RETURN(auto node, OpenNode(ctx));
  CREDMESH_ASSIGN_OR_RETURN(auto doc, LoadSubmission(*node, id));
  return Loaded{std::move(node), std::move(doc)};
}

const nlohmann::json& Current(const nlohmann::json& doc) { return doc["attempts"].back(); }
int64_t CurrentNumber(const nlohmann::json& doc) { return Current(doc)["number"].get<int64_t>(); }

int RunOpen(const Context& ctx, const SubArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  Database& db = n.store().db();
  auto item = FindCatalogItem(db, a.id);
  if (!item.ok()) return Fail(item.status());
  if (!*item || (*item)->kind != "definition") {
    return Fail(Status::NotFound("no credential definition " + a.id + " (see: credmesh catalog list)"));
  }
  auto key = SignerFor(n, a.as);
  if (!key.ok()) return Fail(key.status());
  OpenBody b;
  b.definition = a.id;
  b.version = a.version ? a.version : (*item)->version;
  b.educator = (*key)->public_key();
  b.district = (*item)->scope.substr((*item)->scope.find('/') + 1);
  const std::string sub_id = NewSubmissionId();
  const std::string scope = SchoolScope(n.config(), a.school);
  auto rec = WriteCheckedStep(n, kSubmissionOpenKind, scope, sub_id, b.ToValue(), **key);
  if (!rec.ok()) return Fail(rec.status());
  if (ctx.json) {
    PrintJson({{"submission", sub_id}, {"record", rec->id().hex()}, {"scope", scope}});
  } else {
    std::cout << sub_id << "\n";
  }
  return kExitOk;
}

int RunReflect(const Context& ctx, const SubArgs& a) {
  if (a.pre == a.post) return Fail(Status::InvalidArgument("give exactly one of --pre and --post"));
  auto l = Load(ctx, a.id);
  if (!l.ok()) return Fail(l.status());
  ReflectionBody b{CurrentNumber(l->doc), a.pre ? "pre" : "post", a.text};
  return WriteStep(ctx, *l->node, kSubmissionReflectionKind, l->doc["scope"], l->doc["id"], b.ToValue(), a.as);
}

// Chunks the file into the node's chunk store under the node's size policy
// (docs/files.md §4), showing progress on a terminal.
Result<EvidenceFile> AttachFile(Node& node, const std::string& submission, int64_t attempt,
                                const std::string& path, const std::string& type) {
  CREDMESH_ASSIGN_OR_RETURN(ChunkStore chunks, ChunkStore::Open(node.Path(Node::kChunkDir)));
  const int64_t mib = 1024 * 1024;
  const int64_t submission_limit = node.config().max_submission_mb * mib;
  CREDMESH_ASSIGN_OR_RETURN(auto held, EvidenceFilesOf(node.store(), chunks, submission, attempt));
  int64_t used = 0;
  for (const auto& e : held) used += e.file.size;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && used + static_cast<int64_t>(size) > submission_limit) {
    return Status::ResourceExhausted("attempt " + std::to_string(attempt) + " already holds " +
                                     std::to_string(used / mib) + " MiB of files; adding " + path +
                                     " would pass the " + std::to_string(submission_limit / mib) +
                                     " MiB limit per submission (config max_submission_mb)");
  }
  ChunkingOptions o;
  o.max_file_size = node.config().max_file_mb * mib;
  o.media_type = type;
  const bool tty = StderrIsTty();
  const std::string name = std::filesystem::path(path).filename().string();
  auto m = ChunkFile(chunks, path, o, [&](int64_t done, int64_t total) {
    if (!tty) return;
    std::cerr << "\r  attaching " << name << ": " << (total ? done * 100 / total : 100) << "%  "
              << done / mib << " / " << total / mib << " MiB   " << std::flush;
  });
  if (tty) std::cerr << "\r" << std::string(70, ' ') << "\r";
  if (!m.ok() && m.status().code() == Status::Code::kResourceExhausted && m.status().message().find("limit") != std::string::npos) {
    return Status::ResourceExhausted(m.status().message() + " (config max_file_mb)");
  }
  if (!m.ok()) return m.status();
  return EvidenceFileOf(*m);
}

int RunEvidence(const Context& ctx, const SubArgs& a) {
  if (a.text.empty() == a.file.empty()) return Fail(Status::InvalidArgument("give exactly one of --text and --file"));
  auto l = Load(ctx, a.id);
  if (!l.ok()) return Fail(l.status());
  EvidenceBody b;
  b.attempt = CurrentNumber(l->doc);
  b.slot = a.slot;
  if (!a.text.empty()) {
    b.text = a.text;
  } else {
    auto f = AttachFile(*l->node, l->doc["id"], b.attempt, a.file, a.type);
    if (!f.ok()) return Fail(f.status());
    b.file = *f;
  }
  return WriteStep(ctx, *l->node, kSubmissionEvidenceKind, l->doc["scope"], l->doc["id"], b.ToValue(), a.as);
}

int RunSubmit(const Context& ctx, const SubArgs& a) {
  auto l = Load(ctx, a.id);
  if (!l.ok()) return Fail(l.status());
  const nlohmann::json& cur = Current(l->doc);
  const std::string id = l->doc["id"];
  if (cur["status"] != "draft") {
    return Fail(Status::FailedPrecondition("attempt " + std::to_string(CurrentNumber(l->doc)) + " is " +
                                           cur["status"].get<std::string>() + ", not a draft"));
  }
  for (const char* phase : {"pre", "post"}) {
    if (cur[std::string(phase) + "_reflection"].is_null()) {
      return Fail(Status::FailedPrecondition("write a " + std::string(phase) + "-reflection first: credmesh submission reflect " +
                                             id + " --" + phase + " TEXT"));
    }
  }
  SubmitBody b;
  b.attempt = CurrentNumber(l->doc);
  for (const auto& e : cur["evidence"]) b.evidence.push_back(*RecordId::FromHex(e["record"].get<std::string>()));
  b.pre = *RecordId::FromHex(cur["pre_reflection"]["record"].get<std::string>());
  b.post = *RecordId::FromHex(cur["post_reflection"]["record"].get<std::string>());
  return WriteStep(ctx, *l->node, kSubmissionSubmitKind, l->doc["scope"], id, b.ToValue(), a.as);
}

int RunWithdraw(const Context& ctx, const SubArgs& a) {
  auto l = Load(ctx, a.id);
  if (!l.ok()) return Fail(l.status());
  return WriteStep(ctx, *l->node, kSubmissionWithdrawKind, l->doc["scope"], l->doc["id"],
                   AttemptBody{CurrentNumber(l->doc)}.ToValue(), a.as);
}

int RunResubmit(const Context& ctx, const SubArgs& a) {
  auto l = Load(ctx, a.id);
  if (!l.ok()) return Fail(l.status());
  int64_t n = CurrentNumber(l->doc);
  return WriteStep(ctx, *l->node, kSubmissionResubmitKind, l->doc["scope"], l->doc["id"],
                   ResubmitBody{n + 1, n}.ToValue(), a.as);
}

int RunReview(const Context& ctx, const SubArgs& a) {
  auto l = Load(ctx, a.id);
  if (!l.ok()) return Fail(l.status());
  ReviewBody b;
  b.attempt = CurrentNumber(l->doc);
  b.feedback = a.feedback;
  if (b.feedback.empty()) return Fail(Status::InvalidArgument("--feedback is required, whatever the decision"));
  if (a.decision == "awarded") b.decision = kDecisionAwarded;
  else if (a.decision == "not-yet" || a.decision == "not_yet") b.decision = kDecisionNotYet;
  else return Fail(Status::InvalidArgument("--decision must be awarded or not-yet"));
  for (const auto& lv : a.levels) {
    auto eq = lv.find('=');
    if (eq == std::string::npos) return Fail(Status::InvalidArgument("--level wants CRITERION=LEVEL, got " + lv));
    b.levels[lv.substr(0, eq)] = lv.substr(eq + 1);
  }
  return WriteStep(ctx, *l->node, kReviewAddKind, l->doc["scope"], l->doc["id"], b.ToValue(), a.as);
}

int RunList(const Context& ctx, const SubArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  SubmissionFilter f;
  f.status = a.status;
  f.definition = a.definition;
  if (!a.educator.empty()) {
    auto k = ResolvePerson(**node, a.educator);
    f.educator = k.ok() ? k->hex() : a.educator;  // else treat as a key prefix
  }
  auto list = ListSubmissions((*node)->store().db(), f);
  if (!list.ok()) return Fail(list.status());
  if (ctx.json) {
    PrintJson({{"submissions", *list}});
    return kExitOk;
  }
  for (const auto& s : *list) {
    std::cout << s["id"].get<std::string>() << "  " << s["status"].get<std::string>() << "  attempt "
              << s["attempt"] << "  " << s["definition"].get<std::string>() << " v" << s["version"]
              << "  educator " << s["educator"].get<std::string>().substr(0, 16);
    if (!s["award"].is_null()) std::cout << "  award " << s["award"].get<std::string>();
    std::cout << "\n";
  }
  if (list->empty()) std::cerr << "no submissions match\n";
  return kExitOk;
}

void PrintSubmission(const nlohmann::json& d) {
  std::cout << "submission " << d["id"].get<std::string>() << "  [" << d["status"].get<std::string>() << "]\n"
            << "definition " << d["definition"].get<std::string>() << " v" << d["version"] << "  in "
            << d["scope"].get<std::string>() << "\n"
            << "educator   " << d["educator"].get<std::string>() << "\n";
  for (const auto& at : d["attempts"]) {
    std::cout << "attempt " << at["number"] << ": " << at["status"].get<std::string>() << "\n";
    for (const char* p : {"pre_reflection", "post_reflection"}) {
      if (!at[p].is_null()) std::cout << "  " << p << ": " << at[p]["text"].get<std::string>() << "\n";
    }
    for (const auto& e : at["evidence"]) {
      std::cout << "  evidence [" << e["slot"].get<std::string>() << "] ";
      if (e.contains("text")) std::cout << e["text"].get<std::string>() << "\n";
      else {
        const auto& f = e["file"];
        std::cout << "file " << f["name"].get<std::string>() << " (" << f["size"] << " bytes, blake2b "
                  << f["hash"].get<std::string>().substr(0, 16) << ")";
        if (f.contains("bytes")) std::cout << ": " << f["bytes"].get<std::string>();
        if (f.contains("bytes_missing")) std::cout << ", " << f["bytes_missing"] << " bytes missing";
        std::cout << "\n";
      }
    }
    for (const auto& r : at["reviews"]) {
      std::cout << "  review by " << r["reviewer"].get<std::string>().substr(0, 16) << ": "
                << r["decision"].get<std::string>() << " (total " << r["total"] << ")  "
                << r["feedback"].get<std::string>() << "\n";
    }
  }
  if (!d["award"].is_null()) {
    const auto& aw = d["award"];
    std::cout << "award " << aw["id"].get<std::string>() << ": " << aw["status"].get<std::string>();
    if (aw.contains("revocation")) std::cout << " (" << aw["revocation"]["reason"].get<std::string>() << ")";
    std::cout << "  CEU " << FormatCeu(aw.value("ceu_hundredths", int64_t{0})) << "\n";
  }
  for (const auto& i : d["ignored"]) {
    std::cout << "ignored " << i["kind"].get<std::string>() << " " << i["record"].get<std::string>().substr(0, 16)
              << ": " << i["reason"].get<std::string>() << "\n";
  }
}

// Adds to each file evidence item of `doc` whether its bytes are here
// ("here", "incomplete", "not recorded") and how many bytes are missing.
Status AddFileBytes(Node& node, nlohmann::json& doc) {
  CREDMESH_ASSIGN_OR_RETURN(ChunkStore chunks, ChunkStore::Open(node.Path(Node::kChunkDir)));
  CREDMESH_ASSIGN_OR_RETURN(auto files, EvidenceFilesOf(node.store(), chunks, doc["id"].get<std::string>()));
  std::map<std::string, const EvidenceFileEntry*> by_record;
  for (const auto& f : files) by_record[f.record.hex()] = &f;
  for (auto& at : doc["attempts"]) {
    for (auto& e : at["evidence"]) {
      if (!e.contains("file")) continue;
      auto it = by_record.find(e["record"].get<std::string>());
      if (it == by_record.end()) continue;
      e["file"]["bytes"] = FileBytesName(it->second->bytes);
      if (it->second->bytes == FileBytes::kIncomplete) {
        e["file"]["bytes_missing"] = it->second->availability.bytes_missing;
      }
    }
  }
  return Status::Ok();
}

int RunShow(const Context& ctx, const SubArgs& a) {
  auto l = Load(ctx, a.id);
  if (!l.ok()) return Fail(l.status());
  if (Status s = AddFileBytes(*l->node, l->doc); !s.ok()) return Fail(s);
  if (ctx.json) PrintJson(l->doc);
  else PrintSubmission(l->doc);
  return kExitOk;
}

CLI::App* Sub(CLI::App* parent, Context& ctx, const char* name, const char* help, SubArgs& a, bool writes) {
  CLI::App* c = parent->add_subcommand(name, help);
  AddDirOption(c, ctx);
  AddJsonOption(c, ctx);
  if (writes) AddAsOption(c, a.as);
  return c;
}

}  // namespace

void RegisterSubmissionCommands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<SubArgs>();
  CLI::App* sub = app.add_subcommand("submission", "An educator's submission for a micro-credential");
  sub->require_subcommand(1);

  CLI::App* open = Sub(sub, ctx, "open", "Start a submission for a definition; prints its id", *a, true);
  open->add_option("DEFINITION", a->id, "Definition id")->required();
  open->add_option("--version", a->version, "Definition version (default: current)");
  open->add_option("--school", a->school, "School id of the scope (default: this node's school)");
  OnRun(open, ctx, [&ctx, a] { return RunOpen(ctx, *a); });

  CLI::App* refl = Sub(sub, ctx, "reflect", "Write the pre- or post-reflection", *a, true);
  refl->add_option("ID", a->id, "Submission id")->required();
  refl->add_flag("--pre", a->pre, "Pre-reflection");
  refl->add_flag("--post", a->post, "Post-reflection");
  refl->add_option("TEXT", a->text, "Reflection text")->required();
  OnRun(refl, ctx, [&ctx, a] { return RunReflect(ctx, *a); });

  CLI::App* ev = Sub(sub, ctx, "evidence", "Add evidence to a slot (text, or a file)", *a, true);
  ev->add_option("ID", a->id, "Submission id")->required();
  ev->add_option("--slot", a->slot, "Evidence slot id")->required();
  ev->add_option("--text", a->text, "Evidence text");
  ev->add_option("--file", a->file,
                 "Evidence file: stored in the node's chunk store and synced; at most config max_file_mb "
                 "(default 1024 MiB) per file and max_submission_mb per attempt");
  ev->add_option("--type", a->type, "Media type of --file (default: guessed from its content and name)");
  OnRun(ev, ctx, [&ctx, a] { return RunEvidence(ctx, *a); });

  CLI::App* submit = Sub(sub, ctx, "submit", "Submit the current attempt (freezes it)", *a, true);
  submit->add_option("ID", a->id, "Submission id")->required();
  OnRun(submit, ctx, [&ctx, a] { return RunSubmit(ctx, *a); });

  CLI::App* wd = Sub(sub, ctx, "withdraw", "Withdraw the submission", *a, true);
  wd->add_option("ID", a->id, "Submission id")->required();
  OnRun(wd, ctx, [&ctx, a] { return RunWithdraw(ctx, *a); });

  CLI::App* rs = Sub(sub, ctx, "resubmit", "Start a new attempt after a not-yet decision", *a, true);
  rs->add_option("ID", a->id, "Submission id")->required();
  OnRun(rs, ctx, [&ctx, a] { return RunResubmit(ctx, *a); });

  CLI::App* list = Sub(sub, ctx, "list", "List submissions", *a, false);
  list->add_option("--status", a->status, "draft|submitted|not_yet|awarded|withdrawn|waiting_definition");
  list->add_option("--educator", a->educator, "Person name or key prefix");
  list->add_option("--definition", a->definition, "Definition id");
  OnRun(list, ctx, [&ctx, a] { return RunList(ctx, *a); });

  CLI::App* show = Sub(sub, ctx, "show", "Show a submission: attempts, evidence, reviews, decision, award", *a, false);
  show->add_option("ID", a->id, "Submission id (or unique prefix)")->required();
  OnRun(show, ctx, [&ctx, a] { return RunShow(ctx, *a); });

  CLI::App* review = app.add_subcommand("review", "Reviews of submitted attempts");
  review->require_subcommand(1);
  CLI::App* add = Sub(review, ctx, "add", "Score the current attempt against the rubric and decide", *a, true);
  add->add_option("ID", a->id, "Submission id")->required();
  add->add_option("--level", a->levels, "CRITERION=LEVEL, once per rubric criterion")->required();
  add->add_option("--feedback", a->feedback, "Feedback for the educator (required)")->required();
  add->add_option("--decision", a->decision, "awarded or not-yet")->required();
  OnRun(add, ctx, [&ctx, a] { return RunReview(ctx, *a); });
}

}  // namespace credmesh::cli
