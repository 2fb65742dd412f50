// File: phone.hpp
//
// Phone number checks for leads (docs/api.md, per-lead errors and "Normalisation"), backed by
// libphonenumber. libphonenumber stays an implementation detail of phone.cpp.
#pragma once

#include <string>
#include <string_view>

namespace leadgate::core {

struct PhoneCheck {
  enum class Status {
    kValid,            // e164 holds the number, e.g. "+14155552671"
    kRepeatingDigits,  // the national number is a repeating pattern (see IsRepeatingPattern)
    kInvalid,          // not parseable, or not a valid number for its region
  };
  Status status = Status::kInvalid;
  std::string e164;  // set only when status is kValid

  bool operator==(const PhoneCheck&) const = default;
};

// True when `digits` (ASCII digits only; anything else gives false) is one digit repeated, or a
// block of 2 to 4 digits repeated at least twice filling it exactly: "9999999999",
// "1212121212", "123123123", "12341234", "55". "", "5" and "4155552671" are not.
bool IsRepeatingPattern(std::string_view digits);

// Stateless handle on libphonenumber's process-wide metadata. Construct one at start-up: the
// constructor loads the metadata (~11 ms the first time in a process) so no request pays for it.
// Thread-safe: Check is const and may be called concurrently from any number of threads.
class PhoneNumbers {
 public:
  PhoneNumbers();

  // Checks `raw` (a trimmed lead phone as sent) in this order, first match wins:
  //  1. kRepeatingDigits when the national number is a repeating pattern. The national number
  //     is libphonenumber's national significant number when `raw` parses (formatting, a leading
  //     "+<cc>", an IDD prefix such as "00"/"011" and a national prefix such as "0" dropped), else
  //     every ASCII digit of `raw`.
  //  2. kInvalid when `raw` does not parse, is not IsValidNumber, contains an ASCII letter, or
  //     carries an extension.
  //  3. kValid with the E.164 form.
  // `raw` is parsed with `default_region` (ISO 3166 alpha-2, either case: "US", "gb") unless
  // it starts with '+'; an unknown region makes every number without '+' kInvalid.
  //
  // Letters are rejected although libphonenumber would read vanity numbers ("1-800-FLOWERS"):
  // in lead imports letters almost always mean junk ("n/a", "call after 5") or an extension,
  // and a dialer cannot call an extension, which E.164 cannot carry. For the same reason a
  // number with an extension in any form ("#12", ";ext=3") is kInvalid.
  PhoneCheck Check(std::string_view raw, std::string_view default_region) const;
};

}  // namespace leadgate::core
