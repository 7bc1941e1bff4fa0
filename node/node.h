// node.h: a credmesh node on disk. Start here for the node layer.
//
//   DIR/config.json   node configuration (node_config.h)
//   DIR/node.key      the node's Ed25519 identity, mode 0600 (key_file.h)
//   DIR/credmesh.db   SQLite database: records and derived state
//   DIR/chunks/       evidence file chunks (node/files/chunk_store.h)
//
// See docs/node-directory.md.
#pragma once

#include <memory>
#include <string>

#include "node/ledger.h"
#include "node/node_config.h"
#include "protocol/clock.h"
#include "protocol/crypto.h"
#include "storage/store.h"

namespace credmesh {

class Node {
 public:
  static constexpr char kConfigFile[] = "config.json";
  static constexpr char kKeyFile[] = "node.key";
  static constexpr char kDatabaseFile[] = "credmesh.db";
  static constexpr char kChunkDir[] = "chunks";  // evidence file chunks (node/files)

  // Creates a new node in `dir` (created if missing). Refuses, changing
  // nothing, if `dir` already holds a node.
  static Status Init(const std::string& dir, const NodeConfig& config);
  // Opens an existing node. `clock` must outlive the node.
  static Result<std::unique_ptr<Node>> Open(const std::string& dir, Clock& clock);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  ~Node();

  const std::string& dir() const { return dir_; }
  const NodeConfig& config() const { return config_; }
  NodeConfig& mutable_config() { return config_; }
  Status SaveConfig();
  const SigningKey& identity() const { return identity_; }
  Store& store() { return *store_; }
  Ledger& ledger() { return *ledger_; }
  Clock& clock() { return clock_; }
  std::string Path(const std::string& file) const { return dir_ + "/" + file; }

 private:
  Node(std::string dir, NodeConfig config, SigningKey identity, Clock& clock);
  std::string dir_;
  NodeConfig config_;
  SigningKey identity_;
  Clock& clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Authorizer> authorizer_;
  std::vector<std::unique_ptr<Projection>> projections_;
  std::unique_ptr<Ledger> ledger_;
};

// Builds the authorizer and projections a node runs with (node/modules.cc).
// Modules plug in here; a null authorizer means "trust every verified record".
std::unique_ptr<Authorizer> MakeAuthorizer(Node& node);
std::vector<std::unique_ptr<Projection>> MakeProjections(Node& node);

}  // namespace credmesh
