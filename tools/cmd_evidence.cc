// credmesh evidence get|list|purge: a reviewer opens the files of a
// submission; an admin purges one (a privacy request). The bytes come from
// the node's chunk store, each chunk and the whole file hash-checked
// (node/evidence_files.h, node/evidence_purge.h, docs/files.md).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <set>

#include "node/evidence_files.h"
#include "node/evidence_purge.h"
#include "tools/cli.h"
#include "tools/cred_cli.h"

namespace credmesh::cli {
namespace {

struct EvidenceArgs {
  std::string submission;
  std::string slot;
  std::string out;
  int64_t attempt = 0;  // 0: every attempt
  bool force = false;
};

nlohmann::json EntryJson(Node& node, const EvidenceFileEntry& e) {
  nlohmann::json j = {{"record", e.record.hex()},
                      {"attempt", e.attempt},
                      {"slot", e.slot},
                      {"name", e.file.name},
                      {"type", e.file.type},
                      {"size", e.file.size},
                      {"hash", e.file.hash.hex()},
                      {"bytes", FileBytesName(e.bytes)}};
  if (BytesMissing(e.bytes)) {
    j["chunks_present"] = e.availability.chunks_present;
    j["chunks_total"] = e.availability.chunks_total;
    j["bytes_missing"] = e.availability.bytes_missing;
  }
  if (e.purge) j["purged"] = PurgeJson(node, *e.purge);
  return j;
}

// The node's chunk store and the submission's file evidence the arguments select.
struct Selected {
  std::unique_ptr<Node> node;
  ChunkStore chunks;
  std::vector<EvidenceFileEntry> files;
};

Result<Selected> Select(const Context& ctx, const EvidenceArgs& a) {
  CREDMESH_ASSIGN_OR_RETURN(auto node, OpenNode(ctx));
  CREDMESH_ASSIGN_OR_RETURN(ChunkStore chunks, ChunkStore::Open(node->Path(Node::kChunkDir)));
  std::optional<int64_t> attempt;
  if (a.attempt > 0) attempt = a.attempt;
  CREDMESH_ASSIGN_OR_RETURN(auto files,
                            EvidenceFilesOf(node->store(), chunks, a.submission, attempt, a.slot));
  if (files.empty()) {
    return Status::NotFound("submission " + a.submission + " has no file evidence" +
                            (a.slot.empty() ? "" : " in slot " + a.slot) + " on this node");
  }
  return Selected{std::move(node), std::move(chunks), std::move(files)};
}

int RunList(const Context& ctx, const EvidenceArgs& a) {
  auto selected = Select(ctx, a);
  if (!selected.ok()) return Fail(selected.status());
  const std::vector<EvidenceFileEntry>* files = &selected->files;
  if (ctx.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& e : *files) arr.push_back(EntryJson(*selected->node, e));
    PrintJson({{"files", arr}});
    return kExitOk;
  }
  for (const auto& e : *files) {
    std::cout << "attempt " << e.attempt << " [" << e.slot << "] " << e.file.name << "  "
              << e.file.type << ", " << e.file.size << " bytes: "
              << (e.purge ? PurgeText(*selected->node, *e.purge) : FileBytesName(e.bytes));
    if (BytesMissing(e.bytes))
      std::cout << " (" << e.availability.bytes_missing << " bytes missing)";
    std::cout << "\n";
  }
  return kExitOk;
}

int RunGet(const Context& ctx, const EvidenceArgs& a) {
  auto selected = Select(ctx, a);
  if (!selected.ok()) return Fail(selected.status());
  const std::vector<EvidenceFileEntry>* files = &selected->files;
  const std::filesystem::path dir(a.out.empty() ? a.submission : a.out);
  int failed = 0;
  nlohmann::json written = nlohmann::json::array();
  for (const auto& e : *files) {
    // DIR/attempt-N/SLOT/NAME: names may repeat across slots and attempts.
    const auto sub = dir / ("attempt-" + std::to_string(e.attempt)) / e.slot;
    const auto target = sub / e.file.name;
    Status s;
    if (e.purge) {
      s = Status::FailedPrecondition("it was " + PurgeText(*selected->node, *e.purge) +
                                     "; its bytes were deleted and cannot be fetched");
    } else if (e.bytes == FileBytes::kNotRecorded) {
      s = Status::NotFound("its bytes were never recorded (attached before credmesh stored files)");
    } else if (BytesMissing(e.bytes)) {
      s = Status::Unavailable(
          "not all of it is here yet: " + std::to_string(e.availability.bytes_missing) +
          " bytes missing (sync with a node that has it)");
    } else {
      std::error_code ec;
      std::filesystem::create_directories(sub, ec);
      if (ec) s = Status::IoError("create " + sub.string() + ": " + ec.message());
      if (s.ok() && a.force) std::filesystem::remove(target, ec);
      if (s.ok()) s = AssembleFile(selected->chunks, ManifestOf(e.file), target.string());
    }
    nlohmann::json j = EntryJson(*selected->node, e);
    j["path"] = target.string();
    j["ok"] = s.ok();
    if (!s.ok()) {
      ++failed;
      j["error"] = s.message();
      std::cerr << "credmesh: error: " << e.file.name << " [" << e.slot << "]: " << s.message()
                << "\n";
    } else if (!ctx.json) {
      std::cout << target.string() << "\n";
    }
    written.push_back(j);
  }
  if (ctx.json) PrintJson({{"files", written}});
  return failed ? kExitFailure : kExitOk;
}

struct PurgeArgs {
  std::string hash;  // hex, or a unique prefix of at least 8 digits
  std::string reason;
  std::string as;
  std::string scope;
};

// The one (scope, file) the arguments name among the files this node holds.
Result<KnownFile> ResolvePurgeTarget(Node& node, const PurgeArgs& a) {
  std::string hex = a.hash;
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  CREDMESH_ASSIGN_OR_RETURN(auto found, EvidencePurges(node.store().db()).FindFiles(hex, 64));
  std::vector<KnownFile> files;
  for (auto& f : found) {
    if (a.scope.empty() || f.scope == a.scope) files.push_back(std::move(f));
  }
  if (files.empty()) {
    return Status::NotFound("no evidence file with hash " + hex + " on this node" +
                            (a.scope.empty() ? "" : " in " + a.scope) +
                            " (see: credmesh evidence list SUBMISSION --json)");
  }
  std::set<Hash256> hashes;
  std::set<std::string> scopes;
  for (const auto& f : files) {
    hashes.insert(f.file);
    scopes.insert(f.scope);
  }
  if (hashes.size() > 1) {
    std::string list;
    for (const auto& h : hashes) list += (list.empty() ? "" : ", ") + h.hex().substr(0, 16);
    return Status::InvalidArgument("hash prefix " + hex + " is ambiguous: it matches " + list +
                                   "; give more digits");
  }
  if (scopes.size() > 1) {
    std::string list;
    for (const auto& s : scopes) list += (list.empty() ? "" : ", ") + s;
    return Status::InvalidArgument("file " + hex + " is evidence in several scopes (" + list +
                                   "): choose one with --scope");
  }
  return files.front();
}

int RunPurge(const Context& ctx, const PurgeArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  auto target = ResolvePurgeTarget(n, a);
  if (!target.ok()) return Fail(target.status());
  const std::string file_hex = target->file.hex();
  auto existing = EvidencePurges(n.store().db()).Find(target->scope, target->file);
  if (!existing.ok()) return Fail(existing.status());
  if (*existing) {
    // Idempotent: the file's bytes are already gone (or going) everywhere
    // the first purge reaches.
    if (ctx.json) {
      PrintJson({{"file", file_hex},
                 {"scope", target->scope},
                 {"already_purged", true},
                 {"purged", PurgeJson(n, **existing)}});
    } else {
      std::cout << "file " << file_hex.substr(0, 16) << " in " << target->scope << " was already "
                << PurgeText(n, **existing) << "; nothing to do\n";
    }
    return kExitOk;
  }
  auto key = SignerFor(n, a.as);
  if (!key.ok()) return Fail(key.status());
  auto rec = n.ledger().Write(kEvidencePurgeKind, target->scope, PurgeEntity(target->file),
                              PurgeBody{target->file, a.reason}.ToValue(), **key);
  if (!rec.ok()) {
    if (rec.status().code() == Status::Code::kUnauthorized) {
      return Fail("only an admin of " + target->scope +
                  " or of the district may purge its evidence: " + rec.status().message());
    }
    return Fail(rec.status());
  }
  // The commit ran the deletion (Projection::AfterCommit).
  if (const Status& s = n.ledger().last_after_commit_error(); !s.ok()) {
    return Fail("the purge is recorded (" + rec->id().hex() +
                "), but deleting its chunks failed; it is retried when the node next opens: " +
                s.message());
  }
  if (ctx.json) {
    PrintJson({{"file", file_hex},
               {"scope", target->scope},
               {"already_purged", false},
               {"record", rec->id().hex()}});
  } else {
    std::cout << "purged file " << file_hex.substr(0, 16) << " in " << target->scope
              << ": its chunks are deleted here, and on every node the record reaches\n"
              << rec->id().hex() << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterEvidenceCommands(CLI::App& app, Context& ctx) {
  CLI::App* ev = app.add_subcommand("evidence", "Evidence files of a submission");
  ev->require_subcommand(1);
  auto args = std::make_shared<EvidenceArgs>();
  auto common = [&ctx, args](CLI::App* c) {
    AddDirOption(c, ctx);
    AddJsonOption(c, ctx);
    c->add_option("SUBMISSION", args->submission, "Submission id")->required();
    c->add_option("--slot", args->slot, "Only this evidence slot");
    c->add_option("--attempt", args->attempt, "Only this attempt (default: every attempt)")
        ->check(CLI::PositiveNumber);
  };
  CLI::App* list =
      ev->add_subcommand("list", "List a submission's files and whether their bytes are here");
  common(list);
  OnRun(list, ctx, [&ctx, args] { return RunList(ctx, *args); });
  CLI::App* get = ev->add_subcommand(
      "get",
      "Write a submission's files, hash-checked, to DIR/attempt-N/SLOT/NAME (for reviewers)");
  common(get);
  get->add_option("-o,--out", args->out, "Output directory (default: ./SUBMISSION)");
  get->add_flag("--force", args->force, "Overwrite files that already exist");
  OnRun(get, ctx, [&ctx, args] { return RunGet(ctx, *args); });

  auto pargs = std::make_shared<PurgeArgs>();
  CLI::App* purge = ev->add_subcommand(
      "purge",
      "Purge a file (privacy request): a signed record that makes every node delete its bytes "
      "for good; the evidence record stays as a tombstone. Admins only");
  AddDirOption(purge, ctx);
  AddJsonOption(purge, ctx);
  purge
      ->add_option("FILE_HASH", pargs->hash,
                   "The file's hash (evidence list --json), or a unique prefix of 8+ hex digits")
      ->required()
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            const bool hex = std::all_of(v.begin(), v.end(),
                                         [](unsigned char c) { return std::isxdigit(c) != 0; });
            if (!hex || v.size() < 8 || v.size() > 64) return "must be 8 to 64 hex digits";
            return "";
          },
          "HEX"));
  purge
      ->add_option("--reason", pargs->reason,
                   "Why (shown with the tombstone, in the evidence's scope only)")
      ->required()
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            if (v.empty()) return "must not be empty";
            if (v.size() > PurgeBody::kMaxPurgeReason)
              return "at most " + std::to_string(PurgeBody::kMaxPurgeReason) + " bytes";
            return "";
          },
          "TEXT"));
  purge
      ->add_option("--as", pargs->as,
                   "The admin who signs (an admin of the school or the district)")
      ->required();
  purge->add_option("--scope", pargs->scope,
                    "The evidence's scope (school/<s>), when the file is evidence in several");
  OnRun(purge, ctx, [&ctx, pargs] { return RunPurge(ctx, *pargs); });
}

}  // namespace credmesh::cli
