#include "core/phone.hpp"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <string>

namespace leadgate::core {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string AsciiDigitsOf(std::string_view s) {
  std::string digits;
  for (char c : s) {
    if (IsAsciiDigit(c)) digits.push_back(c);
  }
  return digits;
}

std::string AsciiUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace

bool IsRepeatingPattern(std::string_view digits) {
  if (!std::ranges::all_of(digits, IsAsciiDigit)) return false;
  for (std::size_t block = 1; block <= 4; ++block) {
    // "At least twice" keeps a 2..4 digit number from matching itself as a single block.
    if (digits.size() < 2 * block || digits.size() % block != 0) continue;
    bool repeats = true;
    for (std::size_t i = block; i < digits.size() && repeats; ++i) {
      repeats = digits[i] == digits[i - block];
    }
    if (repeats) return true;
  }
  return false;
}

PhoneNumbers::PhoneNumbers() {
  // Pays the one-time metadata load here rather than inside the first request.
  PhoneNumberUtil::GetInstance();
}

PhoneCheck PhoneNumbers::Check(std::string_view raw, std::string_view default_region) const {
  // After the constructor's first call, GetInstance is just a read of a once-initialised
  // singleton; the util's const methods are thread-safe and every PhoneNumber here is local.
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  const bool has_letter = std::ranges::any_of(raw, IsAsciiLetter);

  PhoneNumber number;
  // Inputs with letters are never parsed: libphonenumber would turn "FLOWERS" into digits and
  // the repeating check must see the digits the client actually typed.
  const bool parsed = !has_letter && util.Parse(std::string(raw), AsciiUpper(default_region),
                                                &number) == PhoneNumberUtil::NO_PARSING_ERROR;

  std::string national;
  if (parsed) {
    util.GetNationalSignificantNumber(number, &national);
  } else {
    national = AsciiDigitsOf(raw);
  }
  if (IsRepeatingPattern(national)) return {PhoneCheck::Status::kRepeatingDigits, ""};

  if (!parsed || number.has_extension() || !util.IsValidNumber(number)) {
    return {PhoneCheck::Status::kInvalid, ""};
  }
  PhoneCheck ok{PhoneCheck::Status::kValid, ""};
  util.Format(number, PhoneNumberUtil::E164, &ok.e164);
  return ok;
}

}  // namespace leadgate::core
