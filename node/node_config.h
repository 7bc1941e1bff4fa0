// node_config.h: the node's config file, DIR/config.json (documented in
// docs/node-directory.md). Written by `credmesh init`, edited by the CLI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/status.h"

namespace credmesh {

struct NodeConfig {
  static constexpr char kFormat[] = "credmesh-node/1";
  std::string role = "standalone";              // standalone | school | hub
  std::string name;                             // human name of the node (school or hub)
  std::string district;                         // district id once known, e.g. "valley"
  std::string listen = "tcp://127.0.0.1:7600";  // sync endpoint for `serve`
  // Hub: the endpoint schools are told to reach it at (written into the
  // certificate bundles it issues); empty = `listen`.
  std::string advertise;
  int sync_interval_s = 60;     // periodic sync with each peer
  unsigned verify_threads = 2;  // threads used to verify incoming batches
  // Evidence file policy (docs/files.md §4): largest file, and the most file
  // bytes one submission attempt may hold.
  int64_t max_file_mb = 1024;
  int64_t max_submission_mb = 2048;
  // Quarantine quotas (docs/trust.md "Quarantine"): records of unknown
  // authors kept per author key, in total, and per peer that delivered
  // them; 0 = no limit.
  int64_t quarantine_per_author = 1000;
  int64_t quarantine_total = 10000;
  int64_t quarantine_per_peer = 5000;
  // Trust (docs/trust.md): set by `init --hub` or `enrol install`.
  std::string school;       // school id from the node certificate
  std::string root_key;     // district root public key, hex
  std::string hub_address;  // hub sync endpoint from the certificate bundle
  std::string hub_key;      // hub node public key, hex

  // The hub address written into certificate bundles: `advertise`, else `listen`.
  const std::string& AdvertisedAddress() const { return advertise.empty() ? listen : advertise; }

  static Result<NodeConfig> Parse(const std::string& json_text);
  std::string ToJson() const;
};

}  // namespace credmesh
