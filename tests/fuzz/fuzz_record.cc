// libFuzzer target for the record decoder: DecodeRecord, VerifiedRecord::Verify
// and DecodeValue on arbitrary bytes. Besides crashes and sanitizer reports it
// aborts when an invariant breaks: whatever decodes must re-encode to exactly
// the input (one encoding per value), and a verified record's id must be the
// hash of its bytes. Build: see tests/fuzz/CMakeLists.txt.
#include <cstdlib>

#include "protocol/record.h"
#include "protocol/value.h"

using credmesh::Bytes;
using credmesh::ByteView;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView in(data, size);
  const Bytes bytes(data, data + size);

  auto record = credmesh::DecodeRecord(in);
  if (record.ok() && credmesh::EncodeRecord(*record) != bytes) std::abort();

  auto verified = credmesh::VerifiedRecord::Verify(bytes);
  if (verified.ok()) {
    if (!record.ok()) std::abort();
    if (verified->id() != credmesh::Blake2b256(in)) std::abort();
  }

  auto value = credmesh::DecodeValue(in);
  if (value.ok()) {
    Bytes again;
    credmesh::EncodeValue(*value, again);
    if (again != bytes) std::abort();
  }
  return 0;
}
