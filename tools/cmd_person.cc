// credmesh person add|grant|list: people's keys and their role grants.
#include <sodium.h>

#include <cstdlib>
#include <iostream>
#include <map>

#include "node/trust/person_keys.h"
#include "node/trust/trust_index.h"
#include "node/trust/trust_records.h"
#include "protocol/hlc.h"
#include "tools/cli.h"
#include "tools/trust_cli.h"

namespace credmesh::cli {
namespace {

struct PersonArgs {
  std::string who, name, email, role, scope, as, root_key, kdf;
  int valid_days = 365;
};

std::string DefaultPersonScope(const NodeConfig& c) {
  if (c.role == "school" && !c.school.empty()) return "school/" + c.school;
  return "district/" + c.district;
}

// The key that signs a grant: --as, else the root when present, else the node.
struct GrantSigner {
  std::optional<SigningKey> root;
  const SigningKey* key = nullptr;
};

Status PickSigner(Node& n, const PersonArgs& a, GrantSigner& out) {
  if (!a.as.empty()) {
    CREDMESH_ASSIGN_OR_RETURN(out.key, SignerFor(n, a.as));
  } else if (RootKeyAvailable(n, a.root_key)) {
    CREDMESH_ASSIGN_OR_RETURN(SigningKey k, LoadRootKey(n, a.root_key));
    out.root.emplace(std::move(k));
    out.key = &*out.root;
  } else {
    out.key = &n.identity();
  }
  return Status::Ok();
}

Status CheckEnrolled(const Node& n) {
  if (n.config().district.empty() || n.config().root_key.empty()) {
    return Status::FailedPrecondition(
        "this node is not part of a district: init a hub (--hub) or install a certificate first");
  }
  return Status::Ok();
}

Result<VerifiedRecord> WriteGrant(Node& n, const SigningKey& signer, const PublicKey& subject,
                                  const std::string& name, const PersonArgs& a) {
  GrantBody g;
  g.subject = subject;
  if (!ParsePersonRole(a.role, g.role)) {
    return Status::InvalidArgument("--role must be educator, reviewer, issuer or admin");
  }
  g.scope = a.scope.empty() ? DefaultPersonScope(n.config()) : a.scope;
  g.not_before_ms = n.clock().NowMillis();
  g.not_after_ms = g.not_before_ms + int64_t{a.valid_days} * 86'400'000;
  g.name = name;
  auto rec = n.ledger().Write(kGrantKind, "district/" + n.config().district,
                              "person/" + subject.hex(), g.ToValue(), signer);
  if (!rec.ok()) return rec.status().WithContext("grant " + a.role + " for " + g.scope);
  return rec;
}

int RunAdd(const Context& ctx, const PersonArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  if (Status s = CheckEnrolled(n); !s.ok()) return Fail(s);
  std::string kdf_name = a.kdf;
  if (kdf_name.empty()) {
    if (const char* e = std::getenv("CREDMESH_KDF")) kdf_name = e;
  }
  auto limits = KdfLimits::Named(kdf_name);
  if (!limits.ok()) return Fail(limits.status());
  GrantSigner signer;
  if (Status s = PickSigner(n, a, signer); !s.ok()) return Fail(s);
  auto pass = GetPassphrase(a.name + " (new key)", true, "CREDMESH_NEW_PASSPHRASE");
  if (!pass.ok()) return Fail(pass.status());
  SigningKey key = SigningKey::Generate();
  auto grant = WriteGrant(n, *signer.key, key.public_key(), a.name, a);
  if (!grant.ok()) return Fail(grant.status());
  Status s = PersonKeyStore(n.dir()).Save(a.name, a.email, key, *pass, *limits);
  sodium_memzero(pass->data(), pass->size());
  if (!s.ok()) return Fail(s);
  std::string scope = a.scope.empty() ? DefaultPersonScope(n.config()) : a.scope;
  std::string profile_scope =
      scope.rfind("school/", 0) == 0 ? scope : "district/" + n.config().district;
  Value::Map profile{{"key", key.public_key().hex()}, {"name", a.name}, {"email", a.email}};
  auto prof = n.ledger().Write(kProfileKind, profile_scope, "person/" + key.public_key().hex(),
                               profile, key);
  if (!prof.ok()) return Fail(prof.status().WithContext("profile"));
  if (ctx.json) {
    PrintJson({{"key", key.public_key().hex()},
               {"grant", grant->id().hex()},
               {"profile", prof->id().hex()},
               {"scope", scope},
               {"role", a.role}});
  } else {
    std::cout << "added " << a.name << " (" << key.public_key().hex().substr(0, 16) << ") as "
              << a.role << " for " << scope << "\n  grant: " << grant->id().hex() << "\n";
  }
  return kExitOk;
}

Result<std::pair<PublicKey, std::string>> ResolveGrantee(Node& n, const std::string& who) {
  auto entry = PersonKeyStore(n.dir()).Find(who);
  if (entry.ok()) return std::make_pair(entry->key, entry->name);
  if (auto key = PublicKey::FromHex(who)) return std::make_pair(*key, std::string());
  CREDMESH_ASSIGN_OR_RETURN(auto facts, TrustIndex(n.store().db()).LoadAll());
  for (const auto& f : facts) {
    if (f.name == who) return std::make_pair(f.subject, f.name);
  }
  return entry.status();
}

int RunGrant(const Context& ctx, const PersonArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  if (Status s = CheckEnrolled(n); !s.ok()) return Fail(s);
  auto person = ResolveGrantee(n, a.who);
  if (!person.ok()) return Fail(person.status());
  GrantSigner signer;
  if (Status s = PickSigner(n, a, signer); !s.ok()) return Fail(s);
  auto grant = WriteGrant(n, *signer.key, person->first, person->second, a);
  if (!grant.ok()) return Fail(grant.status());
  std::cout << grant->id().hex() << "\n";
  return kExitOk;
}

std::string FactState(const TrustFact& f, uint64_t now) {
  if (f.revoked_hlc != TrustFact::kNever && f.revoked_hlc <= now) return "revoked";
  int64_t ms = HybridClock::Millis(now);
  if (ms >= f.not_after_ms) return "expired";
  if (ms < f.not_before_ms) return "not yet valid";
  return "active";
}

int RunList(const Context& ctx) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  auto local = PersonKeyStore(n.dir()).List();
  if (!local.ok()) return Fail(local.status());
  auto facts = TrustIndex(n.store().db()).LoadAll();
  if (!facts.ok()) {
    facts = std::vector<TrustFact>{};  // a node outside any district has no grants
  }
  const uint64_t now = HybridClock::Make(n.clock().NowMillis(), 0);
  std::map<PublicKey, nlohmann::json> people;
  for (const auto& e : *local) {
    people[e.key] = {{"key", e.key.hex()},
                     {"name", e.name},
                     {"email", e.email},
                     {"local_key", true},
                     {"grants", nlohmann::json::array()}};
  }
  for (const auto& f : *facts) {
    if (f.role == Role::kSchoolNode || f.role == Role::kHubNode) continue;
    auto& p = people[f.subject];
    if (p.is_null()) {
      p = {{"key", f.subject.hex()},
           {"name", f.name},
           {"email", ""},
           {"local_key", false},
           {"grants", nlohmann::json::array()}};
    }
    p["grants"].push_back({{"id", f.id.hex()},
                           {"role", RoleName(f.role)},
                           {"scope", f.scope},
                           {"state", FactState(f, now)}});
  }
  if (ctx.json) {
    auto arr = nlohmann::json::array();
    for (auto& [k, p] : people) arr.push_back(p);
    PrintJson({{"people", arr}});
    return kExitOk;
  }
  for (auto& [k, p] : people) {
    std::cout << p["name"].get<std::string>() << "  " << k.hex().substr(0, 16)
              << (p["local_key"].get<bool>() ? "  [key on this node]" : "") << "\n";
    for (const auto& g : p["grants"]) {
      std::cout << "    " << g["role"].get<std::string>() << " " << g["scope"].get<std::string>()
                << " (" << g["state"].get<std::string>() << ") "
                << g["id"].get<std::string>().substr(0, 16) << "\n";
    }
  }
  if (people.empty()) std::cerr << "no people\n";
  return kExitOk;
}

}  // namespace

