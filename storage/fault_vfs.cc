#include "storage/fault_vfs.h"

#include <cstddef>

namespace credmesh {

// What SQLite allocates for each file opened through the fault VFS: our
// header, then the wrapped VFS's own file object.
struct FaultVfs::File {
  sqlite3_file base;  // first, so a sqlite3_file* is a File*
  FaultVfs* owner;
  sqlite3_file* real;  // the wrapped file, stored right after this header
};

namespace {

constexpr size_t kHeaderSize = (sizeof(sqlite3_file) + sizeof(void*) * 2 + 15) / 16 * 16;
static_assert(kHeaderSize >= sizeof(sqlite3_file) + 2 * sizeof(void*));

}  // namespace

// The file methods pass through to the wrapped file; write, sync and
// truncate first ask the owner whether to fail.
#define CREDMESH_REAL(f) (reinterpret_cast<FaultVfs::File*>(f)->real)
#define CREDMESH_CALL(f, method, ...) \
  CREDMESH_REAL(f)->pMethods->method(CREDMESH_REAL(f), __VA_ARGS__)

const sqlite3_io_methods FaultVfs::kMethods = {
    3,
    /*xClose*/
    [](sqlite3_file* f) {
      sqlite3_file* real = CREDMESH_REAL(f);
      return real->pMethods ? real->pMethods->xClose(real) : SQLITE_OK;
    },
    /*xRead*/
    [](sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
      return CREDMESH_CALL(f, xRead, buf, n, off);
    },
    /*xWrite*/
    [](sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
      auto* file = reinterpret_cast<File*>(f);
      if (int rc = file->owner->Intercept(Op::kWrite); rc != SQLITE_OK) return rc;
      return CREDMESH_CALL(f, xWrite, buf, n, off);
    },
    /*xTruncate*/
    [](sqlite3_file* f, sqlite3_int64 size) {
      auto* file = reinterpret_cast<File*>(f);
      if (int rc = file->owner->Intercept(Op::kTruncate); rc != SQLITE_OK) return rc;
      return CREDMESH_CALL(f, xTruncate, size);
    },
    /*xSync*/
    [](sqlite3_file* f, int flags) {
      auto* file = reinterpret_cast<File*>(f);
      if (int rc = file->owner->Intercept(Op::kSync); rc != SQLITE_OK) return rc;
      {
        std::lock_guard lock(file->owner->mu_);
        if (!file->owner->syncs_reach_disk_) return SQLITE_OK;
      }
      return CREDMESH_CALL(f, xSync, flags);
    },
    /*xFileSize*/
    [](sqlite3_file* f, sqlite3_int64* size) { return CREDMESH_CALL(f, xFileSize, size); },
    /*xLock*/ [](sqlite3_file* f, int level) { return CREDMESH_CALL(f, xLock, level); },
    /*xUnlock*/ [](sqlite3_file* f, int level) { return CREDMESH_CALL(f, xUnlock, level); },
    /*xCheckReservedLock*/
    [](sqlite3_file* f, int* out) { return CREDMESH_CALL(f, xCheckReservedLock, out); },
    /*xFileControl*/
    [](sqlite3_file* f, int op, void* arg) { return CREDMESH_CALL(f, xFileControl, op, arg); },
    /*xSectorSize*/
    [](sqlite3_file* f) { return CREDMESH_REAL(f)->pMethods->xSectorSize(CREDMESH_REAL(f)); },
    /*xDeviceCharacteristics*/
    [](sqlite3_file* f) {
      return CREDMESH_REAL(f)->pMethods->xDeviceCharacteristics(CREDMESH_REAL(f));
    },
    /*xShmMap*/
    [](sqlite3_file* f, int page, int page_size, int extend, void volatile** out) {
      return CREDMESH_CALL(f, xShmMap, page, page_size, extend, out);
    },
    /*xShmLock*/
    [](sqlite3_file* f, int offset, int n, int flags) {
      return CREDMESH_CALL(f, xShmLock, offset, n, flags);
    },
    /*xShmBarrier*/
    [](sqlite3_file* f) { CREDMESH_REAL(f)->pMethods->xShmBarrier(CREDMESH_REAL(f)); },
    /*xShmUnmap*/
    [](sqlite3_file* f, int delete_flag) { return CREDMESH_CALL(f, xShmUnmap, delete_flag); },
    /*xFetch*/
    [](sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
      return CREDMESH_CALL(f, xFetch, off, n, out);
    },
    /*xUnfetch*/
    [](sqlite3_file* f, sqlite3_int64 off, void* p) { return CREDMESH_CALL(f, xUnfetch, off, p); },
};

#undef CREDMESH_CALL
#undef CREDMESH_REAL

int FaultVfs::Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags,
                   int* out_flags) {
  auto* owner = static_cast<FaultVfs*>(vfs->pAppData);
  static_assert(sizeof(File) <= kHeaderSize);
  auto* f = reinterpret_cast<File*>(file);
  f->base.pMethods = nullptr;  // SQLite calls xClose only if the open set methods
  f->owner = owner;
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kHeaderSize);
  int rc = owner->base_->xOpen(owner->base_, name, f->real, flags, out_flags);
  // The wrapped file must be closed through us even when its open failed
  // after it set methods.
  if (f->real->pMethods) f->base.pMethods = &kMethods;
  return rc;
}

