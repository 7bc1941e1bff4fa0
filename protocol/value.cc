#include "protocol/value.h"

#include <msgpack.hpp>
#include <nlohmann/json.hpp>

namespace credmesh {
namespace {

// msgpack-c packer target that appends to a Bytes vector.
struct BytesWriter {
  Bytes& out;
  void write(const char* data, size_t size) {
    out.insert(out.end(), reinterpret_cast<const uint8_t*>(data),
               reinterpret_cast<const uint8_t*>(data) + size);
  }
};

void Pack(msgpack::packer<BytesWriter>& pk, const Value& v) {
  if (v.is_nil()) {
    pk.pack_nil();
  } else if (v.is_bool()) {
    v.as_bool() ? pk.pack_true() : pk.pack_false();
  } else if (v.is_int()) {
    pk.pack_int64(v.as_int());  // msgpack-c picks the shortest form
  } else if (v.is_string()) {
    const auto& s = v.as_string();
    pk.pack_str(static_cast<uint32_t>(s.size()));
    pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
  } else if (v.is_bytes()) {
    const auto& b = v.as_bytes();
    pk.pack_bin(static_cast<uint32_t>(b.size()));
    pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<uint32_t>(b.size()));
  } else if (v.is_array()) {
    pk.pack_array(static_cast<uint32_t>(v.as_array().size()));
    for (const auto& e : v.as_array()) Pack(pk, e);
  } else {
    pk.pack_map(static_cast<uint32_t>(v.as_map().size()));
    for (const auto& [k, e] : v.as_map()) {
      pk.pack_str(static_cast<uint32_t>(k.size()));
      pk.pack_str_body(k.data(), static_cast<uint32_t>(k.size()));
      Pack(pk, e);
    }
  }
}

}  // namespace

const Value* Value::Find(const std::string& key) const {
  if (!is_map()) return nullptr;
  auto it = as_map().find(key);
  return it == as_map().end() ? nullptr : &it->second;
}

std::string Value::GetString(const std::string& key, const std::string& fallback) const {
  const Value* v = Find(key);
  return v && v->is_string() ? v->as_string() : fallback;
}

int64_t Value::GetInt(const std::string& key, int64_t fallback) const {
  const Value* v = Find(key);
  return v && v->is_int() ? v->as_int() : fallback;
}

void EncodeValue(const Value& value, Bytes& out) {
  BytesWriter w{out};
  msgpack::packer<BytesWriter> pk(w);
  Pack(pk, value);
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else
      return false;
    if (i + len > n) return false;
    for (size_t j = 1; j < len; ++j) {
      auto cc = static_cast<uint8_t>(s[i + j]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

namespace {

// Where a value sits inside the decoded object, e.g. record.body.list[2].
// Spelled out only when an error needs it: building the string for every
// element would cost O(elements x key length), which a hostile peer can make
// seconds per record with one long map key above a wide array.
struct Path {
  static Path Root(const std::string& name) { return {&name, nullptr, {}, 0, false}; }
  static Path Element(const Path& parent, uint32_t i) { return {nullptr, &parent, {}, i, false}; }
  static Path Entry(const Path& parent, std::string_view k) {
    return {nullptr, &parent, k, 0, true};
  }

  const std::string* root;  // set on the outermost node only
  const Path* parent;
  std::string_view key;  // map entry when is_key, else
  uint32_t index;        // array element
  bool is_key;

  std::string str() const {
    if (root) return *root;
    std::string s = parent->str();
    if (is_key) return s.append(".").append(key);
    return s + "[" + std::to_string(index) + "]";
  }
};

Result<Value> FromObject(const msgpack::object& obj, const ValueLimits& limits, const Path& path,
                         size_t depth) {
  switch (obj.type) {
    case msgpack::type::NIL:
      return Value();
    case msgpack::type::BOOLEAN:
      return Value(obj.via.boolean);
    case msgpack::type::POSITIVE_INTEGER:
      if (obj.via.u64 > static_cast<uint64_t>(INT64_MAX)) {
        return Status::InvalidArgument(path.str() + ": integer out of range for a body value");
      }
      return Value(static_cast<int64_t>(obj.via.u64));
    case msgpack::type::NEGATIVE_INTEGER:
      return Value(obj.via.i64);
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return Status::InvalidArgument(path.str() + ": type confusion: floats are not allowed");
    case msgpack::type::EXT:
      return Status::InvalidArgument(path.str() +
                                     ": type confusion: extension types are not allowed");
    case msgpack::type::STR: {
      std::string s(obj.via.str.ptr, obj.via.str.size);
      if (!IsValidUtf8(s)) {
        return Status::InvalidArgument(path.str() + ": string is not valid UTF-8");
      }
      return Value(std::move(s));
    }
    case msgpack::type::BIN:
      return Value(Bytes(obj.via.bin.ptr, obj.via.bin.ptr + obj.via.bin.size));
    case msgpack::type::ARRAY: {
      if (depth >= limits.max_depth) {
        return Status::ResourceExhausted(path.str() + ": nesting too deep");
      }
      if (obj.via.array.size > limits.max_container) {
        return Status::ResourceExhausted(path.str() + ": array has too many elements");
      }
      Value::Array out;
      out.reserve(obj.via.array.size);
      for (uint32_t i = 0; i < obj.via.array.size; ++i) {
        auto e = FromObject(obj.via.array.ptr[i], limits, Path::Element(path, i), depth + 1);
        if (!e.ok()) return e.status();
        out.push_back(std::move(*e));
      }
      return Value(std::move(out));
    }
    case msgpack::type::MAP: {
      if (depth >= limits.max_depth) {
        return Status::ResourceExhausted(path.str() + ": nesting too deep");
      }
      if (obj.via.map.size > limits.max_container) {
        return Status::ResourceExhausted(path.str() + ": map has too many entries");
      }
      Value::Map out;
      const std::string* prev = nullptr;
      for (uint32_t i = 0; i < obj.via.map.size; ++i) {
        const auto& kv = obj.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR) {
          return Status::InvalidArgument(path.str() + ": type confusion: map keys must be strings");
        }
        std::string key(kv.key.via.str.ptr, kv.key.via.str.size);
        if (!IsValidUtf8(key)) {
          return Status::InvalidArgument(path.str() + ": map key is not valid UTF-8");
        }
        if (prev && !(*prev < key)) {
          return Status::InvalidArgument(
              path.str() + ": non-canonical: map key \"" + key +
              (*prev == key ? "\" is duplicated" : "\" is out of order"));
        }
        auto e = FromObject(kv.val, limits, Path::Entry(path, key), depth + 1);
        if (!e.ok()) return e.status();
        prev = &out.emplace(std::move(key), std::move(*e)).first->first;
      }
      return Value(std::move(out));
    }
  }
  return Status::InvalidArgument(path.str() + ": unknown MessagePack type");
}

}  // namespace

Result<Value> ValueFromObject(const msgpack::object& obj, const ValueLimits& limits,
                              const std::string& path, size_t depth) {
  return FromObject(obj, limits, Path::Root(path), depth);
}

}  // namespace credmesh
