#include "auth/api_key.hpp"

#include <gtest/gtest.h>

#include <set>

namespace leadgate::auth {
namespace {

constexpr char kKeyId[] = "0123456789abcdef01234567";

TEST(ApiKey, GeneratedKeyParsesBackAndMatchesItsHash) {
  auto key = GenerateKey(kKeyId);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->token.size(), 3u + 24u + 1u + 64u);
  EXPECT_EQ(key->token.rfind(std::string("lg_") + kKeyId + "_", 0), 0u);
  auto parsed = ParseToken(key->token);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->key_id, kKeyId);
  EXPECT_TRUE(SecretMatches(parsed->secret, key->secret_hash));
  EXPECT_EQ(key->secret_hash, HashSecret(parsed->secret));
}

TEST(ApiKey, SecretsAreRandomAndTheHashIsNotTheSecret) {
  std::set<std::string> tokens;
  for (int i = 0; i < 100; ++i) tokens.insert(GenerateKey(kKeyId)->token);
  EXPECT_EQ(tokens.size(), 100u);
  auto key = GenerateKey(kKeyId);
  EXPECT_EQ(key->token.find(key->secret_hash), std::string::npos);
}

TEST(ApiKey, HashIsSha256Hex) {
  // SHA-256("abc"), FIPS 180-2 test vector.
  EXPECT_EQ(HashSecret("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiKey, WrongSecretsDoNotMatch) {
  const std::string hash = HashSecret(std::string(64, 'a'));
  EXPECT_FALSE(SecretMatches(std::string(63, 'a') + "b", hash));
  EXPECT_FALSE(SecretMatches("", hash));
  EXPECT_FALSE(SecretMatches(std::string(64, 'a'), ""));
  EXPECT_FALSE(SecretMatches(std::string(64, 'a'), hash.substr(1)));
  EXPECT_TRUE(SecretMatches(std::string(64, 'a'), hash));
}

TEST(ApiKey, MalformedTokensAreRejected) {
  const std::string good = std::string("lg_") + kKeyId + "_" + std::string(64, 'f');
  ASSERT_TRUE(ParseToken(good).has_value());
  EXPECT_FALSE(ParseToken(""));
  EXPECT_FALSE(ParseToken(good + "f"));
  EXPECT_FALSE(ParseToken(good.substr(1)));
  EXPECT_FALSE(ParseToken("xx" + good.substr(2)));
  std::string bad_sep = good;
  bad_sep[27] = '-';
  EXPECT_FALSE(ParseToken(bad_sep));
  std::string upper = good;
  upper.back() = 'F';
  EXPECT_FALSE(ParseToken(upper));
  std::string non_hex = good;
  non_hex[5] = 'z';
  EXPECT_FALSE(ParseToken(non_hex));
}

}  // namespace
}  // namespace leadgate::auth