FaultVfs::FaultVfs(std::string name, sqlite3_vfs* base) : name_(std::move(name)), base_(base) {
  vfs_.iVersion = 3;
  vfs_.szOsFile = static_cast<int>(kHeaderSize) + base->szOsFile;
  vfs_.mxPathname = base->mxPathname;
  vfs_.zName = name_.c_str();
  vfs_.pAppData = this;
  vfs_.xOpen = &FaultVfs::Open;
  // Everything but opening files goes straight to the wrapped VFS.
  vfs_.xDelete = [](sqlite3_vfs* v, const char* n, int sync_dir) {
    sqlite3_vfs* b = static_cast<FaultVfs*>(v->pAppData)->base_;
    return b->xDelete(b, n, sync_dir);
  };
  vfs_.xAccess = [](sqlite3_vfs* v, const char* n, int flags, int* out) {
    sqlite3_vfs* b = static_cast<FaultVfs*>(v->pAppData)->base_;
    return b->xAccess(b, n, flags, out);
  };
  vfs_.xFullPathname = [](sqlite3_vfs* v, const char* n, int size, char* out) {
    sqlite3_vfs* b = static_cast<FaultVfs*>(v->pAppData)->base_;
    return b->xFullPathname(b, n, size, out);
  };
  vfs_.xDlOpen = [](sqlite3_vfs* v, const char* n) {
    sqlite3_vfs* b = static_cast<FaultVfs*>(v->pAppData)->base_;
    return b->xDlOpen(b, n);
  };
  vfs_.xDlError = [](sqlite3_vfs* v, int size, char* out) {
    sqlite3_vfs* b = static_cast<FaultVfs*>(v->pAppData)->base_;
    b->xDlError(b, size, out);
  };
  vfs_.xDlSym = [](sqlite3_vfs* v, void* h, const char* sym) {
    sqlite3_vfs* b = static_cast<FaultVfs*>(v->pAppData)->base_;
    return b->xDlSym(b, h, sym);
  };
  vfs_.xDlClose = [](sqlite3_vfs* v, void* h) {
    sqlite3_vfs* b = static_cast<FaultVfs*>(v->pAppData)->base_;
    b->xDlClose(b, h);
  };
  vfs_.xRandomness = [](sqlite3_vfs* v, int size, char* out) {
    sqlite3_vfs* b = static_cast<FaultVfs*>(v->pAppData)->base_;
    return b->xRandomness(b, size, out);
  };
  vfs_.xSleep = [](sqlite3_vfs* v, int micros) {
    sqlite3_vfs* b = static_cast<FaultVfs*>(v->pAppData)->base_;
    return b->xSleep(b, micros);
  };
  vfs_.xCurrentTime = [](sqlite3_vfs* v, double* out) {
    sqlite3_vfs* b = static_cast<FaultVfs*>(v->pAppData)->base_;
    return b->xCurrentTime(b, out);
  };
  vfs_.xGetLastError = [](sqlite3_vfs* v, int size, char* out) {
    sqlite3_vfs* b = static_cast<FaultVfs*>(v->pAppData)->base_;
    return b->xGetLastError ? b->xGetLastError(b, size, out) : 0;
  };
  vfs_.xCurrentTimeInt64 = [](sqlite3_vfs* v, sqlite3_int64* out) {
    sqlite3_vfs* b = static_cast<FaultVfs*>(v->pAppData)->base_;
    if (b->iVersion >= 2 && b->xCurrentTimeInt64) return b->xCurrentTimeInt64(b, out);
    double days = 0;
    int rc = b->xCurrentTime(b, &days);
    *out = static_cast<sqlite3_int64>(days * 86'400'000.0);
    return rc;
  };
  // No system-call overrides: SQLite treats null as "not supported".
}

Result<std::unique_ptr<FaultVfs>> FaultVfs::Install(const std::string& name, bool make_default) {
  if (sqlite3_initialize() != SQLITE_OK) return Status::IoError("sqlite3_initialize failed");
  if (sqlite3_vfs_find(name.c_str()) != nullptr) {
    return Status::AlreadyExists("a SQLite VFS named " + name + " is registered");
  }
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  if (base == nullptr) return Status::IoError("no default SQLite VFS");
  std::unique_ptr<FaultVfs> v(new FaultVfs(name, base));
  if (sqlite3_vfs_register(&v->vfs_, make_default ? 1 : 0) != SQLITE_OK) {
    return Status::IoError("cannot register SQLite VFS " + name);
  }
  return v;
}

FaultVfs::~FaultVfs() { sqlite3_vfs_unregister(&vfs_); }

void FaultVfs::Arm(const Plan& plan) {
  std::lock_guard lock(mu_);
  armed_ = true;
  plan_ = plan;
  calls_[0] = calls_[1] = calls_[2] = 0;
  failures_ = 0;
}

void FaultVfs::Disarm() {
  std::lock_guard lock(mu_);
  armed_ = false;
  calls_[0] = calls_[1] = calls_[2] = 0;
}

int64_t FaultVfs::Calls(Op op) const {
  std::lock_guard lock(mu_);
  return calls_[static_cast<int>(op)];
}

void FaultVfs::set_syncs_reach_disk(bool on) {
  std::lock_guard lock(mu_);
  syncs_reach_disk_ = on;
}

int64_t FaultVfs::Failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

int FaultVfs::Intercept(Op op) {
  std::lock_guard lock(mu_);
  const int64_t n = ++calls_[static_cast<int>(op)];
  if (!armed_ || op != plan_.op) return SQLITE_OK;
  if (n != plan_.nth && !(plan_.persistent && n > plan_.nth)) return SQLITE_OK;
  ++failures_;
  if (plan_.fault == Fault::kDiskFull) return SQLITE_FULL;
  switch (op) {
    case Op::kWrite:
      return SQLITE_IOERR_WRITE;
    case Op::kSync:
      return SQLITE_IOERR_FSYNC;
    case Op::kTruncate:
      return SQLITE_IOERR_TRUNCATE;
  }
  return SQLITE_IOERR;
}

}  // namespace credmesh
