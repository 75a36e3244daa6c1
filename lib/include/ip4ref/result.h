// result.h: Result<T>, a value or a Reason, shaped like std::expected.
//
// g++ 12 ships <expected> only under -std=c++2b, so ip4ref carries this small
// equivalent (STYLE.md rule 5). Errors are values; nothing on the packet path
// throws. Accessing the wrong alternative is a programming error (assert).
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "ip4ref/reason.h"

namespace ip4ref {

// Wraps an error for construction: `return Fail{Reason::kTruncated};`
struct Fail {
  Reason reason;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Fail f) : v_(f.reason) {}           // NOLINT: implicit by design

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  Reason error() const {
    assert(!has_value());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Reason> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Fail f) : error_(f.reason), ok_(false) {}  // NOLINT: implicit by design
  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  Reason error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Reason error_ = Reason::kCount;
  bool ok_ = true;
};

}  // namespace ip4ref
