// credmesh bundle export|import|state: sneakernet bundles, signed by the
// exporting node, encrypted to the receiving node, carrying records and
// evidence file chunks, optionally only what the receiver's state lacks
// (docs/bundle-format.md).
#include <iostream>

#include "node/bundle/bundle_export.h"
#include "node/bundle/bundle_import.h"
#include "node/bundle/bundle_state.h"
#include "node/trust/trust_records.h"
#include "node/trust_peer_policy.h"
#include "protocol/hlc.h"
#include "storage/key_file.h"
#include "storage/posix_file.h"
#include "tools/cli.h"

namespace credmesh::cli {
namespace {

struct BundleArgs {
  std::string for_node;
  std::vector<std::string> scopes;
  bool public_bundle = false;
  std::string output, since, file;
  bool force = false;
};

uint64_t NowHlcOf(Node& node) { return HybridClock::Make(node.clock().NowMillis(), 0xffff); }

Status CheckDistrictNode(const Node& node) {
  if (node.config().district.empty())
    return Status::FailedPrecondition(
        "bundles travel between nodes of a district: this node is not enrolled in one "
        "(credmesh export/import carry plain record files)");
  return Status::Ok();
}

Result<ChunkStore> ChunksOfNode(Node& node) { return ChunkStore::Open(node.Path(Node::kChunkDir)); }

std::string Mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

// A progress line on stderr when it is a terminal.
std::function<void(const BundleIoStats&)> ProgressLine(const char* verb) {
  if (!StderrIsTty()) return {};
  return [verb](const BundleIoStats& s) {
    std::cerr << "\r  " << verb << ": " << s.counts.records << " records, " << s.counts.chunks
              << " chunks, " << Mib(s.bytes) << "   " << std::flush;
  };
}

void ClearProgressLine() {
  if (StderrIsTty()) std::cerr << "\r" << std::string(70, ' ') << "\r";
}

int RunBundleExport(const Context& ctx, const BundleArgs& a) {
  if (a.for_node.empty() && !a.public_bundle) {
    std::cerr << "credmesh: error: bundle export needs --for NODE (encrypted to that node), or "
                 "--scope S --public for a plaintext bundle anyone can read\n";
    return kExitUsage;
  }
  if (Status s = CheckOverwrite(a.output, a.force); !s.ok()) return Fail(s);
  auto opened = OpenNode(ctx);
  if (!opened.ok()) return Fail(opened.status());
  Node& node = **opened;
  if (Status s = CheckDistrictNode(node); !s.ok()) return Fail(s);
  const std::string& district = node.config().district;
  auto chunks = ChunksOfNode(node);
  if (!chunks.ok()) return Fail(chunks.status());
  TrustPeerPolicy policy(node);

  BundleExportRequest req;
  std::optional<BundleState> since;
  std::string to = "anyone (public)";
  if (!a.for_node.empty()) {
    auto rcpt = ResolveBundleRecipient(node.store().db(), a.for_node, district, NowHlcOf(node));
    if (!rcpt.ok()) return Fail(rcpt.status());
    auto scopes = BundleScopesFor(node.store(), policy, rcpt->cert);
    if (!scopes.ok()) return Fail(scopes.status());
    if (!a.scopes.empty()) {
      // Only the named scopes, each of which must be allowed.
      for (const std::string& s : a.scopes) {
        if (std::find(scopes->begin(), scopes->end(), s) == scopes->end())
          return Fail("scope " + s + " is not one this node holds that " + a.for_node +
                      " may read");
      }
      *scopes = a.scopes;
    }
    req.scopes = *scopes;
    req.recipient = rcpt->key;
    to = a.for_node + " (" + ShortKey(rcpt->key) + ")";
    if (!a.since.empty()) {
      auto text = ReadFile(a.since);
      if (!text.ok()) return Fail(text.status());
      auto st = BundleState::Parse(AsBytes(*text));
      if (!st.ok()) return Fail(st.status().WithContext(a.since));
      if (st->node != rcpt->key || st->district != district)
        return Fail(a.since + " describes node " + ShortKey(st->node) + " of district " +
                    st->district + ", not " + a.for_node);
      since = std::move(*st);
      req.since = &*since;
    }
  } else {
    req.scopes = a.scopes;
  }
  if (req.scopes.empty()) return Fail("nothing to export: no scope " + a.for_node + " may read");
  req.progress = ProgressLine("exporting");
  ScopeItemCache cache(node.store());
  auto sum = ExportBundle(node.store(), cache, *chunks, node.identity(), district,
                          node.clock().NowMillis(), std::move(req), a.output);
  ClearProgressLine();
  if (!sum.ok()) return Fail(sum.status());
  std::cout << "exported " << sum->io.counts.records << " record(s) and " << sum->io.counts.chunks
            << " file chunk(s) of " << sum->io.counts.scopes << " scope(s) to " << a.output << " ("
            << Mib(sum->io.bytes) << "), "
            << (a.public_bundle ? "signed, NOT encrypted, for " : "signed and encrypted for ") << to
            << "\n";
  if (!a.since.empty())
    std::cout << "  since " << a.since << ": " << sum->ranges_same << " range(s) and "
              << sum->chunks_held << " chunk(s) already there\n";
  if (sum->chunks_missing > 0)
    std::cout << "  " << sum->chunks_missing
              << " chunk(s) named by evidence records are not on this node either\n";
  return kExitOk;
}

int RunBundleState(const Context& ctx, const BundleArgs& a) {
  if (Status s = CheckOverwrite(a.output, a.force); !s.ok()) return Fail(s);
  auto opened = OpenNode(ctx);
  if (!opened.ok()) return Fail(opened.status());
  Node& node = **opened;
  if (Status s = CheckDistrictNode(node); !s.ok()) return Fail(s);
  auto chunks = ChunksOfNode(node);
  if (!chunks.ok()) return Fail(chunks.status());
  ScopeItemCache cache(node.store());
  FixedBytes<16> key;
  RandomBytes(key.data.data(), key.data.size());
  auto st = SummarizeHoldings(node.store(), cache, *chunks, node.identity().public_key(),
                              node.config().district, node.clock().NowMillis(), key);
  if (!st.ok()) return Fail(st.status());
  const Bytes enc = st->Encode(node.identity());
  if (Status s = WriteFileDurably(a.output, enc, 0600); !s.ok()) return Fail(s);
  size_t ranges = 0;
  for (const ScopeState& s : st->scopes) ranges += s.ranges.size();
  std::cout << "wrote " << a.output << " (" << enc.size() << " bytes): " << st->scopes.size()
            << " scope(s) in " << ranges << " range(s), chunk filter of " << st->chunks.bits.size()
            << " bytes\n";
  return kExitOk;
}

int RunBundleImport(const Context& ctx, const BundleArgs& a) {
  auto opened = OpenNode(ctx);
  if (!opened.ok()) return Fail(opened.status());
  Node& node = **opened;
  if (Status s = CheckDistrictNode(node); !s.ok()) return Fail(s);
  auto chunks = ChunksOfNode(node);
  if (!chunks.ok()) return Fail(chunks.status());
  TrustPeerPolicy policy(node);
  BundleImportTarget t;
  t.store = &node.store();
  t.ledger = &node.ledger();
  t.chunks = &*chunks;
  t.identity = &node.identity();
  t.district = node.config().district;
  t.policy = &policy;
  t.now_hlc = NowHlcOf(node);
  t.staging_parent = node.dir();
  t.progress = ProgressLine("importing");
  auto sum = ImportBundle(t, a.file);
  ClearProgressLine();
  if (!sum.ok()) return Fail(sum.status().WithContext("bundle refused, nothing was imported"));
  const IngestSummary& in = sum->ingest;
  if (ctx.json) {
    PrintJson({{"sender", sum->sender.hex()},
               {"sender_role", sum->sender_cert.role},
               {"sender_school", sum->sender_cert.school},
               {"encrypted", sum->mode == BundleMode::kSealed},
               {"bytes", sum->io.bytes},
               {"records", in.received},
               {"inserted", in.inserted},
               {"duplicates", in.duplicates},
               {"valid", in.valid},
               {"pending", in.pending},
               {"denied", in.denied},
               {"rejected", in.rejected},
               {"chunks", sum->io.counts.chunks},
               {"chunks_new", sum->chunks_new},
               {"chunks_held", sum->chunks_held},
               {"chunks_unreferenced", sum->chunks_unreferenced},
               {"chunks_purged", sum->chunks_purged}});
    return kExitOk;
  }
  const std::string from = sum->sender_cert.role == "school" ? "school " + sum->sender_cert.school
                                                             : sum->sender_cert.role;
  std::cout << "imported " << a.file << " from " << from << " (" << ShortKey(sum->sender) << "), "
            << (sum->mode == BundleMode::kSealed ? "encrypted" : "public") << ", signature ok\n"
            << "  records: " << in.received << " (" << in.inserted << " new: " << in.valid
            << " valid, " << in.pending << " pending, " << in.denied << " denied; " << in.duplicates
            << " already here; " << in.rejected << " refused)\n"
            << "  file chunks: " << sum->io.counts.chunks << " (" << sum->chunks_new << " new, "
            << sum->chunks_held << " already here)\n";
  if (sum->chunks_unreferenced > 0)
    std::cout << "  " << sum->chunks_unreferenced
              << " chunk(s) not stored: no valid evidence record here names them\n";
  if (sum->chunks_purged > 0)
    std::cout << "  " << sum->chunks_purged << " chunk(s) not stored: their evidence was purged\n";
  for (const auto& e : in.errors) std::cout << "  refused: " << e << "\n";
  return kExitOk;
}

}  // namespace

void RegisterBundleCommands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<BundleArgs>();
  CLI::App* b = app.add_subcommand(
      "bundle",
      "Sneakernet bundles: encrypted, signed, incremental files carrying records and "
      "evidence files (docs/bundle-format.md)");
  b->require_subcommand(1);

