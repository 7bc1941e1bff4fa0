#include "node/bundle/bundle_format.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "storage/posix_file.h"

namespace credmesh {

struct BundleFileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using BundleFilePtr = std::unique_ptr<std::FILE, BundleFileCloser>;

namespace {

constexpr size_t kMagicSize = 8;
constexpr size_t kMaxDistrictBytes = 64;

void PutU16(Bytes& out, uint16_t v) {
  for (int i = 0; i < 2; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutU64(Bytes& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint64_t GetLe(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
void Append(Bytes& out, ByteView v) { out.insert(out.end(), v.begin(), v.end()); }

void HashFramed(Blake2bHasher& h, ByteView item) {
  uint8_t len[4];
  for (int i = 0; i < 4; ++i) len[i] = static_cast<uint8_t>(item.size() >> (8 * i));
  h.Update(ByteView(len, 4));
  h.Update(item);
}

Bytes SignedMessage(const Hash256& transcript) {
  Bytes m(kBundleSignContext, kBundleSignContext + sizeof(kBundleSignContext) - 1);
  Append(m, transcript.view());
  return m;
}

}  // namespace

Bytes BundleHeader::Encode() const {
  Bytes out(kBundleMagic, kBundleMagic + kMagicSize);
  out.push_back(kBundleVersion);
  out.push_back(static_cast<uint8_t>(mode));
  PutU16(out, 0);
  PutU64(out, static_cast<uint64_t>(created_ms));
  out.push_back(static_cast<uint8_t>(district.size()));
  Append(out, AsBytes(district));
  Append(out, sender.view());
  Append(out, recipient.view());
  if (mode == BundleMode::kSealed) {
    Append(out, sealed_key);
    Append(out, stream_header.view());
  }
  return out;
}

// ---- writer ----

struct BundleWriter::State {
  std::string path, part;
  BundleFilePtr file;
  const SigningKey* sender = nullptr;
  std::optional<StreamEncryptor> encryptor;
  Blake2bHasher transcript;
  Bytes plain, cipher;
  bool in_scope = false, finished = false;
};

BundleWriter::BundleWriter(std::unique_ptr<State> s) : s_(std::move(s)) {}
BundleWriter::BundleWriter(BundleWriter&&) noexcept = default;

BundleWriter::~BundleWriter() {
  if (s_ && !s_->finished) {
    s_->file.reset();
    std::error_code ec;
    std::filesystem::remove(s_->part, ec);
  }
}

namespace {

Result<std::unique_ptr<BundleWriter::State>> OpenBundleOutput(const std::string& path) {
  auto s = std::make_unique<BundleWriter::State>();
  s->path = path;
  s->part = path + ".part";
  std::FILE* f = std::fopen(s->part.c_str(), "wbx");
  if (!f) return ErrnoStatus("create " + s->part);
  s->file.reset(f);
  ::fchmod(::fileno(f), 0600);
  return s;
}

Status WriteHeaderBytes(BundleWriter::State& s, const BundleHeader& h, uint64_t& bytes) {
  if (h.district.empty() || h.district.size() > kMaxDistrictBytes)
    return Status::InvalidArgument("district id must be 1..64 bytes");
  Bytes enc = h.Encode();
  s.transcript.Update(enc);
  if (std::fwrite(enc.data(), 1, enc.size(), s.file.get()) != enc.size())
    return ErrnoStatus("write " + s.part);
  bytes += enc.size();
  return Status::Ok();
}

}  // namespace

Result<BundleWriter> BundleWriter::CreateSealed(const std::string& path, const SigningKey& sender,
                                                const std::string& district, int64_t created_ms,
                                                const PublicKey& recipient,
                                                std::optional<StreamKey> stream_key) {
  StreamKey key = stream_key ? std::move(*stream_key) : StreamKey::Generate();
  BundleHeader h;
  h.mode = BundleMode::kSealed;
  h.created_ms = created_ms;
  h.district = district;
  h.sender = sender.public_key();
  h.recipient = recipient;
  CREDMESH_ASSIGN_OR_RETURN(h.sealed_key, SealToNodeKey(key.view(), recipient));
  CREDMESH_ASSIGN_OR_RETURN(auto s, OpenBundleOutput(path));
  s->sender = &sender;
  s->encryptor.emplace(StreamEncryptor::Start(key, h.stream_header.data.data()));
  BundleWriter w(std::move(s));
  CREDMESH_RETURN_IF_ERROR(WriteHeaderBytes(*w.s_, h, w.stats_.bytes));
  return w;
}

Result<BundleWriter> BundleWriter::CreatePublic(const std::string& path, const SigningKey& sender,
                                                const std::string& district, int64_t created_ms) {
  BundleHeader h;
  h.mode = BundleMode::kPublic;
  h.created_ms = created_ms;
  h.district = district;
  h.sender = sender.public_key();
  CREDMESH_ASSIGN_OR_RETURN(auto s, OpenBundleOutput(path));
  s->sender = &sender;
  BundleWriter w(std::move(s));
  CREDMESH_RETURN_IF_ERROR(WriteHeaderBytes(*w.s_, h, w.stats_.bytes));
  return w;
}

Status BundleWriter::WriteItem(BundleItemType type, ByteView a, ByteView b, bool final) {
  State& s = *s_;
  if (s.finished) return Status::FailedPrecondition("bundle already finished");
  s.plain.clear();
  s.plain.push_back(static_cast<uint8_t>(type));
  Append(s.plain, a);
  Append(s.plain, b);
  if (s.plain.size() > kMaxBundleItem) return Status::InvalidArgument("bundle item too large");
  ByteView body = s.plain;
  if (s.encryptor) {
    s.encryptor->Push(s.plain, final, s.cipher);
    body = s.cipher;
  }
  uint8_t len[4];
  for (int i = 0; i < 4; ++i) len[i] = static_cast<uint8_t>(body.size() >> (8 * i));
  if (std::fwrite(len, 1, 4, s.file.get()) != 4 ||
      std::fwrite(body.data(), 1, body.size(), s.file.get()) != body.size()) {
    return ErrnoStatus("write " + s.part);
  }
  stats_.bytes += 4 + body.size();
  stats_.peak_buffer_bytes =
      std::max(stats_.peak_buffer_bytes, s.plain.capacity() + s.cipher.capacity());
  return Status::Ok();
}

Status BundleWriter::AddScope(const std::string& scope) {
  if (scope.empty() || scope.size() > 255) return Status::InvalidArgument("bad scope");
  Bytes item{static_cast<uint8_t>(BundleItemType::kScope), static_cast<uint8_t>(scope.size())};
  Append(item, AsBytes(scope));
  HashFramed(s_->transcript, item);
  const uint8_t n = static_cast<uint8_t>(scope.size());
  CREDMESH_RETURN_IF_ERROR(
      WriteItem(BundleItemType::kScope, ByteView(&n, 1), AsBytes(scope), false));
  s_->in_scope = true;
  ++stats_.counts.scopes;
  return Status::Ok();
}

Status BundleWriter::AddRecord(ByteView encoded) {
  if (!s_->in_scope) return Status::FailedPrecondition("record before any scope");
  if (encoded.empty() || encoded.size() > kMaxBundleChunk)
    return Status::InvalidArgument("record size out of range");
  CREDMESH_RETURN_IF_ERROR(WriteItem(BundleItemType::kRecord, encoded, {}, false));
  // The transcript covers the item exactly as framed (type byte included).
  HashFramed(s_->transcript, s_->plain);
  ++stats_.counts.records;
  return Status::Ok();
}

Status BundleWriter::AddChunk(const Hash256& hash, ByteView data) {
  if (data.empty() || data.size() > kMaxBundleChunk)
    return Status::InvalidArgument("chunk size out of range");
  CREDMESH_RETURN_IF_ERROR(WriteItem(BundleItemType::kChunk, hash.view(), data, false));
  HashFramed(s_->transcript, s_->plain);
  ++stats_.counts.chunks;
  return Status::Ok();
}

Status BundleWriter::Finish() {
  State& s = *s_;
  Bytes end{static_cast<uint8_t>(BundleItemType::kEnd)};
  PutU64(end, stats_.counts.scopes);
  PutU64(end, stats_.counts.records);
  PutU64(end, stats_.counts.chunks);
  uint8_t len[4];
  for (int i = 0; i < 4; ++i) len[i] = static_cast<uint8_t>(kEndItemSize >> (8 * i));
  s.transcript.Update(ByteView(len, 4));
  s.transcript.Update(end);
  const Signature sig = s.sender->Sign(SignedMessage(s.transcript.Final()));
  CREDMESH_RETURN_IF_ERROR(
      WriteItem(BundleItemType::kEnd, ByteView(end).subspan(1), sig.view(), true));
  if (std::fflush(s.file.get()) != 0 || ::fsync(::fileno(s.file.get())) != 0)
    return ErrnoStatus("write " + s.part);
  if (std::fclose(s.file.release()) != 0) return ErrnoStatus("close " + s.part);
  std::error_code ec;
  std::filesystem::rename(s.part, s.path, ec);
  if (ec) return Status::IoError("rename " + s.part + ": " + ec.message());
  s.finished = true;
  const std::string dir = std::filesystem::path(s.path).parent_path().string();
  return FsyncDir(dir.empty() ? "." : dir);
}

// ---- reader ----

struct BundleReader::State {
  std::string path;
  BundleFilePtr file;
  BundleHeader header;
  std::optional<StreamDecryptor> decryptor;
  Blake2bHasher transcript;
  Bytes frame, plain;
  uint64_t frames = 0;
  bool done = false;
};

BundleReader::BundleReader(std::unique_ptr<State> s) : s_(std::move(s)) {}
BundleReader::BundleReader(BundleReader&&) noexcept = default;
BundleReader::~BundleReader() = default;

const BundleHeader& BundleReader::header() const { return s_->header; }

namespace {

// Reads exactly `n` bytes; false on a short read.
bool ReadExact(std::FILE* f, uint8_t* out, size_t n) { return std::fread(out, 1, n, f) == n; }

Status NotABundle(const std::string& path, const std::string& why) {
  return Status::Corruption(path + ": not a credmesh bundle (" + why + ")");
}

}  // namespace

Result<BundleReader> BundleReader::Open(const std::string& path) {
  auto s = std::make_unique<State>();
  s->path = path;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return ErrnoStatus("open " + path);
  s->file.reset(f);
  uint8_t fixed[kMagicSize + 4 + 8 + 1];
  if (!ReadExact(f, fixed, sizeof fixed)) return NotABundle(path, "too short");
  if (std::memcmp(fixed, kBundleMagic, kMagicSize) != 0) return NotABundle(path, "bad magic");
  if (fixed[8] != kBundleVersion)
    return Status::Corruption(path + ": bundle version " + std::to_string(fixed[8]) +
                              " is not supported (this node reads version 1)");
  BundleHeader& h = s->header;
  if (fixed[9] != static_cast<uint8_t>(BundleMode::kSealed) &&
      fixed[9] != static_cast<uint8_t>(BundleMode::kPublic))
    return NotABundle(path, "unknown mode");
  h.mode = static_cast<BundleMode>(fixed[9]);
  if (fixed[10] != 0 || fixed[11] != 0) return NotABundle(path, "reserved bytes not zero");
  h.created_ms = static_cast<int64_t>(GetLe(fixed + 12, 8));
  const size_t dlen = fixed[20];
  if (dlen == 0 || dlen > kMaxDistrictBytes) return NotABundle(path, "bad district length");
  Bytes rest(dlen + 64 + (h.mode == BundleMode::kSealed ? 80 + kStreamHeaderBytes : 0));
  if (!ReadExact(f, rest.data(), rest.size())) return NotABundle(path, "header truncated");
  h.district.assign(rest.begin(), rest.begin() + dlen);
  h.sender = *PublicKey::FromView(ByteView(rest).subspan(dlen, 32));
  h.recipient = *PublicKey::FromView(ByteView(rest).subspan(dlen + 32, 32));
  if (h.mode == BundleMode::kSealed) {
    h.sealed_key.assign(rest.begin() + dlen + 64, rest.begin() + dlen + 144);
    std::copy(rest.begin() + dlen + 144, rest.end(), h.stream_header.data.begin());
  } else if (h.recipient != PublicKey{}) {
    return NotABundle(path, "public bundle names a recipient");
  }
  s->transcript.Update(ByteView(fixed, sizeof fixed));
  s->transcript.Update(rest);
  BundleReader r(std::move(s));
  r.stats_.bytes = sizeof fixed + rest.size();
  return r;
}

Status BundleReader::Unlock(const SigningKey& me) {
  State& s = *s_;
  if (s.header.mode != BundleMode::kSealed) return Status::Ok();
  if (s.header.recipient != me.public_key())
    return Status::Unauthorized("the bundle is addressed to node " + s.header.recipient.hex() +
                                ", not to this node (" + me.public_key().hex() + ")");
  auto key = OpenSealedWithNodeKey(s.header.sealed_key, me);
  if (!key.ok())
    return Status::Corruption(s.path +
                              ": the bundle's key does not open with this node's key "
                              "(tampered or corrupt)");
  CREDMESH_ASSIGN_OR_RETURN(StreamKey k, StreamKey::FromView(*key));
  auto d = StreamDecryptor::Start(k, s.header.stream_header.data.data());
  if (!d.ok()) return Status::Corruption(s.path + ": " + d.status().message());
  s.decryptor.emplace(std::move(*d));
  return Status::Ok();
}

Result<std::optional<BundleItem>> BundleReader::Next() {
  State& s = *s_;
  const bool sealed = s.header.mode == BundleMode::kSealed;
  if (sealed && !s.decryptor) return Status::FailedPrecondition("sealed bundle not unlocked");
  if (s.done) return std::optional<BundleItem>();
  const std::string where = s.path + ": frame " + std::to_string(s.frames + 1);
  uint8_t len[4];
  const size_t got = std::fread(len, 1, 4, s.file.get());
  if (got != 4)
    return Status::Corruption(s.path + ": truncated: the bundle ends before its END item");
  const size_t n = GetLe(len, 4);
  const size_t min = 1 + (sealed ? kStreamOverhead : 0);
  if (n < min || n > (sealed ? kMaxBundleFrame : kMaxBundleItem))
    return Status::Corruption(where + ": length " + std::to_string(n) + " out of range");
  s.frame.resize(n);
  if (!ReadExact(s.file.get(), s.frame.data(), n))
    return Status::Corruption(s.path + ": truncated: the bundle ends inside " + "frame " +
                              std::to_string(s.frames + 1));
  ++s.frames;
  stats_.bytes += 4 + n;
  bool final = false;
  if (sealed) {
    if (!s.decryptor->Pull(s.frame, s.plain, final).ok())
      return Status::Corruption(where +
                                ": fails authentication: the bundle was altered or is "
                                "corrupt");
  } else {
    s.plain.assign(s.frame.begin(), s.frame.end());
  }
  stats_.peak_buffer_bytes =
      std::max(stats_.peak_buffer_bytes, s.frame.capacity() + s.plain.capacity());
  const ByteView item = s.plain;
  const auto type = static_cast<BundleItemType>(item[0]);
  const ByteView payload = item.subspan(1);
  if (sealed && final != (type == BundleItemType::kEnd))
    return Status::Corruption(where + ": END and the stream's final tag disagree");
  BundleItem out;
  out.type = type;
  switch (type) {
    case BundleItemType::kScope:
      if (payload.empty() || payload[0] == 0 || payload.size() != 1u + payload[0])
        return Status::Corruption(where + ": malformed SCOPE item");
      out.scope.assign(payload.begin() + 1, payload.end());
      ++stats_.counts.scopes;
      break;
    case BundleItemType::kRecord:
      if (payload.empty() || payload.size() > kMaxBundleChunk)
        return Status::Corruption(where + ": malformed RECORD item");
      out.record = payload;
      ++stats_.counts.records;
      break;
    case BundleItemType::kChunk:
      if (payload.size() <= 32 || payload.size() > 32 + kMaxBundleChunk)
        return Status::Corruption(where + ": malformed CHUNK item");
      out.chunk_hash = *Hash256::FromView(payload.subspan(0, 32));
      out.chunk = payload.subspan(32);
      ++stats_.counts.chunks;
      break;
    case BundleItemType::kEnd: {
      if (item.size() != kEndItemSize) return Status::Corruption(where + ": malformed END item");
      BundleCounts said{GetLe(item.data() + 1, 8), GetLe(item.data() + 9, 8),
                        GetLe(item.data() + 17, 8)};
      if (said != stats_.counts)
        return Status::Corruption(s.path +
                                  ": END counts differ from the items read: the "
                                  "bundle was altered");
      uint8_t end_len[4];
      for (int i = 0; i < 4; ++i) end_len[i] = static_cast<uint8_t>(kEndItemSize >> (8 * i));
      s.transcript.Update(ByteView(end_len, 4));
      s.transcript.Update(item.subspan(0, kEndItemSize - 64));
      const Signature sig = *Signature::FromView(item.subspan(kEndItemSize - 64));
      if (!VerifySignature(s.header.sender, SignedMessage(s.transcript.Final()), sig))
        return Status::Corruption(s.path +
                                  ": the exporting node's signature does not verify: the bundle "
                                  "was altered");
      if (std::fgetc(s.file.get()) != EOF)
        return Status::Corruption(s.path + ": bytes follow the END item");
      s.done = true;
      return std::optional<BundleItem>();
    }
    default:
      return Status::Corruption(where + ": unknown item type " + std::to_string(item[0]));
  }
  HashFramed(s.transcript, item);
  return std::optional<BundleItem>(std::move(out));
}

}  // namespace credmesh
