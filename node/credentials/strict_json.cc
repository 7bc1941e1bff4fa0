#include "node/credentials/strict_json.h"

#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "node/credentials/catalog_parse_util.h"

namespace credmesh {
namespace {

using Map = Value::Map;
using Array = Value::Array;
using catalog_internal::At;
using catalog_internal::Err;
using catalog_internal::Sel;

// Builds the Value in one SAX pass and stops at the first rejected token. SAX
// rather than an nlohmann::json tree because the tree would already have
// merged duplicate keys.
class StrictJsonToValue : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return Add(Value()); }
  bool boolean(bool b) override { return Add(Value(b)); }
  bool number_integer(number_integer_t n) override { return Add(Value(static_cast<int64_t>(n))); }
  bool number_unsigned(number_unsigned_t n) override {
    if (n > static_cast<uint64_t>(INT64_MAX))
      return Fail(Err(CurrentPath(), "integer out of range"));
    return Add(Value(static_cast<int64_t>(n)));
  }
  bool number_float(number_float_t, const string_t&) override {
    return Fail(Err(CurrentPath(), "must be an integer (fractions and exponents are not allowed)"));
  }
  bool string(string_t& s) override { return Add(Value(std::move(s))); }
  bool binary(binary_t&) override {
    return Fail(Err(CurrentPath(), "binary values are not allowed"));
  }
  bool start_object(std::size_t) override { return Push(false); }
  bool key(string_t& k) override {
    Frame& f = frames_.back();
    if (f.map.count(k)) return Fail(Err(Sel(ContainerPath(), k), "duplicate key"));
    f.key = k;
    return true;
  }
  bool end_object() override { return Pop(); }
  bool start_array(std::size_t) override { return Push(true); }
  bool end_array() override { return Pop(); }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    std::string what = ex.what();
    auto close = what.find("] ");  // drop nlohmann's "[json.exception.parse_error.101] "
    if (close != std::string::npos) what = what.substr(close + 2);
    return Fail(Status::InvalidArgument("invalid JSON: " + what));
  }

  Result<Value> Take() {
    if (!status_.ok()) return status_;
    if (!done_) return Status::InvalidArgument("invalid JSON: incomplete document");
    return std::move(root_);
  }

 private:
  struct Frame {
    bool is_array;
    Array array;
    Map map;
    std::string key;  // of the member being parsed (objects)
  };

  // Path of the innermost open container.
  std::string ContainerPath() const {
    std::string p;
    for (size_t i = 0; i + 1 < frames_.size(); ++i) {
      p = frames_[i].is_array ? At(p, frames_[i].array.size()) : Sel(p, frames_[i].key);
    }
    return p;
  }
  // Path of the value being parsed.
  std::string CurrentPath() const {
    if (frames_.empty()) return "";
    const Frame& f = frames_.back();
    return f.is_array ? At(ContainerPath(), f.array.size()) : Sel(ContainerPath(), f.key);
  }
  bool Fail(Status s) {
    if (status_.ok()) status_ = std::move(s);
    return false;
  }
  bool Add(Value v) {
    if (frames_.empty()) {
      root_ = std::move(v);
      done_ = true;
    } else if (frames_.back().is_array) {
      frames_.back().array.push_back(std::move(v));
    } else {
      frames_.back().map.emplace(frames_.back().key, std::move(v));
    }
    return true;
  }
  bool Push(bool is_array) {
    if (frames_.size() >= kMaxStrictJsonDepth) {
      return Fail(Err(CurrentPath(),
                      "nested deeper than " + std::to_string(kMaxStrictJsonDepth) + " levels"));
    }
    frames_.push_back(Frame{is_array, {}, {}, {}});
    return true;
  }
  bool Pop() {
    Frame f = std::move(frames_.back());
    frames_.pop_back();
    return f.is_array ? Add(Value(std::move(f.array))) : Add(Value(std::move(f.map)));
  }

  std::vector<Frame> frames_;
  Value root_;
  bool done_ = false;
  Status status_;
};

}  // namespace

Result<Value> ParseStrictJson(std::string_view text) {
  StrictJsonToValue sax;
  try {
    (void)nlohmann::json::sax_parse(text, &sax);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("invalid JSON: ") + e.what());
  }
  return sax.Take();
}

}  // namespace credmesh
