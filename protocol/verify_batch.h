// verify_batch.h: verifies many encoded records, spread over threads.
#pragma once

#include <vector>

#include "protocol/record.h"

namespace credmesh {

// Result i is the verification of encoded[i]. `threads` of 0 or 1 verifies on
// the calling thread; more splits the batch into contiguous chunks.
std::vector<Result<VerifiedRecord>> VerifyRecords(std::vector<Bytes> encoded, unsigned threads);

}  // namespace credmesh
