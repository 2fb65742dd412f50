// File: email.hpp
//
// Email address check and normalisation for leads (docs/api.md: "local@domain.tld", RFC 5321
// lengths, stored lower-cased).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace leadgate::core {

// The address with ASCII letters lower-cased when `email` has the form local@domain.tld, else
// nullopt. The form, all lengths in octets:
//  - at most 254 in total, exactly one '@';
//  - no white space anywhere (ASCII or Unicode, as TrimSpace defines it);
//  - local part 1..64, with no control character (< 0x20, 0x7F) and nothing else forbidden: quoting
//  and dot placement are not policed, since real CRM data holds addresses
//    the mail system accepts that strict RFC 5322 parsing would reject;
//  - domain at most 255, at least two labels separated by '.', each 1..63 of ASCII letters,
//    digits, '-' or non-ASCII UTF-8 bytes (internationalised names are kept as UTF-8, not
//    converted to punycode), not starting or ending with '-';
//  - the last label (TLD) is at least 2 code points of letters (ASCII or non-ASCII), or a
//    punycode label "xn--...".
// Non-ASCII characters are not case-folded. Pure; thread-safe.
std::optional<std::string> NormalizeEmail(std::string_view email);

}  // namespace leadgate::core
