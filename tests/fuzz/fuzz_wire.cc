// libFuzzer target for the wire decoder: wire::DecodeMessage on arbitrary
// frames, under the handshake limits and under a session's default limits.
// Besides crashes and sanitizer reports it aborts when a decoded message does
// not survive Encode -> DecodeMessage unchanged. Build: tests/fuzz/README.md.
#include <cstdlib>

#include "protocol/wire.h"

namespace wire = credmesh::wire;

namespace {

void Check(credmesh::ByteView frame, const wire::SessionLimits& limits) {
  auto message = wire::DecodeMessage(frame, limits);
  if (!message.ok()) return;
  const credmesh::Bytes again = wire::Encode(*message);
  auto back = wire::DecodeMessage(again, limits);
  if (!back.ok() || *back != *message) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const credmesh::ByteView frame(data, size);
  Check(frame, wire::HandshakeLimits());
  Check(frame, wire::SessionLimits{});
  return 0;
}
