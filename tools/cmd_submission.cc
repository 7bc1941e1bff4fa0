// credmesh submission open|reflect|evidence|submit|withdraw|resubmit|list|show
// and credmesh review add: the lifecycle of one educator's submission.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "node/credentials/catalog_projection.h"
#include "node/credentials/credential_records.h"
#include "node/credentials/lifecycle_steps.h"
#include "node/credentials/lifecycle_views.h"
#include "node/evidence_files.h"
#include "tools/cred_cli.h"
#include "tools/cred_json.h"
#include "tools/free_text.h"
#include "tools/trust_cli.h"

namespace credmesh::cli {
namespace {

struct SubArgs {
  std::string id, as, school, text, slot, file, type, status, educator, definition, feedback,
      decision;
  int64_t version = 0;
  bool pre = false, post = false;
  bool student_outcome = false;  // evidence: it shows the effect on students
  std::vector<std::string> levels;
};

// The node and the submission a command is about.
struct Loaded {
  std::unique_ptr<Node> node;
  SubmissionView view;
  const SubmissionState& sub() const { return view.submission; }
};
Result<Loaded> Load(const Context& ctx, const std::string& id) {
  CREDMESH_ASSIGN_OR_RETURN(auto node, OpenNode(ctx));
  CREDMESH_ASSIGN_OR_RETURN(auto view, LoadSubmission(*node, id));
  return Loaded{std::move(node), std::move(view)};
}

int RunOpen(const Context& ctx, const SubArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  Database& db = n.store().db();
  auto item = FindCatalogItem(db, a.id);
  if (!item.ok()) return Fail(item.status());
  if (!*item || (*item)->kind != "definition") {
    return Fail(
        Status::NotFound("no credential definition " + a.id + " (see: credmesh catalog list)"));
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
  auto attempt = CurrentAttemptNumber(l->sub());
  if (!attempt.ok()) return Fail(attempt.status());
  ReflectionBody b{*attempt, a.pre ? "pre" : "post", a.text};
  return WriteStep(ctx, *l->node, kSubmissionReflectionKind, l->sub().scope, l->sub().id,
                   b.ToValue(), a.as);
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
  if (!m.ok() && m.status().code() == Status::Code::kResourceExhausted &&
      m.status().message().find("limit") != std::string::npos) {
    return Status::ResourceExhausted(m.status().message() + " (config max_file_mb)");
  }
  if (!m.ok()) return m.status();
  return EvidenceFileOf(*m);
}

int RunEvidence(const Context& ctx, const SubArgs& a) {
  if (a.text.empty() == a.file.empty())
    return Fail(Status::InvalidArgument("give exactly one of --text and --file"));
  auto l = Load(ctx, a.id);
  if (!l.ok()) return Fail(l.status());
  auto attempt = CurrentAttemptNumber(l->sub());
  if (!attempt.ok()) return Fail(attempt.status());
  EvidenceBody b;
  b.attempt = *attempt;
  b.slot = a.slot;
  b.student_outcome = a.student_outcome;  // always written: the submit rule reads it
  if (!a.text.empty()) {
    b.text = a.text;
  } else {
    auto f = AttachFile(*l->node, l->sub().id, b.attempt, a.file, a.type);
    if (!f.ok()) return Fail(f.status());
    b.file = *f;
  }
  return WriteStep(ctx, *l->node, kSubmissionEvidenceKind, l->sub().scope, l->sub().id, b.ToValue(),
                   a.as);
}

int RunSubmit(const Context& ctx, const SubArgs& a) {
  auto l = Load(ctx, a.id);
  if (!l.ok()) return Fail(l.status());
  auto b = NextSubmit(l->sub());
  if (!b.ok()) return Fail(b.status());
  return WriteStep(ctx, *l->node, kSubmissionSubmitKind, l->sub().scope, l->sub().id, b->ToValue(),
                   a.as);
}

int RunWithdraw(const Context& ctx, const SubArgs& a) {
  auto l = Load(ctx, a.id);
  if (!l.ok()) return Fail(l.status());
  auto attempt = CurrentAttemptNumber(l->sub());
  if (!attempt.ok()) return Fail(attempt.status());
  return WriteStep(ctx, *l->node, kSubmissionWithdrawKind, l->sub().scope, l->sub().id,
                   AttemptBody{*attempt}.ToValue(), a.as);
}

int RunResubmit(const Context& ctx, const SubArgs& a) {
  auto l = Load(ctx, a.id);
  if (!l.ok()) return Fail(l.status());
  auto b = NextResubmit(l->sub());
  if (!b.ok()) return Fail(b.status());
  return WriteStep(ctx, *l->node, kSubmissionResubmitKind, l->sub().scope, l->sub().id,
                   b->ToValue(), a.as);
}

// Without --level, the levels come from a walk through the rubric on the
// terminal (AskLevels); without a terminal that is a usage error.
int RunReview(const Context& ctx, const SubArgs& a) {
  const bool interactive = a.levels.empty();
  if (interactive && !StdinIsTty()) {
    std::cerr << "credmesh: error: no --level given and standard input is not a terminal: give "
                 "--level CRITERION=LEVEL for every rubric criterion (see: credmesh review queue), "
                 "or run on a terminal to be asked criterion by criterion\n";
    return kExitUsage;
  }
  if (!interactive && a.decision.empty()) {
    std::cerr << "credmesh: error: --decision is required (awarded or not-yet)\n";
    return kExitUsage;
  }
  auto l = Load(ctx, a.id);
  if (!l.ok()) return Fail(l.status());
  auto attempt = CurrentAttemptNumber(l->sub());
  if (!attempt.ok()) return Fail(attempt.status());
  ReviewBody b;
  b.attempt = *attempt;
  b.feedback = a.feedback;
  if (b.feedback.empty())
    return Fail(Status::InvalidArgument("--feedback is required, whatever the decision"));
  std::string decision = a.decision;
  if (interactive) {
    auto def =
        LoadDefinition(l->node->store().db(), l->sub().open.definition, l->sub().open.version);
    if (!def.ok()) return Fail(def.status());
    if (!*def) {
      return Fail(Status::FailedPrecondition("definition " + l->sub().open.definition +
                                             " is not held here: cannot show its rubric"));
    }
    auto levels = AskLevels(**def, std::cin, std::cerr);
    if (!levels.ok()) return Fail(levels.status());
    b.levels = *levels;
    while (decision.empty()) {
      std::cerr << "decision [awarded/not-yet]: " << std::flush;
      if (!std::getline(std::cin, decision)) {
        return Fail(Status::FailedPrecondition("no decision given (input ended)"));
      }
    }
  }
  if (decision == "awarded")
    b.decision = kDecisionAwarded;
  else if (decision == "not-yet" || decision == "not_yet")
    b.decision = kDecisionNotYet;
  else
    return Fail(Status::InvalidArgument("--decision must be awarded or not-yet"));
  for (const auto& lv : a.levels) {
    auto eq = lv.find('=');
    if (eq == std::string::npos)
      return Fail(Status::InvalidArgument("--level wants CRITERION=LEVEL, got " + lv));
    b.levels[lv.substr(0, eq)] = lv.substr(eq + 1);
  }
  return WriteStep(ctx, *l->node, kReviewAddKind, l->sub().scope, l->sub().id, b.ToValue(), a.as);
}

int RunList(const Context& ctx, const SubArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  SubmissionFilter f;
  f.status = a.status;
  f.definition = a.definition;
  if (!a.educator.empty()) {
    auto person = FindPerson(**node, a.educator);
    if (person.ok()) {
      f.educator_keys = person->keys;  // every key the person has signed with
    } else if (person.status().code() == Status::Code::kNotFound &&
               a.educator.find_first_not_of("0123456789abcdef") == std::string::npos) {
      f.educator = a.educator;  // a key prefix of nobody on record
    } else {
      return Fail(person.status());
    }
  }
  auto list = ListSubmissions((*node)->store().db(), f);
  if (!list.ok()) return Fail(list.status());
  auto labels = KeyLabels::Load(**node);
  if (!labels.ok()) return Fail(labels.status());
  if (ctx.json) {
    auto submissions = nlohmann::json::array();
    for (const auto& s : *list) {
      nlohmann::json j = SubmissionSummaryJson(s);
      j["educator_name"] = labels->NameJson(s.educator);
      submissions.push_back(std::move(j));
    }
    PrintJson({{"submissions", submissions}});
    return kExitOk;
  }
  for (const auto& s : *list) {
    std::cout << s.id << "  " << s.status << "  attempt " << s.attempt << "  " << s.definition
              << " v" << s.version << "  educator " << labels->Label(s.educator);
    if (s.award_status) std::cout << "  award " << *s.award_status;
    std::cout << "\n";
  }
  if (list->empty()) std::cerr << "no submissions match\n";
  return kExitOk;
}

// Whether each file evidence record's bytes are here, by record id.
using FileBytesByRecord = std::map<RecordId, EvidenceFileEntry>;

Result<FileBytesByRecord> FileBytesOf(Node& node, const std::string& submission) {
  CREDMESH_ASSIGN_OR_RETURN(ChunkStore chunks, ChunkStore::Open(node.Path(Node::kChunkDir)));
  CREDMESH_ASSIGN_OR_RETURN(auto files, EvidenceFilesOf(node.store(), chunks, submission));
  FileBytesByRecord out;
  for (auto& f : files) out.emplace(f.record, std::move(f));
  return out;
}

// Adds "bytes" (here | incomplete | not recorded | purged), "bytes_missing"
// and "purged" (the tombstone) to each file evidence item of a
// `submission show --json` document.
void AddFileBytes(Node& node, const FileBytesByRecord& files, nlohmann::json& doc) {
  for (auto& at : doc["attempts"]) {
    for (auto& e : at["evidence"]) {
      if (!e.contains("file")) continue;
      auto id = RecordId::FromHex(e["record"].get<std::string>());
      auto it = id ? files.find(*id) : files.end();
      if (it == files.end()) continue;
      e["file"]["bytes"] = FileBytesName(it->second.bytes);
      if (BytesMissing(it->second.bytes)) {
        e["file"]["bytes_missing"] = it->second.availability.bytes_missing;
      }
      if (it->second.purge) e["file"]["purged"] = PurgeJson(node, *it->second.purge);
    }
  }
}

void PrintSubmission(Node& node, const SubmissionView& v, const FileBytesByRecord& files,
                     const KeyLabels& labels) {
  const SubmissionState& d = v.submission;
  std::cout << "submission " << d.id << "  [" << d.Status() << "]\n"
            << "definition " << d.open.definition << " v" << d.open.version << "  in " << d.scope
            << "\n"
            << "educator   " << d.open.educator.hex() << labels.NameSuffix(d.open.educator) << "\n";
  for (const Attempt& at : d.attempts) {
    std::cout << "attempt " << at.number << ": " << AttemptStatusName(at.status) << "\n";
    if (at.pre) std::cout << "  pre_reflection: " << at.pre->text << "\n";
    if (at.post) std::cout << "  post_reflection: " << at.post->text << "\n";
    for (const EvidenceItem& e : at.evidence) {
      std::cout << "  evidence [" << e.body.slot << "] "
                << (e.body.student_outcome.value_or(false) ? "[student outcome] " : "");
      if (e.body.text) {
        std::cout << *e.body.text << "\n";
      } else if (e.body.file) {
        std::cout << "file " << e.body.file->name << " (" << e.body.file->size << " bytes, blake2b "
                  << e.body.file->hash.hex().substr(0, 16) << ")";
        if (auto it = files.find(e.id); it != files.end()) {
          if (it->second.purge) {
            std::cout << ": " << PurgeText(node, *it->second.purge);
          } else {
            std::cout << ": " << FileBytesName(it->second.bytes);
          }
          if (BytesMissing(it->second.bytes)) {
            std::cout << ", " << it->second.availability.bytes_missing << " bytes missing";
          }
        }
        std::cout << "\n";
      }
    }
    for (const ReviewItem& r : at.reviews) {
      std::cout << "  review by " << labels.Label(r.reviewer) << ": " << r.body.decision
                << " (total " << r.total << ")  " << r.body.feedback << "\n";
    }
  }
  if (v.award) {
    const AwardState& aw = *v.award;
    std::cout << "award " << aw.id << ": " << aw.Status();
    if (aw.revocation.revoked) std::cout << " (" << aw.revocation.reason << ")";
    std::cout << "  CEU " << FormatCeu(aw.ActiveCeuHundredths()) << "\n";
  }
  for (const SupersededOutcome& s : v.superseded) {
    std::cout << "SUPERSEDED " << DescribeSuperseded(s, labels) << "\n";
  }
  for (const IgnoredRecord& i : d.ignored) {
    if (i.lost_to) continue;  // listed above
    std::cout << "ignored " << i.kind << " " << i.id.hex().substr(0, 16) << ": " << i.reason
              << "\n";
  }
}

int RunShow(const Context& ctx, const SubArgs& a) {
  auto l = Load(ctx, a.id);
  if (!l.ok()) return Fail(l.status());
  auto files = FileBytesOf(*l->node, l->sub().id);
  if (!files.ok()) return Fail(files.status());
  if (ctx.json) {
    nlohmann::json doc = SubmissionViewJson(l->view, UnverifiedReason(*l->node));
    AddFileBytes(*l->node, *files, doc);
    PrintJson(doc);
  } else {
    auto labels = KeyLabels::Load(*l->node);
    if (!labels.ok()) return Fail(labels.status());
    PrintSubmission(*l->node, l->view, *files, *labels);
  }
  return kExitOk;
}

CLI::App* Sub(CLI::App* parent, Context& ctx, const char* name, const char* help, SubArgs& a,
              bool writes) {
  CLI::App* c = parent->add_subcommand(name, help);
  AddDirOption(c, ctx);
  AddJsonOption(c, ctx);
  if (writes) AddAsOption(c, a.as);
  return c;
}

}  // namespace

void RegisterSubmissionCommands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<SubArgs>();
  CLI::App* sub =
      app.add_subcommand("submission", "An educator's submission for a micro-credential");
  sub->require_subcommand(1);

