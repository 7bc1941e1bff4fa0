// record_file.h: the record file that `credmesh export` writes and `import`
// reads, to carry signed records between nodes by hand (docs/trust.md). Layout: the line
// "credmesh-records/1\n", then for each record a 4-byte big-endian length and the record's
// canonical encoding. This layer only frames records; importing verifies each one as usual.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/status.h"

namespace credmesh {

inline constexpr std::string_view kRecordFileMagic = "credmesh-records/1\n";

// Appends one record's entry (length + bytes) to `out`, which starts with
// kRecordFileMagic. REQUIRES: record.size() <= RecordLimits::kMaxRecordSize.
void AppendRecordFileEntry(std::string& out, ByteView record);

// The records of a whole file, in file order, not decoded. Errors:
// InvalidArgument if the magic line is missing, ResourceExhausted for an
// entry over RecordLimits::kMaxRecordSize, Corruption for a truncated entry.
// Never throws; the input may be anything.
Result<std::vector<Bytes>> ParseRecordFile(std::string_view data);

}  // namespace credmesh
