#include "auth/api_key.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>

#include "core/object_id.hpp"

namespace leadgate::auth {
namespace {

constexpr std::string_view kPrefix = "lg_";
constexpr std::size_t kSecretHexLen = 64;

std::string Hex(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xF]);
  }
  return out;
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::optional<ParsedToken> ParseToken(std::string_view token) {
  if (token.size() != kPrefix.size() + 24 + 1 + kSecretHexLen) return std::nullopt;
  if (token.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view rest = token.substr(kPrefix.size());
  std::string_view key_id = rest.substr(0, 24);
  if (rest[24] != '_') return std::nullopt;
  std::string_view secret = rest.substr(25);
  if (!core::IsObjectId(key_id) || !IsLowerHex(key_id) || !IsLowerHex(secret)) {
    return std::nullopt;
  }
  return ParsedToken{std::string(key_id), std::string(secret)};
}

std::string Sha256Hex(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  return Hex(digest.data(), digest.size());
}

bool SecretMatches(std::string_view secret, std::string_view stored_hash) {
  const std::string actual = HashSecret(secret);
  if (stored_hash.size() != actual.size()) return false;
  return CRYPTO_memcmp(actual.data(), stored_hash.data(), actual.size()) == 0;
}

std::optional<NewKey> GenerateKey(std::string_view key_id) {
  std::array<unsigned char, kSecretHexLen / 2> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return std::nullopt;
  const std::string secret = Hex(bytes.data(), bytes.size());
  NewKey key;
  key.token.reserve(kPrefix.size() + key_id.size() + 1 + secret.size());
  key.token.append(kPrefix).append(key_id).append("_").append(secret);
  key.secret_hash = HashSecret(secret);
  return key;
}

}  // namespace leadgate::auth
