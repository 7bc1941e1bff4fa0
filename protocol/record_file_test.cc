#include "protocol/record_file.h"

#include <doctest/doctest.h>

#include <string>

#include "protocol/record.h"

namespace credmesh {
namespace {

std::string FileOf(const std::vector<Bytes>& records) {
  std::string out(kRecordFileMagic);
  for (const Bytes& r : records) AppendRecordFileEntry(out, r);
  return out;
}

TEST_CASE("protocol/record_file: entries round-trip in order, empty records included") {
  const std::vector<Bytes> records = {{1, 2, 3}, {}, Bytes(300, 0xab)};
  const std::string file = FileOf(records);
  CHECK(file.substr(kRecordFileMagic.size(), 7) == std::string("\0\0\0\3\1\2\3", 7));
  auto back = ParseRecordFile(file);
  REQUIRE(back.ok());
  CHECK(*back == records);
  auto none = ParseRecordFile(kRecordFileMagic);
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("protocol/record_file: bad magic, truncation and oversized entries are refused") {
  CHECK(ParseRecordFile("").status().code() == Status::Code::kInvalidArgument);
  CHECK(ParseRecordFile("credmesh-records/2\n").status().code() == Status::Code::kInvalidArgument);
  const std::string file = FileOf({{1, 2, 3, 4, 5}});
  for (size_t cut = kRecordFileMagic.size() + 1; cut < file.size(); ++cut) {
    auto r = ParseRecordFile(std::string_view(file).substr(0, cut));
    INFO("cut at " << cut);
    CHECK(r.status().code() == Status::Code::kCorruption);
  }
  std::string huge(kRecordFileMagic);
  const uint32_t n = RecordLimits::kMaxRecordSize + 1;
  for (int shift = 24; shift >= 0; shift -= 8)
    huge.push_back(static_cast<char>((n >> shift) & 0xff));
  huge.append(n, 'x');
  CHECK(ParseRecordFile(huge).status().code() == Status::Code::kResourceExhausted);
}

}  // namespace
}  // namespace credmesh
