// One exception family. The Python binding maps each subclass to the exception PyTorch raises.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace ramp {

struct Error : std::runtime_error {  // -> RuntimeError
  using std::runtime_error::runtime_error;
};
struct TypeError : Error {  // -> TypeError
  using Error::Error;
};
struct IndexError : Error {  // -> IndexError
  using Error::Error;
};
struct ValueError : Error {  // -> ValueError
  using Error::Error;
};
struct NotImplementedError : Error {  // -> NotImplementedError
  using Error::Error;
};

namespace detail {
inline std::string to_piece(const std::string& s) { return s; }
inline std::string to_piece(const char* s) { return s; }
inline std::string to_piece(std::string_view s) { return std::string(s); }
inline std::string to_piece(char c) { return std::string(1, c); }
template <class T> std::string to_piece(const T& v) { return std::to_string(v); }
template <class... A> std::string cat(const A&... a) {
  std::string s;
  ((s += to_piece(a)), ...);
  return s;
}
}  // namespace detail

// Throws ramp::Error (or the named subclass) with the pieces concatenated.
#define RAMP_CHECK(cond, ...) \
  do {                        \
    if (!(cond)) [[unlikely]] throw ::ramp::Error(::ramp::detail::cat(__VA_ARGS__)); \
  } while (0)
#define RAMP_CHECK_T(Type, cond, ...) \
  do {                                \
    if (!(cond)) [[unlikely]] throw ::ramp::Type(::ramp::detail::cat(__VA_ARGS__)); \
  } while (0)

}  // namespace ramp
