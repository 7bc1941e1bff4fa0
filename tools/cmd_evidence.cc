// credmesh evidence get|list: a reviewer opens the files of a submission.
// The bytes come from the node's chunk store, each chunk and the whole file
// hash-checked (node/evidence_files.h, docs/files.md).
#include <filesystem>
#include <iostream>

#include "node/evidence_files.h"
#include "tools/cli.h"

namespace credmesh::cli {
namespace {

struct EvidenceArgs {
  std::string submission;
  std::string slot;
  std::string out;
  int64_t attempt = 0;  // 0: every attempt
  bool force = false;
};

nlohmann::json EntryJson(const EvidenceFileEntry& e) {
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
    for (const auto& e : *files) arr.push_back(EntryJson(e));
    PrintJson({{"files", arr}});
    return kExitOk;
  }
  for (const auto& e : *files) {
    std::cout << "attempt " << e.attempt << " [" << e.slot << "] " << e.file.name << "  "
              << e.file.type << ", " << e.file.size << " bytes: " << FileBytesName(e.bytes);
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
    if (e.bytes == FileBytes::kNotRecorded) {
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
    nlohmann::json j = EntryJson(e);
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
}

}  // namespace credmesh::cli
