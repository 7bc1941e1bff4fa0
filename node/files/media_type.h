// media_type.h: a file's media type guessed from its first bytes, else its
// extension, else application/octet-stream.
#pragma once

#include <string>

#include "protocol/bytes.h"

namespace credmesh {

// `head` is the start of the content (up to a few KiB); `name` the file name.
std::string GuessMediaType(ByteView head, const std::string& name);

}  // namespace credmesh
