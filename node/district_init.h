// district_init.h: creating a node directory — a standalone node, a district
// hub (with a new district root key and the district's genesis records) or a
// school (with an enrolment request to take to the hub) — as one atomic step:
// everything is built in a temporary sibling directory and renamed into
// place, so a failed init leaves no half-made node behind.
#pragma once

#include <functional>
#include <string>

#include "protocol/bytes.h"
#include "protocol/clock.h"
#include "protocol/status.h"

namespace credmesh {

// Files an init may write beside the node's own (node.h).
inline constexpr char kRootKeyFile[] = "root.key";                // hub: the district root key
inline constexpr char kRequestFile[] = "enrolment-request.json";  // school
// A school's default `listen`, one port above the hub's default
// (tcp://127.0.0.1:7600) so a hub and a school can share one machine.
inline constexpr char kDefaultSchoolListen[] = "tcp://127.0.0.1:7601";

struct InitOptions {
  enum class Kind { kStandalone, kHub, kSchool };
  Kind kind = Kind::kStandalone;
  // The node's name. Required for a school; a hub defaults to
  // "<district_name> hub", a standalone node to "credmesh node".
  std::string name;
  std::string district_name;  // hub only, e.g. "Valley USD"; its slug is the district id
  std::string listen;         // endpoint `serve` binds; "" = the default
  std::string advertise;      // hub: address written into certificates; "" = listen
  int sync_interval_s = 0;    // 0 = the default
};

struct InitOutcome {
  PublicKey node_key;
  std::string district;       // hub: the district id (slug of district_name)
  PublicKey root_key;         // hub: the district root's public key
  std::string root_key_file;  // hub: <dir>/root.key
  std::string request_file;   // school: <dir>/enrolment-request.json
  std::string warning;        // hub: HubReachabilityWarning of its config, or ""
};

// For a hub whose certificates would carry a loopback or wildcard address
// (no `advertise`, `listen` on 127.x, localhost, ::1, 0.0.0.0 or *): a
// warning that schools on other machines cannot reach it and how to fix
// it. "" when the advertised address names a reachable host.
std::string HubReachabilityWarning(const std::string& advertised_address);

// The steps of an init, in order, for fault injection in tests.
enum class InitStep { kCreateTemp, kNodeFiles, kRootKey, kGenesis, kEnrolmentRequest, kPublish };
// Called before each step; a non-ok status makes the init fail there as if
// the step had failed.
using InitFaultHook = std::function<Status(InitStep)>;

// Creates the node described by `options` in `dir`. `dir` may be missing,
// an empty directory, or a directory without a node (its other files are
// kept). On success the node is complete; on failure `dir` is as it was
// (missing stays missing) and no temporary directory is left.
// Errors: AlreadyExists if `dir` holds a node; InvalidArgument for a school
// without a name or a hub whose district name has no letter or digit;
// IoError and others from the file system and the store.
Result<InitOutcome> InitNodeDirectory(const std::string& dir, const InitOptions& options,
                                      Clock& clock, const InitFaultHook& fault = {});

}  // namespace credmesh
