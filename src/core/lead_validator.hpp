// File: lead_validator.hpp
//
// Per-lead validation and normalisation (docs/api.md, "The lead object (input)", the per-lead
// error table and "Normalisation"): everything about one lead that needs no store.
#pragma once

#include <cstddef>
#include <string_view>
#include <variant>

#include "core/lead.hpp"
#include "core/phone.hpp"

namespace leadgate::core {

// Length limits in Unicode code points, on the trimmed value.
inline constexpr std::size_t kMaxGroupIdChars = 128;
inline constexpr std::size_t kMaxReferenceIdChars = 128;
inline constexpr std::size_t kMaxNameChars = 256;  // name, firstName, lastName each
inline constexpr std::size_t kMaxPhoneChars = 64;
inline constexpr std::size_t kMaxEmailChars = 320;
// metadata limits: minified size in bytes, and nesting depth ({} is 1).
inline constexpr std::size_t kMaxMetadataBytes = 16384;
inline constexpr int kMaxMetadataDepth = 8;

// Validates `in` and returns the Lead it becomes, or the first failing check's LeadError
// (exact message of docs/api.md; existing_lead_id empty). Checks, in this order:
//  1. in.wrong_type_field set: "<field> must be a string" / "metadata must be an object"
//     (kInvalidType).
//  2. Lengths, fields in the order groupId, phone, email, name, firstName, lastName,
//     referenceId: "<field> exceeds <N> characters" (kFieldTooLong).
//  3. No phone and no email: "Either phone or email is required" (kMissingContact).
//  4. No name and no firstName: "Either name or firstName is required" (kMissingName).
//  5. Phone repeating pattern: "Phone number contains repeating digits pattern"
//     (kPhoneRepeatingDigits); phone otherwise bad: "Invalid phone number" (kInvalidPhone).
//     See PhoneNumbers::Check; `default_region` is the project's region ("US").
//  6. Email bad: "Invalid email address" (kInvalidEmail). See NormalizeEmail.
//  7. metadata over kMaxMetadataBytes: "metadata exceeds 16384 bytes", then deeper than
//     kMaxMetadataDepth: "metadata nesting exceeds depth 8" (both kMetadataTooLarge).
// Duplicate checks need the store and are the ingest service's job.
//
// The returned Lead has the content fields set: process_id (in.process_id, assumed present),
// group_id, name/first_name/last_name (NormalizeName), phone (E.164), email (lower-cased),
// reference_id, metadata_json. id, project_id, state, attempts and the times are left at their
// defaults for the ingest service. Pure; thread-safe.
std::variant<Lead, LeadError> ValidateLead(const LeadInput& in, const PhoneNumbers& phones,
                                           std::string_view default_region);

}  // namespace leadgate::core
