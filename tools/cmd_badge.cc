// credmesh badge export|verify|status-list: awards as Open Badges 3.0
// credentials, their offline verification and the revocation status list.
// Formats and key choice: docs/badges.md.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "node/badges/badge_issuer.h"
#include "node/badges/badge_verifier.h"
#include "node/badges/multibase.h"
#include "node/badges/portfolio_export.h"
#include "node/badges/vc_proof.h"
#include "node/credentials/lifecycle_projection.h"
#include "node/credentials/lifecycle_views.h"
#include "node/credentials/stack_awards.h"
#include "tools/cli.h"
#include "tools/cred_cli.h"
#include "tools/trust_cli.h"

namespace credmesh::cli {
namespace {

struct BadgeArgs {
  std::string award, out, format = "di", as, root_key, status_list_url, file, status_list;
  std::vector<std::string> trust;
  bool force = false;
};

// The URL badges name in credentialStatus when --status-list-url is not given.
std::string DefaultStatusListUrl(const NodeConfig& c) {
  return "urn:credmesh:" + c.district + ":status-list:1";
}

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::IoError("cannot write " + path);
  return Status::Ok();
}

// Opens the node, checks it belongs to a district and migrates the badge table.
Result<std::unique_ptr<Node>> OpenDistrictNode(const Context& ctx) {
  CREDMESH_ASSIGN_OR_RETURN(auto node, OpenNode(ctx));
  if (node->config().district.empty() || !PublicKey::FromHex(node->config().root_key)) {
    return Status::FailedPrecondition(
        "this node belongs to no district (init --hub, or enrol install)");
  }
  CREDMESH_RETURN_IF_ERROR(BadgeStatusIndex::Migrate(node->store().db()));
  return node;
}

// The signing key: --root-key, else --as, else `fallback` (a key hex: the
// award's issuer), which may be the root itself.
Result<const SigningKey*> BadgeSigner(Node& node, const BadgeArgs& a, const std::string& fallback) {
  static std::unique_ptr<SigningKey> root;  // lives until the process exits, like unlocked people
  bool use_root = !a.root_key.empty() ||
                  (a.as.empty() && !fallback.empty() && fallback == node.config().root_key);
  if (use_root) {
    CREDMESH_ASSIGN_OR_RETURN(SigningKey k, LoadRootKey(node, a.root_key));
    root = std::make_unique<SigningKey>(std::move(k));
    return root.get();
  }
  if (a.as.empty() && fallback.empty()) {
    return Status::InvalidArgument("say who signs: --as ISSUER or --root-key FILE");
  }
  return SignerFor(node, a.as.empty() ? fallback : a.as);
}

// Refuses a signer that is not one of the district's issuing keys now.
Status CheckIssuingKey(Node& node, const PublicKey& key) {
  CREDMESH_ASSIGN_OR_RETURN(auto trust,
                            DistrictIssuerTrust::Load(node.store().db(), node.config().district,
                                                      *PublicKey::FromHex(node.config().root_key)));
  return trust.Check(key, node.clock().NowMillis())
      .WithContext("cannot sign badges for the district");
}

int RunExport(const Context& ctx, const BadgeArgs& a) {
  if (a.format != "di" && a.format != "jwt")
    return Fail(Status::InvalidArgument("--format is di or jwt"));
  if (Status s = CheckOverwrite(a.out, a.force); !s.ok()) return Fail(s);
  auto node = OpenDistrictNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  // The award's issuer signs by default: an award's, or an issued stack's.
  const bool stack = IsStackAwardId(a.award);
  std::string issuer;
  if (stack) {
    auto s = ShowStackAward(n.store(), a.award);
    if (!s.ok()) return Fail(s.status());
    if (!*s)
      return Fail(
          Status::NotFound("no stack award " + a.award + " (see: credmesh portfolio PERSON)"));
    issuer = (**s).issuer.hex();
  } else {
    auto award = ShowAward(n.store(), a.award);
    if (!award.ok()) return Fail(award.status());
    if (!*award)
      return Fail(Status::NotFound("no award " + a.award + " (see: credmesh submission list)"));
    if ((**award).issued) issuer = (**award).issuer.hex();
  }
  auto signer = BadgeSigner(n, a, issuer);
  if (!signer.ok()) return Fail(signer.status());
  if (Status s = CheckIssuingKey(n, (*signer)->public_key()); !s.ok()) return Fail(s);

  BadgeRequest req{
      n.config().district, a.award, (*signer)->public_key(),
      a.status_list_url.empty() ? DefaultStatusListUrl(n.config()) : a.status_list_url};
  nlohmann::json cred;
  std::optional<nlohmann::json> status;
  if (stack) {
    auto content = GatherStackBadgeContent(n.store(), req);
    if (!content.ok()) return Fail(content.status());
    cred = BuildStackBadgeCredential(*content);
    status = content->status;
  } else {
    auto content = GatherBadgeContent(n.store(), req);
    if (!content.ok()) return Fail(content.status());
    cred = BuildOpenBadgeCredential(*content);
    status = content->status;
  }
  std::string text;
  if (a.format == "jwt") {
    auto jwt = SignVcJwt(cred, **signer);
    if (!jwt.ok()) return Fail(jwt.status());
    text = *jwt + "\n";
  } else {
    auto signed_cred = AddEddsaJcsProof(cred, **signer, FormatDateTime(n.clock().NowMillis()));
    if (!signed_cred.ok()) return Fail(signed_cred.status());
    text = signed_cred->dump(2) + "\n";
  }
  if (Status s = WriteText(a.out, text); !s.ok()) return Fail(s);
  if (ctx.json) {
    PrintJson({{"file", a.out},
               {"id", cred["id"]},
               {"format", a.format},
               {"issuer", DidKeyOf((*signer)->public_key())},
               {"status", status ? *status : nlohmann::json()}});
  } else {
    std::cout << a.out << ": " << cred["name"].get<std::string>() << " ("
              << cred["id"].get<std::string>() << "), "
              << (a.format == "jwt" ? "VC-JWT" : "eddsa-jcs-2022") << ", signed by "
              << DidKeyOf((*signer)->public_key()) << "\n";
  }
  return kExitOk;
}

int RunStatusList(const Context& ctx, const BadgeArgs& a) {
  if (Status s = CheckOverwrite(a.out, a.force); !s.ok()) return Fail(s);
  auto node = OpenDistrictNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  auto signer = BadgeSigner(n, a, "");
  if (!signer.ok()) return Fail(signer.status());
  if (Status s = CheckIssuingKey(n, (*signer)->public_key()); !s.ok()) return Fail(s);
  std::string url =
      a.status_list_url.empty() ? DefaultStatusListUrl(n.config()) : a.status_list_url;
  auto list = BuildSignedStatusList(n.store(), url, **signer, n.clock());
  if (!list.ok()) return Fail(list.status());
  if (Status s = WriteText(a.out, list->dump(2) + "\n"); !s.ok()) return Fail(s);
  auto all = BadgeStatusIndex(n.store().db()).All();
  if (ctx.json)
    PrintJson({{"file", a.out}, {"id", url}, {"entries", all.ok() ? all->size() : 0}});
  else
    std::cout << a.out << ": status list " << url << " (" << (all.ok() ? all->size() : 0)
              << " exported awards)\n";
  return kExitOk;
}

int RunVerify(const Context& ctx, const BadgeArgs& a) {
  auto text = ReadText(a.file);
  if (!text.ok()) return Fail(text.status());
  BadgeVerifyOptions o;
  o.now_ms = SystemClock::Instance().NowMillis();
  if (!a.status_list.empty()) {
    auto list = ReadText(a.status_list);
    if (!list.ok()) return Fail(list.status());
    o.status_list = *list;
  }
  TrustedKeys given;
  for (const auto& t : a.trust) {
    auto key = ParseDidKey(t);
    if (!key.ok()) return Fail(key.status().WithContext("--trust"));
    given.Add(*key);
  }
  // The district this node belongs to, when there is one.
  std::optional<DistrictIssuerTrust> district;
  std::string district_id;
  if (std::filesystem::exists(std::filesystem::path(ctx.dir) / Node::kConfigFile)) {
    auto node = OpenNode(ctx);
    if (!node.ok()) return Fail(node.status());
    auto root = PublicKey::FromHex((*node)->config().root_key);
    if (!(*node)->config().district.empty() && root) {
      auto t = DistrictIssuerTrust::Load((*node)->store().db(), (*node)->config().district, *root);
      if (!t.ok()) return Fail(t.status());
      district = std::move(*t);
      district_id = (*node)->config().district;
    }
  }
  // No district root here and no --trust: nobody to trust, so the verdict
  // can be "unverifiable" at best (never valid).
  EitherTrust trust(given.empty() ? nullptr : &given, district ? &*district : nullptr);
  o.trust = (district || !given.empty()) ? &trust : nullptr;
  BadgeVerdict v = VerifyBadge(*text, o);
  if (ctx.json) {
    PrintJson(v.ToJson());
  } else {
    std::cout << (v.verdict == kVerdictValid          ? "VALID"
                  : v.verdict == kVerdictUnverifiable ? "UNVERIFIABLE"
                                                      : "NOT VALID")
              << ": " << a.file << "\n";
    auto j = v.ToJson();
    if (!j["name"].get<std::string>().empty())
      std::cout << "  badge:      " << j["name"].get<std::string>() << "  ("
                << j["id"].get<std::string>() << ")\n";
    if (!v.format.empty())
      std::cout << "  format:     "
                << (v.format == "vc-jwt" ? "VC-JWT" : "JSON with embedded Data Integrity proof")
                << "\n";
    if (!j["issuer"].get<std::string>().empty())
      std::cout << "  issuer:     " << j["issuer"].get<std::string>() << "\n";
    std::cout << "  trusting:   " << (district ? "district " + district_id + " (this node)" : "")
              << (district && !given.empty() ? " and " : "")
              << (!given.empty() ? std::to_string(a.trust.size()) + " --trust key(s)" : "")
              << (!district && given.empty()
                      ? "nobody (give --trust did:key:... or --dir of a district node)"
                      : "")
              << "\n";
    if (!v.revocation.empty()) std::cout << "  revocation: " << v.revocation << "\n";
    for (const auto& c : v.checks) std::cout << "  ok:         " << c << "\n";
    for (const auto& p : v.problems) std::cout << "  PROBLEM:    " << p << "\n";
  }
  return v.valid ? kExitOk : kExitFailure;
}

struct PortfolioExportArgs {
  std::string person, out, format = "di", as, root_key, status_list_url, name;
  bool force = false;
};

int RunPortfolioExport(const Context& ctx, const PortfolioExportArgs& a) {
  if (Status s = CheckOverwrite(a.out, a.force); !s.ok()) return Fail(s);
  auto node = OpenDistrictNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  // Through the district's person directory, with every key the person
  // signed with (person.rekey), as `portfolio` does.
  auto educator = FindPerson(n, a.person);
  if (!educator.ok()) return Fail(educator.status());
  BadgeArgs signer_args;
  signer_args.as = a.as;
  signer_args.root_key = a.root_key;
  auto signer = BadgeSigner(n, signer_args, "");
  if (!signer.ok()) return Fail(signer.status());
  if (Status s = CheckIssuingKey(n, (*signer)->public_key()); !s.ok()) return Fail(s);
  PortfolioExportRequest req{
      n.config().district, educator->key,
      a.status_list_url.empty() ? DefaultStatusListUrl(n.config()) : a.status_list_url, a.name,
      educator->keys};
  const int64_t now = n.clock().NowMillis();
  auto clr = BuildPortfolioClr(n.store(), req, **signer, now);
  if (!clr.ok()) return Fail(clr.status());
  std::string text;
  if (a.format == "jwt") {
    auto jwt = SignVcJwt(clr->credential, **signer);
    if (!jwt.ok()) return Fail(jwt.status());
    text = *jwt + "\n";
  } else {
    auto signed_clr = AddEddsaJcsProof(clr->credential, **signer, FormatDateTime(now));
    if (!signed_clr.ok()) return Fail(signed_clr.status());
    text = signed_clr->dump(2) + "\n";
  }
  if (Status s = WriteText(a.out, text); !s.ok()) return Fail(s);
  auto skipped = nlohmann::json::array();
  for (const auto& [id, why] : clr->skipped) skipped.push_back({{"award", id}, {"reason", why}});
  if (ctx.json) {
    PrintJson({{"file", a.out},
               {"id", clr->credential["id"]},
               {"format", a.format},
               {"issuer", DidKeyOf((*signer)->public_key())},
               {"awards", clr->included},
               {"stacks", clr->stacks},
               {"skipped", skipped}});
  } else {
    std::cout << a.out << ": CLR 2.0 " << clr->credential["id"].get<std::string>() << ", "
              << clr->included.size() << " badge(s), " << clr->stacks.size()
              << " completed stack(s), " << (a.format == "jwt" ? "VC-JWT" : "eddsa-jcs-2022")
              << ", signed by " << DidKeyOf((*signer)->public_key()) << "\n";
    for (const auto& [id, why] : clr->skipped)
      std::cout << "  skipped " << id << ": " << why << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterPortfolioExport(CLI::App* portfolio, Context& ctx) {
  auto a = std::make_shared<PortfolioExportArgs>();
  CLI::App* exp = portfolio->add_subcommand(
      "export", "Write an educator's badges as a signed CLR 2.0 ClrCredential (stacks included)");
  AddDirOption(exp, ctx);
  AddJsonOption(exp, ctx);
  exp->add_option("PERSON", a->person, "Person name, key prefix or full key")->required();
  exp->add_option("-o,--out", a->out, "Output file")->required();
  exp->add_option("--format", a->format,
                  "di: JSON with an eddsa-jcs-2022 proof (default); jwt: a VC-JWT")
      ->check(CLI::IsMember({"di", "jwt"}));
  exp->add_option("--as", a->as, "Sign as this issuer");
  exp->add_option("--root-key", a->root_key, "Sign with the district root key in FILE");
  exp->add_option("--status-list-url", a->status_list_url,
                  "URL of the status list the embedded badges name (as given to badge export)");
  exp->add_option("--name", a->name,
                  "The record's name (default: \"<district> micro-credentials\")");
  AddForceOption(exp, a->force);
  OnRun(exp, ctx, [&ctx, a] { return RunPortfolioExport(ctx, *a); });
}

void RegisterBadgeCommands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<BadgeArgs>();
  CLI::App* badge =
      app.add_subcommand("badge", "Open Badges 3.0 credentials: export, verify, status list");
  badge->require_subcommand(1);

  CLI::App* exp =
      badge->add_subcommand("export", "Write an award as a signed OB 3.0 OpenBadgeCredential");
  AddDirOption(exp, ctx);
  AddJsonOption(exp, ctx);
  exp->add_option("AWARD", a->award,
                  "Award, submission or stack award (award:stack:...) id (prefix ok)")
      ->required();
  exp->add_option("-o,--out", a->out, "Output file")->required();
  exp->add_option("--format", a->format,
                  "di: JSON with an eddsa-jcs-2022 proof (default); jwt: a VC-JWT")
      ->check(CLI::IsMember({"di", "jwt"}));
  exp->add_option("--as", a->as, "Sign as this issuer (default: whoever issued the award)");
  exp->add_option("--root-key", a->root_key, "Sign with the district root key in FILE");
  exp->add_option(
      "--status-list-url", a->status_list_url,
      "URL where the status list is published (default urn:credmesh:<district>:status-list:1)");
  AddForceOption(exp, a->force);
  OnRun(exp, ctx, [&ctx, a] { return RunExport(ctx, *a); });

  CLI::App* ver = badge->add_subcommand("verify",
                                        "Check a badge offline: proof, issuer, fields, validity "
                                        "period, revocation; exit 0 only if valid");
  AddDirOption(ver, ctx);
  AddJsonOption(ver, ctx);
  ver->add_option("FILE", a->file, "The badge (JSON or VC-JWT)")->required();
  ver->add_option("--trust", a->trust, "Trust this issuer key (did:key:z6Mk...); repeatable");
  ver->add_option("--status-list", a->status_list,
                  "A BitstringStatusListCredential file to check revocation");
  OnRun(ver, ctx, [&ctx, a] { return RunVerify(ctx, *a); });

  CLI::App* sl = badge->add_subcommand(
      "status-list", "Write the signed revocation status list of exported badges");
  AddDirOption(sl, ctx);
  AddJsonOption(sl, ctx);
  sl->add_option("-o,--out", a->out, "Output file")->required();
  sl->add_option("--as", a->as, "Sign as this issuer");
  sl->add_option("--root-key", a->root_key, "Sign with the district root key in FILE");
  sl->add_option("--status-list-url", a->status_list_url, "The list's URL, as given to export");
  AddForceOption(sl, a->force);
  OnRun(sl, ctx, [&ctx, a] { return RunStatusList(ctx, *a); });
}

}  // namespace credmesh::cli