void RegisterPersonCommands(CLI::App& app, Context& ctx) {
  CLI::App* person = app.add_subcommand("person", "People: their keys and role grants");
  person->require_subcommand(1);
  auto a = std::make_shared<PersonArgs>();
  auto common = [&](CLI::App* cmd) {
    AddDirOption(cmd, ctx);
    cmd->add_option("--role", a->role, "educator, reviewer, issuer or admin")->required();
    cmd->add_option("--scope", a->scope,
                    "Scope of the grant (default: this school, or the district on a hub)");
    cmd->add_option("--valid-days", a->valid_days, "Grant validity (default 365)");
    cmd->add_option("--root-key", a->root_key, "Sign with the root key in this file");
    AddAsOption(cmd, a->as);
  };
  CLI::App* add = person->add_subcommand(
      "add", "Create a person's key (sealed under a passphrase) with a first role grant");
  common(add);
  AddJsonOption(add, ctx);
  add->add_option("--name", a->name, "Full name")->required();
  add->add_option("--email", a->email, "E-mail address")->required();
  add->add_option("--kdf", a->kdf, "Passphrase hashing cost: moderate (default) or interactive")
      ->envname("CREDMESH_KDF");
  OnRun(add, ctx, [&ctx, a] { return RunAdd(ctx, *a); });

  CLI::App* grant = person->add_subcommand("grant", "Give an existing person another role grant");
  common(grant);
  grant->add_option("PERSON", a->who, "Name, key prefix (local key store) or full public key")
      ->required();
  OnRun(grant, ctx, [&ctx, a] { return RunGrant(ctx, *a); });

  CLI::App* list = person->add_subcommand("list", "List people with their grants");
  AddDirOption(list, ctx);
  AddJsonOption(list, ctx);
  OnRun(list, ctx, [&ctx] { return RunList(ctx); });
}

}  // namespace credmesh::cli
