// key_file.h: reading and writing secret key files (mode 0600). The file
// holds one line "credmesh-ed25519-seed <64 hex digits>".
#pragma once

#include <string>

#include "protocol/crypto.h"

namespace credmesh {

// Creates `path` with mode 0600 holding `key`'s seed; fails if it exists.
Status WriteKeyFile(const std::string& path, const SigningKey& key);
// Reads a key file; refuses files readable by group or others.
Result<SigningKey> ReadKeyFile(const std::string& path);

// Writes `content` to `path` atomically (temp file, fsync, rename).
Status WriteFileAtomic(const std::string& path, const std::string& content, int mode = 0644);
Result<std::string> ReadFile(const std::string& path);

}  // namespace credmesh
