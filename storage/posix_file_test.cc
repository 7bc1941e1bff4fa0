#include "storage/posix_file.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>

#include "tests/temp_dir.h"

namespace credmesh {
namespace {

TEST_CASE("posix files: errno maps to the status a caller can act on") {
  errno = ENOSPC;
  Status full = ErrnoStatus("write x");
  CHECK(full.code() == Status::Code::kResourceExhausted);
  CHECK(full.message().find("disk full") != std::string::npos);
  errno = ENOENT;
  CHECK(ErrnoStatus("open x").code() == Status::Code::kNotFound);
  errno = EEXIST;
  CHECK(ErrnoStatus("create x").code() == Status::Code::kAlreadyExists);
  errno = EIO;
  CHECK(ErrnoStatus("read x").code() == Status::Code::kIoError);
}

TEST_CASE(
    "posix files: WriteFileDurably replaces the whole file with the given mode, no temp left") {
  TempDir t;
  const std::string p = t.File("f");
  REQUIRE(WriteFileDurably(p, AsBytes("first version"), 0600).ok());
  REQUIRE(WriteFileDurably(p, AsBytes("2nd"), 0600).ok());
  UniqueFd fd(::open(p.c_str(), O_RDONLY));
  REQUIRE(fd.valid());
  uint8_t buf[64];
  auto n = ReadUpTo(fd.get(), buf, sizeof buf, p);
  REQUIRE(n.ok());
  CHECK(std::string(reinterpret_cast<char*>(buf), *n) == "2nd");
  CHECK_FALSE(std::filesystem::exists(p + ".tmp"));
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(WriteFileDurably(t.File("no/such/dir/f"), AsBytes("x"), 0600).code() ==
        Status::Code::kNotFound);
}

}  // namespace
}  // namespace credmesh
