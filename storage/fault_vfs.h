// fault_vfs.h: a SQLite VFS for tests that fails chosen file operations, in
// the manner of LevelDB's fault-injection Env. It wraps the default VFS
// (unix) and passes everything through, except that once armed it fails the
// Nth write, sync or truncate with an I/O error or "disk full", so tests can
// prove that a storage error leaves all or nothing of a transaction behind.
//
// Connections use it when opened with Database::Options::vfs = name(), or
// every connection opened without naming a VFS while it is installed as the
// default. Not for production use.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "protocol/status.h"

namespace credmesh {

class FaultVfs {
 public:
  enum class Op { kWrite, kSync, kTruncate };
  enum class Fault {
    kIoError,   // SQLITE_IOERR_WRITE / _FSYNC / _TRUNCATE
    kDiskFull,  // SQLITE_FULL
  };
  struct Plan {
    Op op = Op::kWrite;
    int64_t nth = 1;  // the first call that fails, counted from Arm (1-based)
    Fault fault = Fault::kIoError;
    // Also fail every later call of `op` (a disk that stays full), not
    // only the nth.
    bool persistent = false;
  };

  // Registers a VFS called `name` that wraps the current default VFS. With
  // `make_default`, connections opened without naming a VFS use it as well.
  // Errors: AlreadyExists if a VFS of that name is registered.
  static Result<std::unique_ptr<FaultVfs>> Install(const std::string& name,
                                                   bool make_default = false);
  // Unregisters (the previous default becomes the default again).
  // REQUIRES: every connection opened through it is closed.
  ~FaultVfs();
  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;

  const std::string& name() const { return name_; }

  // Starts counting calls afresh and fails them as `plan` says.
  void Arm(const Plan& plan);
  // Stops failing anything; counting starts afresh.
  void Disarm();
  // Calls of `op` (on any file of any connection) since Arm or Disarm.
  int64_t Calls(Op op) const;
  // Calls failed since Arm.
  int64_t Failures() const;
  // With false, syncs are counted (and failed as planned) but not passed
  // to the disk: faster tests that do not simulate a power cut. Default true.
  void set_syncs_reach_disk(bool on);

 private:
  struct File;
  FaultVfs(std::string name, sqlite3_vfs* base);
  // Counts a call of `op`; returns the error to fail it with, or SQLITE_OK.
  int Intercept(Op op);
  static int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags,
                  int* out_flags);
  static const sqlite3_io_methods kMethods;

  std::string name_;
  sqlite3_vfs* base_;
  sqlite3_vfs vfs_{};
  mutable std::mutex mu_;  // connections may run on other threads
  bool armed_ = false;
  Plan plan_;
  int64_t calls_[3] = {0, 0, 0};
  int64_t failures_ = 0;
  bool syncs_reach_disk_ = true;
};

}  // namespace credmesh
