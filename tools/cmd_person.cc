// credmesh person add|grant|list|show|rekey|move: people, their keys and
// their role grants. A person is a district person: named uniquely in the
// district, resolved from the people records this node holds
// (node/trust/person_directory.h), and may move to a new key with a
// person.rekey record (docs/trust.md "People").
#include <sodium.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>

#include "node/trust/person_keys.h"
#include "node/trust/person_names.h"
#include "node/trust/person_records.h"
#include "node/trust/trust_index.h"
#include "node/trust/trust_records.h"
#include "protocol/hlc.h"
#include "tools/cli.h"
#include "tools/free_text.h"
#include "tools/trust_cli.h"

namespace credmesh::cli {
namespace {

struct PersonArgs {
  std::string who, name, email, role, scope, as, root_key, kdf, reason;
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

Result<KdfLimits> PickKdf(const PersonArgs& a) {
  std::string kdf_name = a.kdf;
  if (kdf_name.empty()) {
    if (const char* e = std::getenv("CREDMESH_KDF")) kdf_name = e;
  }
  auto limits = KdfLimits::Named(kdf_name);
  if (limits.ok() && limits->TooWeakForRealUse()) {
    std::cerr << "credmesh: warning: key derivation cost \"" << kdf_name
              << "\" is for automated tests only: the passphrase will barely protect this key\n";
  }
  return limits;
}

std::string GrantScope(const Node& n, const PersonArgs& a) {
  return a.scope.empty() ? DefaultPersonScope(n.config()) : a.scope;
}

// Profiles live in the school the person works in, else in the district.
std::string ProfileScope(const Node& n, const std::string& grant_scope) {
  return grant_scope.rfind("school/", 0) == 0 ? grant_scope : "district/" + n.config().district;
}

Result<VerifiedRecord> WriteGrant(Node& n, const SigningKey& signer, const PublicKey& subject,
                                  const std::string& name, const PersonArgs& a) {
  GrantBody g;
  g.subject = subject;
  if (!ParsePersonRole(a.role, g.role)) {
    return Status::InvalidArgument("--role must be educator, reviewer, issuer or admin");
  }
  g.scope = GrantScope(n, a);
  g.not_before_ms = n.clock().NowMillis();
  g.not_after_ms = g.not_before_ms + int64_t{a.valid_days} * 86'400'000;
  g.name = name;
  auto rec = n.ledger().Write(kGrantKind, "district/" + n.config().district, PersonEntity(subject),
                              g.ToValue(), signer);
  if (!rec.ok()) return rec.status().WithContext("grant " + a.role + " for " + g.scope);
  return rec;
}

Result<VerifiedRecord> WriteProfile(Node& n, const SigningKey& key, const std::string& name,
                                    const std::string& email, const std::string& scope) {
  ProfileBody p{key.public_key(), name, email};
  auto rec =
      n.ledger().Write(kProfileKind, scope, PersonEntity(key.public_key()), p.ToValue(), key);
  if (!rec.ok()) return rec.status().WithContext("profile");
  return rec;
}

// AlreadyExists when the district (as this node knows it) has a person named
// `name`: names are unique in a district.
Status CheckNameFree(Node& n, const std::string& name) {
  CREDMESH_ASSIGN_OR_RETURN(PersonDirectory people, LoadPeople(n));
  auto same = people.Named(name);
  if (same.empty()) return Status::Ok();
  return Status::AlreadyExists(
      "a person named \"" + name + "\" already exists in district " + n.config().district + ": " +
      PersonDirectory::Describe(*same.front()) +
      ". Names are unique in a district: give them another role with `credmesh person grant`, "
      "move them to this school with `credmesh person move`, or tell two people apart by name "
      "(e.g. a middle initial)");
}

// Seals `key` into the key store, then commits `tx`; removes the key file if
// the commit fails, so a key is kept only with its records.
Status SaveAndCommit(Node& n, Transaction& tx, const std::string& name, const std::string& email,
                     const SigningKey& key, std::string& pass, const KdfLimits& limits) {
  Status s = PersonKeyStore(n.dir()).Save(name, email, key, pass, limits);
  sodium_memzero(pass.data(), pass.size());
  CREDMESH_RETURN_IF_ERROR(s);
  s = tx.Commit();
  if (!s.ok()) {
    std::error_code ec;
    std::filesystem::remove(n.Path("people/" + key.public_key().hex() + ".json"), ec);
  }
  return s;
}

int RunAdd(const Context& ctx, const PersonArgs& a) {
  if (Status s = ValidatePersonName(a.name); !s.ok()) return Fail(s.WithContext("--name"));
  if (Status s = ValidateEmail(a.email); !s.ok()) return Fail(s.WithContext("--email"));
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  if (Status s = CheckEnrolled(n); !s.ok()) return Fail(s);
  auto limits = PickKdf(a);
  if (!limits.ok()) return Fail(limits.status());
  if (Status s = CheckNameFree(n, a.name); !s.ok()) return Fail(s);
  GrantSigner signer;
  if (Status s = PickSigner(n, a, signer); !s.ok()) return Fail(s);
  auto pass = GetPassphrase(a.name + " (new key)", true, "CREDMESH_NEW_PASSPHRASE");
  if (!pass.ok()) return Fail(pass.status());
  SigningKey key = SigningKey::Generate();
  auto tx = Transaction::Begin(n.store().db());
  if (!tx.ok()) return Fail(tx.status());
  // Checked again inside the transaction: nothing can slip in between.
  if (Status s = CheckNameFree(n, a.name); !s.ok()) return Fail(s);
  auto grant = WriteGrant(n, *signer.key, key.public_key(), a.name, a);
  if (!grant.ok()) return Fail(grant.status());
  const std::string scope = GrantScope(n, a);
  auto prof = WriteProfile(n, key, a.name, a.email, ProfileScope(n, scope));
  if (!prof.ok()) return Fail(prof.status());
  if (Status s = SaveAndCommit(n, *tx, a.name, a.email, key, *pass, *limits); !s.ok()) {
    return Fail(s);
  }
  if (ctx.json) {
    PrintJson({{"key", key.public_key().hex()},
               {"grant", grant->id().hex()},
               {"profile", prof->id().hex()},
               {"scope", scope},
               {"role", a.role}});
  } else {
    std::cout << "added " << a.name << " (" << ShortKey(key.public_key()) << ") as " << a.role
              << " for " << scope << "\n  grant: " << grant->id().hex() << "\n";
  }
  return kExitOk;
}

int RunGrant(const Context& ctx, const PersonArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  if (Status s = CheckEnrolled(n); !s.ok()) return Fail(s);
  auto person = FindPerson(n, a.who);
  if (!person.ok()) return Fail(person.status());
  GrantSigner signer;
  if (Status s = PickSigner(n, a, signer); !s.ok()) return Fail(s);
  // The analyzer cannot see that a failed Result carries a failed Status, so
  // it assumes PickSigner may succeed without a key.
  // NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): set when PickSigner is ok
  auto grant = WriteGrant(n, *signer.key, person->key, person->name, a);
  if (!grant.ok()) return Fail(grant.status());
  std::cout << grant->id().hex() << "\n";
  return kExitOk;
}

// person rekey (the person's current key, held here, signs the move) and
// person move (an admin or the root vouches for it): a new key for the same
// person, with a grant and a profile, written in one transaction.
int RunRekey(const Context& ctx, const PersonArgs& a, bool vouched) {
  if (!a.email.empty()) {
    if (Status s = ValidateEmail(a.email); !s.ok()) return Fail(s.WithContext("--email"));
  }
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  if (Status s = CheckEnrolled(n); !s.ok()) return Fail(s);
  auto limits = PickKdf(a);
  if (!limits.ok()) return Fail(limits.status());
  auto person = FindPerson(n, a.who);
  if (!person.ok()) return Fail(person.status());
  if (person->name.empty()) {
    return Fail(
        Status::FailedPrecondition("key " + ShortKey(person->key) +
                                   " has no name on record; a moved person keeps their name"));
  }
  const std::string email = a.email.empty() ? person->email : a.email;
  if (email.empty()) {
    return Fail(Status::InvalidArgument("no e-mail on record for " + person->name +
                                        "; give the new one with --email"));
  }
  // Who signs the move: the old key itself, or an admin (or the root).
  GrantSigner grant_signer;
  const SigningKey* mover = nullptr;
  if (vouched) {
    if (a.as.empty() && !RootKeyAvailable(n, a.root_key)) {
      return Fail(Status::InvalidArgument(
          "person move needs an admin to vouch for the move: --as ADMIN, or the root key "
          "(--root-key FILE); if " +
          person->name + "'s current key is on this node, use person rekey"));
    }
    if (Status s = PickSigner(n, a, grant_signer); !s.ok()) return Fail(s);
    mover = grant_signer.key;
  } else {
    auto old_key = UnlockPersonKey(n, person->key);
    if (!old_key.ok()) {
      return Fail(old_key.status().WithContext(
          person->name + "'s current key " + ShortKey(person->key) +
          " must be on this node to sign the rekey (else an admin can vouch: person move)"));
    }
    mover = *old_key;
    if (Status s = PickSigner(n, a, grant_signer); !s.ok()) return Fail(s);
  }
  auto pass = GetPassphrase(person->name + " (new key)", true, "CREDMESH_NEW_PASSPHRASE");
  if (!pass.ok()) return Fail(pass.status());
  SigningKey key = SigningKey::Generate();
  auto tx = Transaction::Begin(n.store().db());
  if (!tx.ok()) return Fail(tx.status());
  RekeyBody body = RekeyBody::Make(person->key, key, a.reason);
  // NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): both branches set it when ok
  auto rekey = n.ledger().Write(kRekeyKind, "district/" + n.config().district,
                                PersonEntity(person->key), body.ToValue(), *mover);
  if (!rekey.ok()) return Fail(rekey.status().WithContext("person.rekey"));
  auto grant = WriteGrant(n, *grant_signer.key, key.public_key(), person->name, a);
  if (!grant.ok()) return Fail(grant.status());
  const std::string scope = GrantScope(n, a);
  auto prof = WriteProfile(n, key, person->name, email, ProfileScope(n, scope));
  if (!prof.ok()) return Fail(prof.status());
  if (Status s = SaveAndCommit(n, *tx, person->name, email, key, *pass, *limits); !s.ok()) {
    return Fail(s);
  }
  if (ctx.json) {
    PrintJson({{"key", key.public_key().hex()},
               {"previous_key", person->key.hex()},
               {"rekey", rekey->id().hex()},
               {"grant", grant->id().hex()},
               {"profile", prof->id().hex()},
               {"scope", scope},
               {"role", a.role}});
  } else {
    std::cout << (vouched ? "moved " : "re-keyed ") << person->name << " to key "
              << ShortKey(key.public_key()) << " as " << a.role << " for " << scope
              << " (earlier key " << ShortKey(person->key) << ")\n  rekey: " << rekey->id().hex()
              << "\n  grant: " << grant->id().hex() << "\n";
  }
  return kExitOk;
}

std::string FactState(const TrustFact& f, uint64_t now) {
  if (f.revoked_hlc != TrustFact::kNever && f.revoked_hlc <= now) return "revoked";
  int64_t ms = HybridClock::Millis(now);
  if (ms >= f.not_after_ms) return "expired";
  if (ms < f.not_before_ms) return "not yet valid";
  return "active";
}

nlohmann::json PersonJson(const Person& p, const PersonDirectory& people,
                          const std::vector<PersonKeyEntry>& local, uint64_t now) {
  bool here = false;
  auto keys = nlohmann::json::array();
  for (const PublicKey& k : p.keys) {
    bool on_node = false;
    for (const auto& e : local) on_node = on_node || e.key == k;
    here = here || (k == p.key && on_node);
    keys.push_back({{"key", k.hex()}, {"current", k == p.key}, {"on_this_node", on_node}});
  }
  auto grants = nlohmann::json::array();
  for (const TrustFact& f : p.grants) {
    grants.push_back({{"id", f.id.hex()},
                      {"key", f.subject.hex()},
                      {"role", RoleName(f.role)},
                      {"scope", f.scope},
                      {"state", FactState(f, now)}});
  }
  return {
      {"key", p.key.hex()}, {"name", p.name},
      {"email", p.email},   {"local_key", here},
      {"keys", keys},       {"duplicate_name", !p.name.empty() && people.Named(p.name).size() > 1},
      {"grants", grants}};
}

void PrintPerson(const nlohmann::json& p) {
  std::cout << p["name"].get<std::string>() << "  " << p["key"].get<std::string>().substr(0, 16)
            << (p["local_key"].get<bool>() ? "  [key on this node]" : "")
            << (p["duplicate_name"].get<bool>() ? "  [name shared: use the key]" : "") << "\n";
  if (!p["email"].get<std::string>().empty())
    std::cout << "    " << p["email"].get<std::string>() << "\n";
  for (const auto& k : p["keys"]) {
    if (k["current"].get<bool>()) continue;
    std::cout << "    earlier key " << k["key"].get<std::string>().substr(0, 16) << "\n";
  }
  for (const auto& g : p["grants"]) {
    std::cout << "    " << g["role"].get<std::string>() << " " << g["scope"].get<std::string>()
              << " (" << g["state"].get<std::string>() << ") "
              << g["id"].get<std::string>().substr(0, 16) << "\n";
  }
}

int RunListOrShow(const Context& ctx, const std::string* who) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  auto local = PersonKeyStore(n.dir()).List();
  if (!local.ok()) return Fail(local.status());
  auto people = PersonDirectory::Load(n.store().db(), *local);
  if (!people.ok()) return Fail(people.status());
  const uint64_t now = HybridClock::Make(n.clock().NowMillis(), 0);
  if (who) {
    auto p = people->Resolve(*who);
    if (!p.ok()) return Fail(p.status());
    nlohmann::json j = PersonJson(*p, *people, *local, now);
    if (ctx.json)
      PrintJson(j);
    else
      PrintPerson(j);
    return kExitOk;
  }
  auto arr = nlohmann::json::array();
  for (const Person& p : people->people()) arr.push_back(PersonJson(p, *people, *local, now));
  if (ctx.json) {
    PrintJson({{"people", arr}});
    return kExitOk;
  }
  for (const auto& p : arr) PrintPerson(p);
  if (arr.empty()) std::cerr << "no people\n";
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
  auto kdf = [&](CLI::App* cmd) {
    // Not ->envname(): the option is shared by several subcommands through
    // one PersonArgs, and CLI11 filled it from the environment for those not
    // run, overriding --kdf. PickKdf reads CREDMESH_KDF when --kdf is absent.
    cmd->add_option("--kdf", a->kdf,
                    "Passphrase hashing cost: moderate (default), interactive (scripts) or "
                    "minimum (tests only); default from CREDMESH_KDF");
  };
  const std::string person_help =
      "Name (unique in the district; any case), key prefix (4+ hex digits) or full public key, "
      "from the people records this node holds";
  CLI::App* add = person->add_subcommand(
      "add",
      "Create a person's key (sealed under a passphrase) with a first role grant; the name must "
      "be new to the district");
  common(add);
  AddJsonOption(add, ctx);
  add->add_option("--name", a->name,
                  "Full name: 1-128 bytes, no control characters or bidi overrides")
      ->required();
  add->add_option("--email", a->email, "E-mail address (local@domain.tld)")->required();
  kdf(add);
  OnRun(add, ctx, [&ctx, a] { return RunAdd(ctx, *a); });

