// sealed_stream.h: libsodium's authenticated encryption for data at rest
// addressed to one node: crypto_box_seal of a short secret to a node's
// Ed25519 identity (converted to X25519 by libsodium), and
// crypto_secretstream_xchacha20poly1305 for a long stream of messages under
// that secret. Used by sneakernet bundles (docs/bundle-format.md).
#pragma once

#include <cstddef>
#include <cstdint>

#include "protocol/bytes.h"
#include "protocol/crypto.h"
#include "protocol/status.h"

namespace credmesh {

// Sizes fixed by libsodium (checked against its constants in the .cc).
inline constexpr size_t kStreamKeyBytes = 32;     // secretstream key
inline constexpr size_t kStreamHeaderBytes = 24;  // secretstream header
inline constexpr size_t kStreamOverhead = 17;     // per message: tag byte + MAC
inline constexpr size_t kSealOverhead = 48;       // crypto_box_seal: ephemeral key + MAC

// A secretstream key, zeroed on destruction. Move-only.
class StreamKey {
 public:
  static StreamKey Generate();
  static Result<StreamKey> FromView(ByteView bytes);  // exactly 32 bytes
  StreamKey(StreamKey&& o) noexcept;
  StreamKey& operator=(StreamKey&& o) noexcept;
  StreamKey(const StreamKey&) = delete;
  StreamKey& operator=(const StreamKey&) = delete;
  ~StreamKey();
  ByteView view() const { return {key_, kStreamKeyBytes}; }

 private:
  StreamKey() = default;
  uint8_t key_[kStreamKeyBytes] = {};
};

// crypto_box_seal of `message` to the X25519 form of the Ed25519 key
// `recipient`: only the holder of the matching signing key can open it.
// Output: message.size() + kSealOverhead bytes. Errors: InvalidArgument if
// `recipient` is not a valid Ed25519 point.
Result<Bytes> SealToNodeKey(ByteView message, const PublicKey& recipient);
// Opens what SealToNodeKey sealed to `recipient.public_key()`. Errors:
// kCorruption if it was not sealed to this key or was
// altered.
Result<Bytes> OpenSealedWithNodeKey(ByteView sealed, const SigningKey& recipient);

// Encrypting side of a secretstream. Move-only; state zeroed on destruction.
class StreamEncryptor {
 public:
  // Starts a stream under `key`; writes the header to send first.
  static StreamEncryptor Start(const StreamKey& key, uint8_t header_out[kStreamHeaderBytes]);
  StreamEncryptor(StreamEncryptor&& o) noexcept;
  StreamEncryptor& operator=(StreamEncryptor&&) = delete;
  StreamEncryptor(const StreamEncryptor&) = delete;
  StreamEncryptor& operator=(const StreamEncryptor&) = delete;
  ~StreamEncryptor();
  // Encrypts one message into `out` (resized to plain.size() +
  // kStreamOverhead). `final` marks the last message of the stream.
  void Push(ByteView plain, bool final, Bytes& out);

 private:
  StreamEncryptor() = default;
  alignas(16) uint8_t state_[64] = {};
};

// Decrypting side. Move-only; state zeroed on destruction.
class StreamDecryptor {
 public:
  // Errors: kCorruption if the header is invalid for `key`.
  static Result<StreamDecryptor> Start(const StreamKey& key,
                                       const uint8_t header[kStreamHeaderBytes]);
  StreamDecryptor(StreamDecryptor&& o) noexcept;
  StreamDecryptor& operator=(StreamDecryptor&&) = delete;
  StreamDecryptor(const StreamDecryptor&) = delete;
  StreamDecryptor& operator=(const StreamDecryptor&) = delete;
  ~StreamDecryptor();
  // Decrypts one message into `out`; `final` tells whether the sender marked
  // it last. Errors: kCorruption if the message was altered, reordered,
  // truncated or is not from this stream.
  Status Pull(ByteView cipher, Bytes& out, bool& final);

 private:
  StreamDecryptor() = default;
  alignas(16) uint8_t state_[64] = {};
};

}  // namespace credmesh