  CLI::App* open =
      Sub(sub, ctx, "open", "Start a submission for a definition; prints its id", *a, true);
  open->add_option("DEFINITION", a->id, "Definition id")->required();
  open->add_option("--version", a->version, "Definition version (default: current)");
  open->add_option("--school", a->school, "School id of the scope (default: this node's school)");
  OnRun(open, ctx, [&ctx, a] { return RunOpen(ctx, *a); });

  CLI::App* refl = Sub(sub, ctx, "reflect", "Write the pre- or post-reflection", *a, true);
  refl->add_option("ID", a->id, "Submission id")->required();
  refl->add_flag("--pre", a->pre, "Pre-reflection");
  refl->add_flag("--post", a->post, "Post-reflection");
  AddFreeText(refl, "TEXT", a->text, "Reflection text", TextNeed::kRequired);
  OnRun(refl, ctx, [&ctx, a] { return RunReflect(ctx, *a); });

  CLI::App* ev = Sub(sub, ctx, "evidence", "Add evidence to a slot (text, or a file)", *a, true);
  ev->add_option("ID", a->id, "Submission id")->required();
  ev->add_option("--slot", a->slot, "Evidence slot id")->required();
  AddFreeText(ev, "--text", a->text, "Evidence text (or attach a file with --file)");
  ev->add_option("--file", a->file,
                 "Evidence file: stored in the node's chunk store; at most config max_file_mb "
                 "(default 1024 MiB) per file and max_submission_mb per attempt");
  ev->add_option("--type", a->type,
                 "Media type of --file (default: guessed from its content and name)");
  ev->add_flag("--student-outcome", a->student_outcome,
               "This evidence shows the effect on students (student work, results, recordings); "
               "a slot whose definition requires proof of student outcome needs at least one");
  OnRun(ev, ctx, [&ctx, a] { return RunEvidence(ctx, *a); });

