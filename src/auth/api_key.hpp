// File: api_key.hpp
//
// API key format and hashing. A key is shown to its owner once, at creation:
//
//   lg_<keyId: 24 hex>_<secret: 64 hex = 256 random bits>
//
// The store keeps only the key id and SHA-256(secret). Authentication looks the record up by key
// id (an index hit, no scan over hashes) and compares the hash in constant time, so neither the
// lookup nor the comparison leaks how much of a guessed secret was right.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace leadgate::auth {

struct ParsedToken {
  std::string key_id;
  std::string secret;
};

// nullopt unless `token` has exactly the format above.
std::optional<ParsedToken> ParseToken(std::string_view token);

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Lower-case hex SHA-256 of the secret.
inline std::string HashSecret(std::string_view secret) { return Sha256Hex(secret); }

// Constant-time comparison of HashSecret(secret) with a stored hash.
bool SecretMatches(std::string_view secret, std::string_view stored_hash);

struct NewKey {
  std::string token;        // the full key, to show once
  std::string secret_hash;  // what the store keeps
};

// A fresh key for key_id from the OS's cryptographic random source (OpenSSL RAND_bytes).
// nullopt only if the random source fails.
std::optional<NewKey> GenerateKey(std::string_view key_id);

}  // namespace leadgate::auth
