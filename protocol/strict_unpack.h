// strict_unpack.h: the one place untrusted bytes meet msgpack-c. Parses
// exactly one MessagePack object under hard limits and turns every
// msgpack-c exception into a Status; nothing thrown escapes.
#pragma once

#include <msgpack.hpp>

#include "protocol/bytes.h"
#include "protocol/status.h"
#include "protocol/value.h"

namespace credmesh {

// Parses `data` as one MessagePack object that must span all of it.
// Errors: "truncated", "trailing garbage", "malformed", ResourceExhausted for
// limits (input larger than `max_size`, containers, nesting).
Result<msgpack::object_handle> StrictUnpack(ByteView data, size_t max_size,
                                            const ValueLimits& limits);

// StrictUnpack + ValueFromObject + a check that re-encoding reproduces the
// input byte for byte (catches non-shortest integers, lengths and the like).
Result<Value> DecodeCanonicalValue(ByteView data, size_t max_size, const ValueLimits& limits,
                                   const std::string& what);

}  // namespace credmesh
