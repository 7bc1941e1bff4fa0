// status.h: errors as values. Status for operations without a result,
// Result<T> for operations that produce one. Both must be inspected.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace credmesh {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,     // caller or peer supplied malformed input
    kNotFound,            // the thing asked for does not exist
    kAlreadyExists,       // refusing to overwrite
    kCorruption,          // stored or received bytes fail an integrity check
    kUnauthorized,        // signature valid, but the author may not do this
    kFailedPrecondition,  // valid request in the wrong state
    kResourceExhausted,   // a documented limit was exceeded
    kIoError,             // the OS or SQLite failed
    kUnavailable,         // peer unreachable, timed out; retry later
    kInternal,            // a bug: an invariant we own was broken
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status Unauthorized(std::string m) { return {Code::kUnauthorized, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {Code::kFailedPrecondition, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {Code::kResourceExhausted, std::move(m)};
  }
  static Status IoError(std::string m) { return {Code::kIoError, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corruption: bad signature" style, for logs and the CLI.
  std::string ToString() const;
  // Returns a copy with `context` prepended to the message ("ctx: msg").
  Status WithContext(std::string_view context) const;

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

std::string_view CodeName(Status::Code code);

// Result<T> holds either a T or a non-OK Status. Use like a pointer:
//   auto r = Parse(x); if (!r.ok()) return r.status(); Use(*r);
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Status::Internal("Result constructed from OK status");
  }
  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T&& operator*() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace credmesh

// Early-return helpers, used only inside functions returning Status/Result.
#define CREDMESH_RETURN_IF_ERROR(expr) \
  do {                                 \
    ::credmesh::Status _st = (expr);   \
    if (!_st.ok()) return _st;         \
  } while (0)

#define CREDMESH_CONCAT_INNER(a, b) a##b
#define CREDMESH_CONCAT(a, b) CREDMESH_CONCAT_INNER(a, b)
// `lhs` may be a declaration (`auto x`) and `tmp` is a name: neither can be
// parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define CREDMESH_ASSIGN_OR_RETURN(lhs, expr) \
  CREDMESH_ASSIGN_OR_RETURN_IMPL(CREDMESH_CONCAT(_res_, __LINE__), lhs, expr)
#define CREDMESH_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(*tmp)
// NOLINTEND(bugprone-macro-parentheses)
