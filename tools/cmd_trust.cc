// credmesh enrol issue|install, credmesh root export, credmesh revoke.
#include <filesystem>
#include <iostream>

#include "node/enrolment.h"
#include "node/sync/peers.h"
#include "storage/key_file.h"
#include "tools/cli.h"
#include "tools/free_text.h"
#include "tools/trust_cli.h"

namespace credmesh::cli {
namespace {

struct EnrolArgs {
  std::string file, school, out, root_key;
  int valid_days = 730;
};

int RunEnrolIssue(const Context& ctx, const EnrolArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  if ((*node)->config().role != "hub") return Fail("enrol issue runs on the district hub");
  auto text = ReadFile(a.file);
  if (!text.ok()) return Fail(text.status());
  auto request = EnrolmentRequest::Parse(*text);
  if (!request.ok()) return Fail(request.status().WithContext(a.file));
  auto root = LoadRootKey(**node, a.root_key);
  if (!root.ok()) return Fail(root.status());
  auto bundle =
      IssueNodeCertificate(**node, *root, *request, a.school, int64_t{a.valid_days} * 86'400'000);
  if (!bundle.ok()) return Fail(bundle.status());
  Status s = WriteFileAtomic(a.out, bundle->ToJson());
  if (!s.ok()) return Fail(s);
  std::cout << "certified \"" << request->name << "\" (" << request->node_key.hex().substr(0, 16)
            << ") as school " << a.school << "; bundle written to " << a.out << "\n";
  return kExitOk;
}

int RunEnrolInstall(const Context& ctx, const EnrolArgs& a) {
  auto text = ReadFile(a.file);
  if (!text.ok()) return Fail(text.status());
  auto bundle = CertificateBundle::Parse(*text);
  if (!bundle.ok()) return Fail(bundle.status().WithContext(a.file));
  Status s = InstallBundle(ctx.dir, SystemClock::Instance(), *bundle);
  if (!s.ok()) return Fail(s);
  if (!bundle->hub_address.empty()) {
    // The hub becomes this node's first sync peer.
    auto node = OpenNode(ctx);
    if (!node.ok()) return Fail(node.status());
    Database& db = (*node)->store().db();
    s = PeerStore::Migrate(db);
    if (s.ok()) {
      s = PeerStore(db).Upsert("hub", bundle->hub_address, bundle->hub_key,
                               SystemClock::Instance().NowMillis());
    }
    if (!s.ok()) return Fail(s.WithContext("add the hub as a peer"));
  }
  std::cout << "enrolled as school " << bundle->school << " of district " << bundle->district
            << "; hub " << bundle->hub_address << "\n";
  return kExitOk;
}

struct RootArgs {
  std::string out;
  bool remove = false;
};

int RunRootExport(const Context& ctx, const RootArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  auto root = LoadRootKey(**node, "");
  if (!root.ok()) return Fail(root.status());
  Status s = WriteKeyFile(a.out, *root);
  if (!s.ok()) return Fail(s);
  std::cout << "root key written to " << a.out << " (mode 0600)\n";
  if (a.remove) {
    std::error_code ec;
    std::filesystem::remove((*node)->Path("root.key"), ec);
    if (ec) return Fail("remove root.key: " + ec.message());
    std::cout << "removed " << (*node)->Path("root.key")
              << "; commands that need the root now take --root-key " << a.out << "\n";
  }
  return kExitOk;
}

struct RevokeArgs {
  std::string id, reason, as, root_key;
};

int RunRevoke(const Context& ctx, const RevokeArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  if (n.config().district.empty()) return Fail("this node is not part of a district");
  auto ids = n.store().records().FindByIdPrefix(a.id, 2);
  if (!ids.ok()) return Fail(ids.status());
  if (ids->empty()) return Fail(Status::NotFound("no record with id " + a.id));
  if (ids->size() > 1) return Fail(Status::InvalidArgument("id prefix " + a.id + " is ambiguous"));
  auto row = n.store().records().GetRow(ids->front());
  if (!row.ok()) return Fail(row.status());
  if ((*row)->kind != kGrantKind && (*row)->kind != kNodeCertKind) {
    return Fail(
        "only grants (trust.grant) and node certificates (trust.node_cert) can be revoked; " +
        a.id + " is a " + (*row)->kind);
  }
  std::optional<SigningKey> root;
  const SigningKey* signer = nullptr;
  if (!a.as.empty()) {
    auto k = SignerFor(n, a.as);
    if (!k.ok()) return Fail(k.status());
    signer = *k;
  } else if (RootKeyAvailable(n, a.root_key)) {
    auto k = LoadRootKey(n, a.root_key);
    if (!k.ok()) return Fail(k.status());
    root.emplace(std::move(*k));
    signer = &*root;
  } else {
    signer = &n.identity();
  }
  RevokeBody body{ids->front(), a.reason};
  auto rec = n.ledger().Write(kRevokeKind, "district/" + n.config().district,
                              "revoke/" + ids->front().hex(), body.ToValue(), *signer);
  if (!rec.ok()) return Fail(rec.status());
  std::cout << rec->id().hex() << "\n";
  return kExitOk;
}

}  // namespace

void RegisterTrustCommands(CLI::App& app, Context& ctx) {
  CLI::App* enrol =
      app.add_subcommand("enrol", "Enrol school nodes with files (request -> certificate)");
  enrol->require_subcommand(1);
  auto ea = std::make_shared<EnrolArgs>();
  CLI::App* issue =
      enrol->add_subcommand("issue", "On the hub: certify a school's enrolment request");
  AddDirOption(issue, ctx);
  issue->add_option("REQUEST", ea->file, "The school's enrolment-request.json")->required();
  issue->add_option("--school-id", ea->school, "School id, e.g. pine (scope school/<id>)")
      ->required();
  issue->add_option("-o,--output", ea->out, "Certificate bundle file to write")->required();
  issue->add_option("--root-key", ea->root_key, "Root key file when it is kept off the hub");
  issue->add_option("--valid-days", ea->valid_days, "Certificate validity (default 730)");
  OnRun(issue, ctx, [&ctx, ea] { return RunEnrolIssue(ctx, *ea); });
  CLI::App* install =
      enrol->add_subcommand("install", "On the school: install a certificate bundle");
  AddDirOption(install, ctx);
  install->add_option("CERT", ea->file, "Certificate bundle from enrol issue")->required();
  OnRun(install, ctx, [&ctx, ea] { return RunEnrolInstall(ctx, *ea); });

  CLI::App* root = app.add_subcommand("root", "District root key handling");
  root->require_subcommand(1);
  auto ra = std::make_shared<RootArgs>();
  CLI::App* exp = root->add_subcommand("export", "Copy DIR/root.key to FILE (to keep it offline)");
  AddDirOption(exp, ctx);
  exp->add_option("-o,--output", ra->out, "File to write (mode 0600; must not exist)")->required();
  exp->add_flag("--remove", ra->remove, "Delete DIR/root.key after the copy");
  OnRun(exp, ctx, [&ctx, ra] { return RunRootExport(ctx, *ra); });

  auto rv = std::make_shared<RevokeArgs>();
  CLI::App* revoke = app.add_subcommand("revoke",
                                        "Revoke a grant or node certificate from now on (signed by "
                                        "--as ADMIN, the root, or this school)");
  AddDirOption(revoke, ctx);
  revoke->add_option("ID", rv->id, "Record id (or prefix) of the grant or certificate")->required();
  AddFreeText(revoke, "--reason", rv->reason, "Why (kept in the record)", TextNeed::kRequired);
  revoke->add_option("--root-key", rv->root_key, "Root key file when it is kept off this node");
  AddAsOption(revoke, rv->as);
  OnRun(revoke, ctx, [&ctx, rv] { return RunRevoke(ctx, *rv); });
}

}  // namespace credmesh::cli
