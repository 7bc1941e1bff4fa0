#include "tools/trust_cli.h"

#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "node/district_init.h"
#include "node/enrolment.h"
#include "node/trust/person_keys.h"
#include "storage/key_file.h"
#include "tools/cli.h"

namespace credmesh::cli {
namespace {

Result<std::string> Prompt(const std::string& text) {
  if (::isatty(STDIN_FILENO) != 1) {
    return Status::FailedPrecondition(
        "a passphrase is needed but stdin is not a terminal; set CREDMESH_PASSPHRASE");
  }
  std::cerr << text << std::flush;
  termios old{};
  ::tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::string line;
  std::getline(std::cin, line);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  std::cerr << "\n";
  return line;
}

}  // namespace

Result<std::string> GetPassphrase(const std::string& who, bool confirm, const char* env) {
  for (const char* var : {env, "CREDMESH_PASSPHRASE"}) {
    if (!var) continue;
    if (const char* p = std::getenv(var); p && *p) return std::string(p);
  }
  CREDMESH_ASSIGN_OR_RETURN(std::string pass, Prompt("Passphrase for " + who + ": "));
  if (pass.empty()) return Status::InvalidArgument("empty passphrase");
  if (confirm) {
    CREDMESH_ASSIGN_OR_RETURN(std::string again, Prompt("Repeat passphrase for " + who + ": "));
    bool same = again == pass;
    sodium_memzero(again.data(), again.size());
    if (!same) return Status::InvalidArgument("the passphrases differ");
  }
  return pass;
}

bool RootKeyAvailable(const Node& node, const std::string& file) {
  return !file.empty() || std::filesystem::exists(node.Path(kRootKeyFile));
}

Result<SigningKey> LoadRootKey(const Node& node, const std::string& file) {
  std::string path = file.empty() ? node.Path(kRootKeyFile) : file;
  if (file.empty() && !std::filesystem::exists(path)) {
    return Status::NotFound("the district root key is not on this node (" + path +
                            "); pass --root-key FILE from the offline copy");
  }
  CREDMESH_ASSIGN_OR_RETURN(SigningKey key, ReadKeyFile(path));
  if (key.public_key().hex() != node.config().root_key) {
    return Status::Unauthorized(path + " is not the root key of district " +
                                node.config().district);
  }
  return key;
}

Result<PersonDirectory> LoadPeople(Node& node) {
  CREDMESH_ASSIGN_OR_RETURN(auto local, PersonKeyStore(node.dir()).List());
  return PersonDirectory::Load(node.store().db(), local);
}

Result<Person> FindPerson(Node& node, const std::string& who) {
  CREDMESH_ASSIGN_OR_RETURN(PersonDirectory people, LoadPeople(node));
  return people.Resolve(who);
}

Result<const SigningKey*> UnlockPerson(Node& node, const std::string& who) {
  CREDMESH_ASSIGN_OR_RETURN(Person person, FindPerson(node, who));
  CREDMESH_ASSIGN_OR_RETURN(auto local, PersonKeyStore(node.dir()).List());
  for (const PublicKey& k : person.keys) {
    for (const PersonKeyEntry& e : local) {
      if (e.key == k) return UnlockPersonKey(node, k);
    }
  }
  return Status::NotFound(PersonDirectory::Describe(person) +
                          " has no key on this node; signing as them needs their own key "
                          "(see: credmesh person list)");
}

Result<const SigningKey*> UnlockPersonKey(const Node& node, const PublicKey& public_key) {
  static std::map<std::string, std::unique_ptr<SigningKey>> unlocked;
  PersonKeyStore store(node.dir());
  auto found = store.Find(public_key.hex());
  if (!found.ok()) {
    return Status::NotFound("key " + public_key.hex().substr(0, 16) +
                            " is not in this node's key store (" + node.Path("people") + ")");
  }
  PersonKeyEntry entry = std::move(*found);
  auto& slot = unlocked[entry.key.hex()];
  if (slot) return slot.get();
  CREDMESH_ASSIGN_OR_RETURN(std::string pass, GetPassphrase(entry.name, false, nullptr));
  auto key = store.Unlock(entry, pass);
  sodium_memzero(pass.data(), pass.size());
  if (!key.ok()) return key.status();
  slot = std::make_unique<SigningKey>(std::move(*key));
  return slot.get();
}

Status AddTrustStatus(Node& node, nlohmann::json& j) {
  CREDMESH_ASSIGN_OR_RETURN(NodeCertInfo cert, OwnCertificate(node));
  nlohmann::json t = {{"enrolled", !cert.role.empty()}};
  if (!cert.role.empty()) {
    t["certificate"] = {{"role", cert.role}, {"district", cert.district}, {"school", cert.school}};
  }
  const NodeConfig& c = node.config();
  if (!c.hub_address.empty()) t["hub"] = {{"address", c.hub_address}, {"key", c.hub_key}};
  t["root_key_on_node"] = std::filesystem::exists(node.Path(kRootKeyFile));
  RecordQuery q;
  q.state = RecordState::kPending;
  CREDMESH_ASSIGN_OR_RETURN(auto rows, node.store().records().List(q));
  std::map<std::string, int64_t> reasons;
  for (const auto& r : rows) ++reasons[r.reason.empty() ? "(not yet decided)" : r.reason];
  auto arr = nlohmann::json::array();
  for (const auto& [reason, n] : reasons) arr.push_back({{"reason", reason}, {"count", n}});
  t["pending_by_reason"] = arr;
  q.state = RecordState::kDenied;
  CREDMESH_ASSIGN_OR_RETURN(int64_t denied, node.store().records().Count(q));
  t["denied"] = denied;
  j["trust"] = t;
  return Status::Ok();
}

void PrintTrustStatus(const nlohmann::json& j) {
  const auto& t = j["trust"];
  if (t["enrolled"].get<bool>()) {
    const auto& c = t["certificate"];
    std::cout << "  enrolled: " << c["role"].get<std::string>() << " of district "
              << c["district"].get<std::string>();
    if (!c["school"].get<std::string>().empty())
      std::cout << ", school " << c["school"].get<std::string>();
    std::cout << "\n";
  } else {
    std::cout
        << "  enrolled: no — local work only (install a certificate: credmesh enrol install)\n";
  }
  if (t.contains("hub"))
    std::cout << "  hub:      " << t["hub"]["address"].get<std::string>() << "\n";
  std::cout << "  denied:   " << t["denied"].get<int64_t>() << "\n";
  for (const auto& p : t["pending_by_reason"]) {
    std::cout << "  waiting:  " << p["count"].get<int64_t>() << " — "
              << p["reason"].get<std::string>() << "\n";
  }
}

}  // namespace credmesh::cli
