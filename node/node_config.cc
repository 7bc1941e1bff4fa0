#include "node/node_config.h"

#include <nlohmann/json.hpp>

namespace credmesh {

Result<NodeConfig> NodeConfig::Parse(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return Status::InvalidArgument("config is not a JSON object");
  if (j.value("format", "") != kFormat) {
    return Status::InvalidArgument(std::string("config format must be \"") + kFormat + "\"");
  }
  NodeConfig c;
  try {
    c.role = j.value("role", c.role);
    c.name = j.value("name", c.name);
    c.district = j.value("district", c.district);
    c.listen = j.value("listen", c.listen);
    c.advertise = j.value("advertise", c.advertise);
    c.sync_interval_s = j.value("sync_interval_s", c.sync_interval_s);
    c.verify_threads = j.value("verify_threads", c.verify_threads);
    c.max_file_mb = j.value("max_file_mb", c.max_file_mb);
    c.max_submission_mb = j.value("max_submission_mb", c.max_submission_mb);
    c.quarantine_per_author = j.value("quarantine_per_author", c.quarantine_per_author);
    c.quarantine_total = j.value("quarantine_total", c.quarantine_total);
    c.quarantine_per_peer = j.value("quarantine_per_peer", c.quarantine_per_peer);
    c.school = j.value("school", c.school);
    c.root_key = j.value("root_key", c.root_key);
    c.hub_address = j.value("hub_address", c.hub_address);
    c.hub_key = j.value("hub_key", c.hub_key);
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("config: ") + e.what());
  }
  if (c.role != "standalone" && c.role != "school" && c.role != "hub") {
    return Status::InvalidArgument("config role must be standalone, school or hub");
  }
  if (c.sync_interval_s < 1) return Status::InvalidArgument("config sync_interval_s must be >= 1");
  if (c.verify_threads < 1 || c.verify_threads > 64) {
    return Status::InvalidArgument("config verify_threads must be 1..64");
  }
  if (c.max_file_mb < 1 || c.max_file_mb > 1024)
    return Status::InvalidArgument("config max_file_mb must be 1..1024");
  if (c.max_submission_mb < c.max_file_mb) {
    return Status::InvalidArgument("config max_submission_mb must be >= max_file_mb");
  }
  if (c.quarantine_per_author < 0 || c.quarantine_total < 0 || c.quarantine_per_peer < 0) {
    return Status::InvalidArgument(
        "config quarantine_per_author, quarantine_total and quarantine_per_peer must be >= 0");
  }
  return c;
}

std::string NodeConfig::ToJson() const {
  nlohmann::json j = {{"format", kFormat},
                      {"role", role},
                      {"name", name},
                      {"district", district},
                      {"listen", listen},
                      {"sync_interval_s", sync_interval_s},
                      {"verify_threads", verify_threads},
                      {"max_file_mb", max_file_mb},
                      {"max_submission_mb", max_submission_mb},
                      {"quarantine_per_author", quarantine_per_author},
                      {"quarantine_total", quarantine_total},
                      {"quarantine_per_peer", quarantine_per_peer}};
  for (const auto& [k, v] : {std::pair<const char*, const std::string*>{"advertise", &advertise},
                             {"school", &school},
                             {"root_key", &root_key},
                             {"hub_address", &hub_address},
                             {"hub_key", &hub_key}}) {
    if (!v->empty()) j[k] = *v;
  }
  return j.dump(2) + "\n";
}

}  // namespace credmesh