  CLI::App* grant = person->add_subcommand("grant", "Give an existing person another role grant");
  common(grant);
  grant->add_option("PERSON", a->who, person_help)->required();
  OnRun(grant, ctx, [&ctx, a] { return RunGrant(ctx, *a); });

  auto rekey_like = [&](const char* name, const char* help, bool vouched) {
    CLI::App* c = person->add_subcommand(name, help);
    common(c);
    AddJsonOption(c, ctx);
    c->add_option("PERSON", a->who, person_help)->required();
    c->add_option("--email", a->email, "E-mail address from now on (default: the one on record)");
    AddFreeText(c, "--reason", a->reason, "Why (kept in the person.rekey record)");
    kdf(c);
    OnRun(c, ctx, [&ctx, a, vouched] { return RunRekey(ctx, *a, vouched); });
  };
  rekey_like("rekey",
             "Give a person a new key, signed over by their current key (which must be on this "
             "node), with a grant for the new key; their portfolio follows them",
             false);
  rekey_like("move",
             "Move a person to this node with a new key when their old key is elsewhere or lost: "
             "an admin (--as ADMIN) or the root (--root-key) vouches; grants the new key "
             "--role here; their portfolio follows them",
             true);

  CLI::App* list = person->add_subcommand("list", "List people with their keys and grants");
  AddDirOption(list, ctx);
  AddJsonOption(list, ctx);
  OnRun(list, ctx, [&ctx] { return RunListOrShow(ctx, nullptr); });

  CLI::App* show = person->add_subcommand("show", "Show one person: keys, e-mail and grants");
  AddDirOption(show, ctx);
  AddJsonOption(show, ctx);
  show->add_option("PERSON", a->who, person_help)->required();
  OnRun(show, ctx, [&ctx, a] { return RunListOrShow(ctx, &a->who); });
}

}  // namespace credmesh::cli