  CLI::App* exp = b->add_subcommand(
      "export", "Write a bundle of what NODE may read, encrypted to NODE and signed by this node");
  AddDirOption(exp, ctx);
  auto* for_opt = exp->add_option("--for", a->for_node,
                                  "The receiving node: a peer name or an enrolled school's id");
  auto* scope_opt = exp->add_option(
      "--scope", a->scopes, "Only this scope (repeatable); with --public, the scopes to carry");
  auto* pub = exp->add_flag("--public", a->public_bundle,
                            "No --for: write a signed but NOT encrypted bundle of --scope");
  pub->needs(scope_opt);
  for_opt->excludes(pub);
  exp->add_option("--since", a->since,
                  "State file from NODE (bundle state): include only what it lacks")
      ->needs(for_opt);
  exp->add_option("-o,--output", a->output, "Bundle file (refused if it exists, unless --force)")
      ->required();
  AddForceOption(exp, a->force);
  OnRun(exp, ctx, [&ctx, a] { return RunBundleExport(ctx, *a); });

  CLI::App* st = b->add_subcommand(
      "state", "Write a signed summary of what this node holds, for bundle export --since");
  AddDirOption(st, ctx);
  st->add_option("-o,--output", a->output, "State file (refused if it exists, unless --force)")
      ->required();
  AddForceOption(st, a->force);
  OnRun(st, ctx, [&ctx, a] { return RunBundleState(ctx, *a); });

  CLI::App* imp = b->add_subcommand(
      "import", "Check a bundle completely, then apply all of it (or nothing); idempotent");
  AddDirOption(imp, ctx);
  AddJsonOption(imp, ctx);
  imp->add_option("FILE", a->file, "Bundle file written by credmesh bundle export")->required();
  OnRun(imp, ctx, [&ctx, a] { return RunBundleImport(ctx, *a); });
}

}  // namespace credmesh::cli
