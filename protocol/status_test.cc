#include "protocol/status.h"

#include <doctest/doctest.h>

namespace credmesh {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  CREDMESH_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST_CASE("status: ok and error values") {
  CHECK(Status::Ok().ok());
  Status s = Status::NotFound("record abc");
  CHECK_FALSE(s.ok());
  CHECK(s.code() == Status::Code::kNotFound);
  CHECK(s.ToString() == "not found: record abc");
  CHECK(s.WithContext("show").message() == "show: record abc");
}

TEST_CASE("result: value, error, and propagation") {
  CHECK(*Quarter(8) == 2);
  auto r = Quarter(6);
  CHECK_FALSE(r.ok());
  CHECK(r.status().message() == "odd");
  Result<int> bad(Status::Ok());
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().code() == Status::Code::kInternal);
}

}  // namespace
}  // namespace credmesh
