// credmesh review queue, and the interactive rubric walk of `review add`
// (registered with the rest of `review` in cmd_submission.cc): a reviewer
// works from the attempts this node holds — on the hub, every school's.
#include <unistd.h>

#include <iostream>
#include <map>

#include "node/credentials/catalog_projection.h"
#include "node/credentials/review_queue.h"
#include "node/evidence_files.h"
#include "node/trust/trust_engine.h"
#include "node/trust/trust_index.h"
#include "protocol/hlc.h"
#include "tools/catalog_text.h"
#include "tools/cred_cli.h"
#include "tools/cred_json.h"

namespace credmesh::cli {
namespace {

struct QueueArgs {
  std::string as;
  bool mine = false;
};

// Whether `who` may write review.add in `scope` now: a reviewer (or admin)
// grant covering it, by the district's trust facts. A node outside a district
// has no policy: everyone may.
Result<bool> MayReviewNow(Node& node, const PublicKey& who, const std::string& scope) {
  const NodeConfig& c = node.config();
  auto root = PublicKey::FromHex(c.root_key);
  if (c.district.empty() || !root) return true;
  TrustView view(c.district, *root);
  CREDMESH_ASSIGN_OR_RETURN(auto facts, TrustIndex(node.store().db()).FactsOf(who));
  for (const TrustFact& f : facts) view.Add(f);
  // A grant issued in this very millisecond counts: the last HLC of it.
  const uint64_t now =
      HybridClock::Make(SystemClock::Instance().NowMillis(), (1u << HybridClock::kLogicalBits) - 1);
  return MayWrite(view.RolesAt(who, now, scope), kReviewAddKind, scope, c.district);
}

// Files of the queued attempts: whether their bytes are here, by record.
Result<std::map<RecordId, EvidenceFileEntry>> QueuedFileBytes(Node& node,
                                                              const std::vector<QueueEntry>& q) {
  CREDMESH_ASSIGN_OR_RETURN(ChunkStore chunks, ChunkStore::Open(node.Path(Node::kChunkDir)));
  std::map<RecordId, EvidenceFileEntry> out;
  for (const QueueEntry& e : q) {
    CREDMESH_ASSIGN_OR_RETURN(auto files, EvidenceFilesOf(node.store(), chunks, e.submission));
    for (auto& f : files) out.emplace(f.record, std::move(f));
  }
  return out;
}

std::string FileState(const std::map<RecordId, EvidenceFileEntry>& files, const RecordId& id) {
  auto it = files.find(id);
  if (it == files.end()) return "";
  std::string s = FileBytesName(it->second.bytes);
  if (it->second.bytes == FileBytes::kIncomplete) {
    s += ", " + std::to_string(it->second.availability.bytes_missing) + " bytes missing";
  }
  return s;
}

void PrintEvidence(const EvidenceItem& item, const std::map<RecordId, EvidenceFileEntry>& files) {
  std::string head = item.body.student_outcome.value_or(false) ? "[student outcome] " : "";
  if (item.body.text) {
    std::cout << Bullet(head + *item.body.text, 6);
  } else if (item.body.file) {
    const EvidenceFile& f = *item.body.file;
    std::string state = FileState(files, item.id);
    std::cout << "      - " << head << "file " << f.name << " (" << f.type << ", " << f.size
              << " bytes" << (state.empty() ? "" : ": " + state) << ")  record "
              << item.id.hex().substr(0, 16) << "\n";
  }
}

void PrintEntry(const QueueEntry& e, const std::map<RecordId, EvidenceFileEntry>& files,
                const KeyLabels& labels) {
  const CredentialDefinition& d = e.definition;
  std::cout << e.submission << "  attempt " << e.attempt << "  " << d.id << " v" << d.version
            << "  in " << e.scope << "\n"
            << "  " << d.title << "\n"
            << "  educator " << labels.Label(e.educator) << ", submitted "
            << FormatHlc(e.submitted_hlc) << "\n";
  for (const ReviewItem& r : e.earlier_reviews) {
    std::cout << Wrap("earlier review by " + labels.Label(r.reviewer) + " (" + r.body.decision +
                          ", total " + std::to_string(r.total) + "): " + r.body.feedback,
                      2);
  }
  if (e.pre) std::cout << Wrap("pre-reflection: " + e.pre->text, 2);
  if (e.post) std::cout << Wrap("post-reflection: " + e.post->text, 2);
  for (const QueueSlot& q : e.slots) {
    std::cout << "\n  [" << q.slot.id << "] " << q.slot.title << "  (" << AcceptsText(q.slot)
              << ")\n";
    std::cout << Wrap("what counts: " + q.slot.what_counts, 4);
    if (q.slot.proof_of_student_outcome_required) {
      std::cout << (q.student_outcome_missing
                        ? "    * proof of student outcome required: NONE of this evidence is "
                          "marked as showing it\n"
                        : "    * proof of student outcome required\n");
    }
    std::cout << "    evidence:\n";
    for (const EvidenceItem& item : q.evidence) PrintEvidence(item, files);
    for (const RubricCriterion& c : q.criteria) PrintCriterion(std::cout, c, d.rubric, 4);
  }
  if (!e.whole_criteria.empty()) {
    std::cout << "\n  the whole submission:\n";
    for (const RubricCriterion& c : e.whole_criteria) PrintCriterion(std::cout, c, d.rubric, 4);
  }
  std::cout << "\n  awarded when:";
  for (const std::string& line : PassingRuleLines(d.rubric)) std::cout << " " << line << ";";
  std::cout << "\n  review: credmesh review add " << e.submission
            << " --as REVIEWER --feedback TEXT  (walks the rubric on a terminal)\n\n";
}

int RunQueue(const Context& ctx, const QueueArgs& a) {
  if (a.mine && a.as.empty()) {
    std::cerr << "credmesh: error: --mine needs --as REVIEWER (whose queue)\n";
    return kExitUsage;
  }
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  std::optional<PublicKey> reviewer;
  if (!a.as.empty()) {
    auto k = ResolvePerson(n, a.as);
    if (!k.ok()) return Fail(k.status().WithContext("--as " + a.as));
    reviewer = *k;
  }
  auto queue = ReviewQueue(n.store());
  if (!queue.ok()) return Fail(queue.status());
  std::vector<QueueEntry> shown;
  for (auto& e : *queue) {
    if (reviewer && e.educator == *reviewer) continue;  // nobody reviews their own work
    if (a.mine) {
      auto may = MayReviewNow(n, *reviewer, e.scope);
      if (!may.ok()) return Fail(may.status());
      if (!*may) continue;
    }
    shown.push_back(std::move(e));
  }
  auto files = QueuedFileBytes(n, shown);
  if (!files.ok()) return Fail(files.status());
  auto labels = KeyLabels::Load(n);
  if (!labels.ok()) return Fail(labels.status());
  if (ctx.json) {
    auto entries = nlohmann::json::array();
    for (const auto& e : shown) {
      nlohmann::json j = QueueEntryJson(e);
      j["educator_name"] = labels->NameJson(e.educator);
      for (size_t i = 0; i < e.earlier_reviews.size(); ++i) {
        j["earlier_reviews"][i]["reviewer_name"] = labels->NameJson(e.earlier_reviews[i].reviewer);
      }
      for (auto& slot : j["slots"]) {
        for (auto& ev : slot["evidence"]) {
          if (!ev.contains("file")) continue;
          auto id = RecordId::FromHex(ev["record"].get<std::string>());
          if (auto it = id ? files->find(*id) : files->end(); it != files->end()) {
            ev["file"]["bytes"] = FileBytesName(it->second.bytes);
          }
        }
      }
      entries.push_back(std::move(j));
    }
    PrintJson({{"queue", entries}});
    return kExitOk;
  }
  for (const auto& e : shown) PrintEntry(e, *files, *labels);
  std::cerr << shown.size() << " attempt(s) awaiting review"
            << (a.mine ? " that " + a.as + " may review" : " on this node") << "\n";
  return kExitOk;
}

// Reads one answer: a level id, its number in the list, or its title.
const RubricLevel* LevelFromAnswer(const Rubric& rubric, const std::string& answer) {
  for (size_t i = 0; i < rubric.levels.size(); ++i) {
    const RubricLevel& l = rubric.levels[i];
    if (answer == l.id || answer == l.title || answer == std::to_string(i + 1)) return &l;
  }
  return nullptr;
}

}  // namespace

bool StdinIsTty() { return ::isatty(STDIN_FILENO) == 1; }

Result<std::map<std::string, std::string>> AskLevels(const CredentialDefinition& d,
                                                     std::istream& in, std::ostream& out) {
  std::map<std::string, std::string> chosen;
  const Rubric& rubric = d.rubric;
  out << "Scoring " << d.id << " v" << d.version << " (" << rubric.criteria.size()
      << " criteria). Answer with a level's number or id.\n";
  for (const RubricCriterion& c : rubric.criteria) {
    out << "\n";
    PrintCriterion(out, c, rubric, 0);
    while (true) {
      out << c.id << " [1-" << rubric.levels.size() << "]: " << std::flush;
      std::string line;
      if (!std::getline(in, line)) {
        return Status::FailedPrecondition("no level chosen for " + c.id + " (input ended)");
      }
      const size_t b = line.find_first_not_of(" \t"), e = line.find_last_not_of(" \t\r");
      line = b == std::string::npos ? "" : line.substr(b, e - b + 1);
      if (const RubricLevel* l = LevelFromAnswer(rubric, line)) {
        chosen[c.id] = l->id;
        break;
      }
      out << "  no level \"" << line << "\"; choose 1-" << rubric.levels.size()
          << " or a level id\n";
    }
  }
  CREDMESH_ASSIGN_OR_RETURN(RubricJudgement j, rubric.Judge(chosen));
  out << "\ntotal " << j.total << ": " << (j.passed ? "the passing rule holds" : "not yet");
  for (const auto& u : j.unmet) out << "\n  " << u;
  out << "\n";
  return chosen;
}

void RegisterReviewQueueCommand(CLI::App* review, Context& ctx) {
  auto a = std::make_shared<QueueArgs>();
  CLI::App* q = review->add_subcommand(
      "queue",
      "Submitted attempts awaiting review that this node holds (a hub: every school's), each "
      "slot's evidence beside the rubric criteria and level descriptors that judge it");
  AddDirOption(q, ctx);
  AddJsonOption(q, ctx);
  q->add_option("--as", a->as,
                "The reviewer (name or key prefix): leaves out their own submissions; with --mine, "
                "whose queue");
  q->add_flag("--mine", a->mine,
              "Only attempts --as may review now: a reviewer grant covering the school, not "
              "their own submission");
  OnRun(q, ctx, [&ctx, a] { return RunQueue(ctx, *a); });
}

}  // namespace credmesh::cli
