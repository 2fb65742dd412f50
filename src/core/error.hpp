// File: error.hpp
//
// Errors are values. Every function that can fail for a reason outside the program (bad input,
// a dead database) returns Result<T>: either a T or an Error, never both. No exception crosses a
// module boundary.
//
//   Result<Project> p = store.GetProject(id);
//   if (!p) return std::unexpected(p.error());
//   Use(*p);
//
// Error::message is for logs and operators. Text shown to API clients is chosen by the HTTP
// layer (http/error_response), never copied from an Error, so SQL text never leaks.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace leadgate::core {

// A small canonical set (after absl::StatusCode). Return the most specific one that applies.
enum class ErrorCode {
  kInvalidArgument,     // the caller's input is wrong; retrying it unchanged cannot succeed
  kNotFound,            // the named entity does not exist (or is not visible to the caller)
  kAlreadyExists,       // a uniqueness rule would be broken
  kPermissionDenied,    // authenticated, but not allowed
  kUnauthenticated,     // no valid credentials
  kFailedPrecondition,  // the system is not in a state that allows the operation
  kResourceExhausted,   // a limit was reached (size, rate, quota)
  kUnavailable,         // a dependency is down or busy; retrying later may succeed
  kInternal,            // a bug or a broken invariant
};

std::string_view ToString(ErrorCode code);

struct [[nodiscard]] Error {
  ErrorCode code;
  std::string message;

  std::string ToString() const;  // "NotFound: project 65a..."
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> MakeError(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace leadgate::core
