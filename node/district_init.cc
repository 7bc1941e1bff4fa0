#include "node/district_init.h"

#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "node/enrolment.h"
#include "node/node.h"
#include "node/trust/trust_records.h"
#include "protocol/crypto.h"
#include "storage/key_file.h"

namespace credmesh {
namespace {

namespace fs = std::filesystem;

// Removes a temporary directory when the init does not complete.
class ScopedTempDir {
 public:
  explicit ScopedTempDir(fs::path path) : path_(std::move(path)) {}
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  ~ScopedTempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void Release() { path_.clear(); }

 private:
  fs::path path_;
};

// "<parent>/.<name>.init-<16 hex digits>", beside `target` so that the final
// rename stays within one file system.
fs::path TempSibling(const fs::path& target) {
  uint8_t random[8];
  RandomBytes(random, sizeof random);
  fs::path parent = target.parent_path();
  if (parent.empty()) parent = ".";
  return parent /
         ("." + target.filename().string() + ".init-" + ToHex(ByteView(random, sizeof random)));
}

Status CheckNoNode(const std::string& dir) {
  std::error_code ec;
  for (const char* f : {Node::kConfigFile, Node::kKeyFile, Node::kDatabaseFile}) {
    if (fs::exists(fs::path(dir) / f, ec)) {
      return Status::AlreadyExists(dir + " already holds a credmesh node (" + f +
                                   " exists); refusing to overwrite it");
    }
  }
  return Status::Ok();
}

// Moves the finished node from `temp` to `target`. A missing or empty target
// is replaced by one rename. Into a directory holding other files the
// entries move one by one, the config last (its presence marks a complete
// node); if one fails, those already moved are moved back.
Status Publish(const fs::path& temp, const fs::path& target) {
  std::error_code ec;
  const bool exists = fs::exists(target, ec);
  if (!exists || (fs::is_directory(target, ec) && fs::is_empty(target, ec))) {
    fs::rename(temp, target, ec);
    if (ec)
      return Status::IoError("move " + temp.string() + " to " + target.string() + ": " +
                             ec.message());
    return Status::Ok();
  }
  if (!fs::is_directory(target, ec))
    return Status::AlreadyExists(target.string() + " exists and is not a directory");
  std::vector<fs::path> names;
  for (const auto& entry : fs::directory_iterator(temp, ec)) {
    if (entry.path().filename() != Node::kConfigFile) names.push_back(entry.path().filename());
  }
  if (ec) return Status::IoError("list " + temp.string() + ": " + ec.message());
  names.push_back(Node::kConfigFile);
  for (size_t i = 0; i < names.size(); ++i) {
    fs::rename(temp / names[i], target / names[i], ec);
    if (!ec) continue;
    Status failed = Status::IoError("move " + names[i].string() + " into " + target.string() +
                                    ": " + ec.message());
    for (size_t j = 0; j < i; ++j) {
      std::error_code undo;
      fs::rename(target / names[j], temp / names[j], undo);
    }
    return failed;
  }
  fs::permissions(target, fs::perms::owner_all, fs::perm_options::replace, ec);
  return Status::Ok();
}

// Builds the node in `dir` (a fresh temporary directory). `shown_dir` is the
// directory the node will end up in, for the paths reported in `out`.
Status Build(const std::string& dir, const std::string& shown_dir, const InitOptions& o,
             Clock& clock, const InitFaultHook& fault, InitOutcome& out) {
  auto step = [&](InitStep s) { return fault ? fault(s) : Status::Ok(); };
  NodeConfig config;
  if (o.kind == InitOptions::Kind::kSchool) config.listen = kDefaultSchoolListen;
  if (!o.listen.empty()) config.listen = o.listen;
  config.advertise = o.advertise;
  if (o.sync_interval_s > 0) config.sync_interval_s = o.sync_interval_s;
  std::optional<SigningKey> root;
  switch (o.kind) {
    case InitOptions::Kind::kStandalone:
      config.name = o.name.empty() ? "credmesh node" : o.name;
      break;
    case InitOptions::Kind::kHub:
      config.role = "hub";
      config.district = Slugify(o.district_name);
      config.name = o.name.empty() ? o.district_name + " hub" : o.name;
      root = SigningKey::Generate();
      config.root_key = root->public_key().hex();
      out.district = config.district;
      out.root_key = root->public_key();
      out.root_key_file = shown_dir + "/" + kRootKeyFile;
      out.warning = HubReachabilityWarning(config.AdvertisedAddress());
      break;
    case InitOptions::Kind::kSchool:
      config.role = "school";
      config.name = o.name;
      out.request_file = shown_dir + "/" + kRequestFile;
      break;
  }
  CREDMESH_RETURN_IF_ERROR(step(InitStep::kNodeFiles));
  CREDMESH_RETURN_IF_ERROR(Node::Init(dir, config));
  if (root) {
    CREDMESH_RETURN_IF_ERROR(step(InitStep::kRootKey));
    CREDMESH_RETURN_IF_ERROR(WriteKeyFile(dir + "/" + kRootKeyFile, *root));
  }
  CREDMESH_ASSIGN_OR_RETURN(auto node, Node::Open(dir, clock));
  out.node_key = node->identity().public_key();
  if (root) {
    CREDMESH_RETURN_IF_ERROR(step(InitStep::kGenesis));
    CREDMESH_RETURN_IF_ERROR(FoundDistrict(*node, *root, o.district_name));
  }
  if (o.kind == InitOptions::Kind::kSchool) {
    CREDMESH_RETURN_IF_ERROR(step(InitStep::kEnrolmentRequest));
    auto request = EnrolmentRequest::Create(node->identity(), o.name);
    CREDMESH_RETURN_IF_ERROR(WriteFileAtomic(dir + "/" + kRequestFile, request.ToJson()));
  }
  return Status::Ok();  // `node` closes here, before the directory moves
}

}  // namespace

std::string HubReachabilityWarning(const std::string& address) {
  // "tcp://HOST:PORT" -> HOST (an IPv6 host is bracketed: "tcp://[::1]:7600").
  std::string host = address;
  if (auto p = host.find("://"); p != std::string::npos) host = host.substr(p + 3);
  if (auto p = host.rfind(':'); p != std::string::npos) host = host.substr(0, p);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const bool loopback = host.rfind("127.", 0) == 0 || host == "localhost" || host == "::1";
  const bool wildcard = host == "0.0.0.0" || host == "*" || host == "::";
  if (!loopback && !wildcard) return "";
  return "warning: certificates this hub issues will tell schools to reach it at " + address +
         (loopback ? ", a loopback address" : ", a wildcard address") +
         ": schools on other machines cannot reach it. Give the address they can reach: "
         "init --hub --advertise tcp://HOST:PORT, or set \"advertise\" in config.json "
         "(docs/deploy.md).";
}

Result<InitOutcome> InitNodeDirectory(const std::string& dir, const InitOptions& options,
                                      Clock& clock, const InitFaultHook& fault) {
  if (options.kind == InitOptions::Kind::kHub && Slugify(options.district_name).empty()) {
    return Status::InvalidArgument("--district needs a name with letters or digits");
  }
  if (options.kind == InitOptions::Kind::kSchool && options.name.empty()) {
    return Status::InvalidArgument("init --school needs --name (the school's name)");
  }
  CREDMESH_RETURN_IF_ERROR(CheckNoNode(dir));
  fs::path target(dir);
  if (!target.has_filename()) target = target.parent_path();  // "pine/" -> "pine"
  if (fault) CREDMESH_RETURN_IF_ERROR(fault(InitStep::kCreateTemp));
  ScopedTempDir temp(TempSibling(target));
  std::error_code ec;
  fs::create_directories(temp.path(), ec);
  if (ec) return Status::IoError("create " + temp.path().string() + ": " + ec.message());
  InitOutcome out;
  CREDMESH_RETURN_IF_ERROR(Build(temp.path().string(), dir, options, clock, fault, out));
  if (fault) CREDMESH_RETURN_IF_ERROR(fault(InitStep::kPublish));
  CREDMESH_RETURN_IF_ERROR(Publish(temp.path(), target));
  // Renamed into place, or emptied into an existing directory (then removed).
  if (!fs::exists(temp.path(), ec)) temp.Release();
  return out;
}

}  // namespace credmesh
