// Status and StatusOr: error values for the hot path, in the style of kvrocks'
// src/common/status.h. Exceptions are used only at start-up (config) and for
// programmer misuse.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace slamon {

/// The outcome of an operation that can fail. Cheap when OK (no allocation).
class [[nodiscard]] Status {
 public:
  enum Code { kOk = 0, kInvalidArgument, kNotFound, kCorruption, kIoError, kUnavailable, kAborted, kInternal };

  Status() = default;
  Status(Code code, std::string msg) : code_(code), msg_(std::move(msg)) {}

  static Status OK() { return {}; }
  static Status Invalid(std::string msg) { return {kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {kNotFound, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {kCorruption, std::move(msg)}; }
  static Status IoError(std::string msg) { return {kIoError, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {kUnavailable, std::move(msg)}; }

  bool ok() const { return code_ == kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return msg_; }
  std::string ToString() const { return ok() ? "OK" : msg_; }

 private:
  Code code_ = kOk;
  std::string msg_;
};

/// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  /// An error. An OK status carries no value, which is a programming error
  /// (as kvrocks' CHECK refuses it): it becomes an internal error instead of
  /// an "ok" StatusOr whose value is missing.
  StatusOr(Status status)  // NOLINT(google-explicit-constructor)
      : status_(status.ok()
                    ? Status(Status::kInternal, "internal error: StatusOr built from an OK status without a value")
                    : std::move(status)) {}

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& value() { return *value_; }
  T&& take() { return std::move(*value_); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace slamon

/// Returns the Status of `expr` from the enclosing function when it is not OK.
#define SLAMON_RETURN_IF_ERROR(expr) \
  do {                               \
    ::slamon::Status _st = (expr);   \
    if (!_st.ok()) return _st;       \
  } while (0)

#define SLAMON_CONCAT_INNER(a, b) a##b
#define SLAMON_CONCAT(a, b) SLAMON_CONCAT_INNER(a, b)
/// `GET_OR_RET(auto x, Expr())`: binds the value or returns the error Status.
#define GET_OR_RET(lhs, expr) GET_OR_RET_IMPL(SLAMON_CONCAT(_so_, __LINE__), lhs, expr)
#define GET_OR_RET_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                    \
  if (!tmp.ok()) return tmp.status();   \
  lhs = tmp.take()