  CLI::App* submit = Sub(sub, ctx, "submit", "Submit the current attempt (freezes it)", *a, true);
  submit->add_option("ID", a->id, "Submission id")->required();
  OnRun(submit, ctx, [&ctx, a] { return RunSubmit(ctx, *a); });

  CLI::App* wd = Sub(sub, ctx, "withdraw", "Withdraw the submission", *a, true);
  wd->add_option("ID", a->id, "Submission id")->required();
  OnRun(wd, ctx, [&ctx, a] { return RunWithdraw(ctx, *a); });

  CLI::App* rs =
      Sub(sub, ctx, "resubmit", "Start a new attempt after a not-yet decision", *a, true);
  rs->add_option("ID", a->id, "Submission id")->required();
  OnRun(rs, ctx, [&ctx, a] { return RunResubmit(ctx, *a); });

  CLI::App* list = Sub(sub, ctx, "list", "List submissions", *a, false);
  list->add_option("--status", a->status,
                   "draft|submitted|not_yet|awarded|withdrawn|waiting_definition");
  list->add_option("--educator,--for", a->educator,
                   "Only this person's submissions, under any of their keys: name or key prefix");
  list->add_option("--definition", a->definition, "Definition id");
  OnRun(list, ctx, [&ctx, a] { return RunList(ctx, *a); });

  CLI::App* show =
      Sub(sub, ctx, "show", "Show a submission: attempts, evidence, reviews, decision, award", *a,
          false);
  show->add_option("ID", a->id, "Submission id (or unique prefix)")->required();
  OnRun(show, ctx, [&ctx, a] { return RunShow(ctx, *a); });

  CLI::App* review = app.add_subcommand("review", "Reviews of submitted attempts");
  review->require_subcommand(1);
  CLI::App* add =
      Sub(review, ctx, "add", "Score the current attempt against the rubric and decide", *a, true);
  add->add_option("ID", a->id, "Submission id")->required();
  add->add_option("--level", a->levels,
                  "CRITERION=LEVEL, once per rubric criterion; without it, a terminal walks the "
                  "criteria one by one, showing each level's descriptor");
  AddFreeText(add, "--feedback", a->feedback, "Feedback for the educator (required)",
              TextNeed::kRequired);
  add->add_option("--decision", a->decision,
                  "awarded or not-yet (required with --level; asked for on a terminal)");
  OnRun(add, ctx, [&ctx, a] { return RunReview(ctx, *a); });
  RegisterReviewQueueCommand(review, ctx);
}

}  // namespace credmesh::cli
