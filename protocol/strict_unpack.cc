#include "protocol/strict_unpack.h"

#include <algorithm>

namespace credmesh {

Result<msgpack::object_handle> StrictUnpack(ByteView data, size_t max_size,
                                            const ValueLimits& limits) {
  if (data.size() > max_size) {
    return Status::ResourceExhausted("oversized: " + std::to_string(data.size()) +
                                     " bytes exceeds the limit of " + std::to_string(max_size));
  }
  if (data.empty()) return Status::InvalidArgument("truncated: empty input");
  // Containers are capped by count; strings/bins by the overall size.
  const auto n = static_cast<std::size_t>(limits.max_container);
  msgpack::unpack_limit lim(n, n, max_size, max_size, max_size, limits.max_depth + 1);
  size_t offset = 0;
  try {
    msgpack::object_handle oh = msgpack::unpack(reinterpret_cast<const char*>(data.data()),
                                                data.size(), offset, nullptr, nullptr, lim);
    if (offset != data.size()) {
      return Status::InvalidArgument("trailing garbage: " + std::to_string(data.size() - offset) +
                                     " bytes after the object");
    }
    return oh;
  } catch (const msgpack::insufficient_bytes&) {
    return Status::InvalidArgument("truncated: input ends inside an object");
  } catch (const msgpack::depth_size_overflow&) {
    return Status::ResourceExhausted("nesting deeper than " + std::to_string(limits.max_depth));
  } catch (const msgpack::size_overflow& e) {
    return Status::ResourceExhausted(std::string("container or string over the limit (") +
                                     e.what() + ")");
  } catch (const msgpack::parse_error&) {
    return Status::InvalidArgument("malformed: invalid MessagePack byte");
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("malformed: ") + e.what());
  }
}

Result<Value> DecodeCanonicalValue(ByteView data, size_t max_size, const ValueLimits& limits,
                                   const std::string& what) {
  auto oh = StrictUnpack(data, max_size, limits);
  if (!oh.ok()) return oh.status().WithContext(what);
  auto v = ValueFromObject(oh->get(), limits, what);
  if (!v.ok()) return v.status();
  Bytes again;
  again.reserve(data.size());
  EncodeValue(*v, again);
  if (!std::equal(again.begin(), again.end(), data.begin(), data.end())) {
    return Status::InvalidArgument(what + ": non-canonical encoding (not the shortest form)");
  }
  return v;
}

Result<Value> DecodeValue(ByteView data, const ValueLimits& limits) {
  return DecodeCanonicalValue(data, SIZE_MAX, limits, "value");
}

}  // namespace credmesh
