#include "node/node.h"

#include <filesystem>

#include "storage/key_file.h"

namespace fs = std::filesystem;

namespace credmesh {

Node::Node(std::string dir, NodeConfig config, SigningKey identity, Clock& clock)
    : dir_(std::move(dir)),
      config_(std::move(config)),
      identity_(std::move(identity)),
      clock_(clock) {}

Node::~Node() = default;

Status Node::Init(const std::string& dir, const NodeConfig& config) {
  std::error_code ec;
  for (const char* f : {kConfigFile, kKeyFile, kDatabaseFile}) {
    if (fs::exists(fs::path(dir) / f, ec)) {
      return Status::AlreadyExists(dir + " already holds a credmesh node (" + f +
                                   " exists); refusing to overwrite it");
    }
  }
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError("create " + dir + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  SigningKey key = SigningKey::Generate();
  CREDMESH_RETURN_IF_ERROR(WriteKeyFile(dir + "/" + kKeyFile, key));
  {
    auto store = Store::Open(dir + "/" + kDatabaseFile);
    if (!store.ok()) return store.status();
  }
  // The config is written last: its presence marks a complete node.
  return WriteFileAtomic(dir + "/" + kConfigFile, config.ToJson());
}

Result<std::unique_ptr<Node>> Node::Open(const std::string& dir, Clock& clock) {
  if (!fs::exists(fs::path(dir) / kConfigFile)) {
    return Status::NotFound("no credmesh node in " + dir + " (run: credmesh init --dir " + dir +
                            ")");
  }
  CREDMESH_ASSIGN_OR_RETURN(std::string text, ReadFile(dir + "/" + kConfigFile));
  auto config = NodeConfig::Parse(text);
  if (!config.ok()) return config.status().WithContext(dir + "/" + kConfigFile);
  CREDMESH_ASSIGN_OR_RETURN(SigningKey key, ReadKeyFile(dir + "/" + kKeyFile));
  std::unique_ptr<Node> node(new Node(dir, std::move(*config), std::move(key), clock));
  Store::Options so;
  so.create = false;
  CREDMESH_ASSIGN_OR_RETURN(node->store_, Store::Open(dir + "/" + kDatabaseFile, so));
  node->authorizer_ = MakeAuthorizer(*node);
  node->projections_ = MakeProjections(*node);
  std::vector<Projection*> projections;
  for (auto& p : node->projections_) projections.push_back(p.get());
  CREDMESH_ASSIGN_OR_RETURN(
      node->ledger_,
      Ledger::Open(*node->store_, clock, node->authorizer_.get(), std::move(projections)));
  return node;
}

Status Node::SaveConfig() { return WriteFileAtomic(Path(kConfigFile), config_.ToJson()); }

}  // namespace credmesh
