// libFuzzer target for record files (what `credmesh import` reads):
// ParseRecordFile on arbitrary bytes, then every entry through the record
// decoder and verifier, as import does before ingesting. Besides crashes and
// sanitizer reports it aborts when a file that parsed does not re-frame to
// exactly its input. Build: tests/fuzz/README.md.
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/record.h"
#include "protocol/record_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view file(reinterpret_cast<const char*>(data), size);
  auto records = credmesh::ParseRecordFile(file);
  if (!records.ok()) return 0;
  std::string again(credmesh::kRecordFileMagic);
  for (const credmesh::Bytes& bytes : *records) {
    credmesh::AppendRecordFileEntry(again, bytes);
    auto record = credmesh::DecodeRecord(bytes);
    auto verified = credmesh::VerifiedRecord::Verify(bytes);
    if (verified.ok() && !record.ok()) std::abort();
  }
  if (again != file) std::abort();
  return 0;
}
