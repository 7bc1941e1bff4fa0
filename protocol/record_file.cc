#include "protocol/record_file.h"

#include <cstdint>

#include "protocol/record.h"

namespace credmesh {

void AppendRecordFileEntry(std::string& out, ByteView record) {
  const auto n = static_cast<uint32_t>(record.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(reinterpret_cast<const char*>(record.data()), record.size());
}

Result<std::vector<Bytes>> ParseRecordFile(std::string_view data) {
  if (data.substr(0, kRecordFileMagic.size()) != kRecordFileMagic) {
    return Status::InvalidArgument("not a credmesh records file");
  }
  std::vector<Bytes> out;
  size_t pos = kRecordFileMagic.size();
  while (pos < data.size()) {
    if (data.size() - pos < 4) return Status::Corruption("truncated length");
    uint32_t n = 0;
    for (size_t i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(data[pos + i]);
    pos += 4;
    if (n > RecordLimits::kMaxRecordSize) return Status::ResourceExhausted("record too large");
    if (data.size() - pos < n) return Status::Corruption("truncated record");
    const auto* begin = reinterpret_cast<const uint8_t*>(data.data() + pos);
    out.emplace_back(begin, begin + n);
    pos += n;
  }
  return out;
}

}  // namespace credmesh
