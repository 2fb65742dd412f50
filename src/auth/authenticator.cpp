#include "auth/authenticator.hpp"

#include "auth/api_key.hpp"

namespace leadgate::auth {
namespace {

using core::ErrorCode;
using core::MakeError;

// RFC 6750: the scheme is case-insensitive, followed by one or more spaces.
std::string_view BearerToken(std::string_view header) {
  constexpr std::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    char c = header[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return {};
  }
  std::string_view rest = header.substr(kScheme.size());
  if (rest.front() != ' ') return {};
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  return rest;
}

}  // namespace

core::Result<Principal> Authenticator::Authenticate(std::string_view authorization) const {
  const auto token = ParseToken(BearerToken(authorization));
  if (!token) return MakeError(ErrorCode::kUnauthenticated, "missing or malformed bearer token");

  auto key = store_.FindApiKey(token->key_id);
  if (!key) return std::unexpected(key.error());
  // Unknown and revoked keys still pay for one hash, so timing does not tell them apart.
  const bool matches = SecretMatches(token->secret, *key ? (*key)->secret_hash : std::string());
  if (!*key || !matches || (*key)->revoked) {
    return MakeError(ErrorCode::kUnauthenticated, "unknown or revoked key " + token->key_id);
  }

  auto project = store_.GetProject((*key)->project_id);
  if (!project) {
    if (project.error().code == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kUnauthenticated, "key's project is gone");
    }
    return std::unexpected(project.error());
  }
  if (!project->active) {
    return MakeError(ErrorCode::kPermissionDenied, "project " + project->id + " is inactive");
  }
  return Principal{(*key)->id, std::move(*project)};
}

}  // namespace leadgate::auth
