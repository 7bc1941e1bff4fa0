// credmesh export / import: carry signed records between nodes as a file
// (sneakernet), in the format of protocol/record_file.h. Import goes through
// Ledger::Ingest, so every record is verified and authorized exactly as if it
// came over the network.
#include <fstream>
#include <iostream>

#include "protocol/record_file.h"
#include "storage/key_file.h"
#include "tools/cli.h"

namespace credmesh::cli {
namespace {

constexpr size_t kBatch = 2000;

struct TransferArgs {
  std::vector<std::string> scopes;
  std::string file;
  bool force = false;  // export: overwrite the output file
};

int RunExport(const Context& ctx, const TransferArgs& a) {
  if (Status s = CheckOverwrite(a.file, a.force); !s.ok()) return Fail(s);
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  std::string out(kRecordFileMagic);
  size_t count = 0;
  auto add = [&](const RecordRow&, ByteView bytes) {
    AppendRecordFileEntry(out, bytes);
    ++count;
    return Status::Ok();
  };
  std::vector<std::optional<std::string>> scopes;
  for (const auto& s : a.scopes) scopes.push_back(s);
  if (scopes.empty()) scopes.push_back(std::nullopt);
  for (const auto& s : scopes) {
    RecordQuery q;
    q.scope = s;
    Status st = (*node)->store().records().ForEach(q, add);
    if (!st.ok()) return Fail(st);
  }
  Status st = WriteFileAtomic(a.file, out, 0600);
  if (!st.ok()) return Fail(st);
  std::cout << "exported " << count << " record(s) to " << a.file << "\n";
  return kExitOk;
}

Result<std::vector<Bytes>> ReadRecordsFile(const std::string& path) {
  CREDMESH_ASSIGN_OR_RETURN(std::string data, ReadFile(path));
  auto records = ParseRecordFile(data);
  if (!records.ok()) return records.status().WithContext(path);
  return records;
}

int RunImport(const Context& ctx, const TransferArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  auto records = ReadRecordsFile(a.file);
  if (!records.ok()) return Fail(records.status());
  IngestSummary total;
  for (size_t i = 0; i < records->size(); i += kBatch) {
    size_t end = std::min(records->size(), i + kBatch);
    std::vector<Bytes> batch(records->begin() + i, records->begin() + end);
    auto s = (*node)->ledger().Ingest(std::move(batch), (*node)->config().verify_threads);
    if (!s.ok()) return Fail(s.status());
    total += *s;
  }
  // Without a district root, "valid" would be a lie: nobody's authority was
  // checked, so the records count as unverified.
  const auto unverified = UnverifiedReason(**node);
  const size_t valid = unverified ? 0 : total.valid;
  const size_t unchecked = unverified ? total.valid : 0;
  if (ctx.json) {
    nlohmann::json j = {{"received", total.received},
                        {"inserted", total.inserted},
                        {"duplicates", total.duplicates},
                        {"rejected", total.rejected},
                        {"valid", valid},
                        {"unverified", unchecked},
                        {"pending", total.pending},
                        {"denied", total.denied},
                        {"errors", total.errors}};
    if (unverified) j["unverified_reason"] = *unverified;
    PrintJson(j);
  } else {
    std::cout << "imported " << total.received << " record(s): " << total.inserted << " new ("
              << (unverified ? std::to_string(unchecked) + " unverified, "
                             : std::to_string(valid) + " valid, ")
              << total.pending << " pending, " << total.denied << " denied), " << total.duplicates
              << " duplicate(s), " << total.rejected << " rejected\n";
    if (unverified) std::cout << "  unverified: " << *unverified << "\n";
    for (const auto& e : total.errors) std::cout << "  rejected: " << e << "\n";
  }
  return total.rejected ? kExitFailure : kExitOk;
}

}  // namespace

void RegisterTransferCommands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<TransferArgs>();
  CLI::App* exp =
      app.add_subcommand("export", "Write records to a file (to carry to another node)");
  AddDirOption(exp, ctx);
  exp->add_option("--scope", a->scopes, "Only records of this scope (repeatable; default: all)");
  exp->add_option("-o,--output", a->file, "File to write (refused if it exists, unless --force)")
      ->required();
  AddForceOption(exp, a->force);
  OnRun(exp, ctx, [&ctx, a] { return RunExport(ctx, *a); });

  CLI::App* imp = app.add_subcommand("import", "Verify, authorize and store the records of a file");
  AddDirOption(imp, ctx);
  AddJsonOption(imp, ctx);
  imp->add_option("FILE", a->file, "File written by credmesh export")->required();
  OnRun(imp, ctx, [&ctx, a] { return RunImport(ctx, *a); });
}

}  // namespace credmesh::cli
