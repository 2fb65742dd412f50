// File: lead_generator.hpp
//
// Deterministic, unique, realistic leads for the benchmarks (bench/loadgen.cpp, bench/floor.cpp
// and the micro-benchmarks), so that every tool sends byte-identical bodies for the same batch.
//
//   LeadGenerator gen(project_id, process_id);
//   std::string body = gen.BulkBody(/*batch=*/7, /*leads_per_request=*/1000);
//   // leads 7000..7999 of the sequence, as {"leads":[...],"init":true}
//
// Lead number `index` (a global 0-based sequence) is a pure function of the index: the same index
// always gives the same lead, and two different indexes never share a phone (E.164), an email
// (lower-cased) or a referenceId, so a run over any set of distinct indexes has no duplicates.
//
// Phones mix formats and regions the way a CRM export does: US national '(415) 555-2671' /
// '415-555-2671' / '+1 415 555 2671' (the project's default region is US), and international
// numbers for GB (London), IN (mobile), DE (Berlin/Hamburg/Munich), FR (mobile) and AU (mobile)
// in spaced, dashed and compact forms, plus US-style IDD ('011 44 20 ...'). The national numbers
// come from ranges libphonenumber accepts as valid for their region (checked by VerifyPhones),
// visited in a scrambled order (a bijection) so that index inserts are random, as in a real
// import, not append-only. Numbers whose national digits form a repeating pattern (which the
// service rejects) are remapped to a reserved half of the range, keeping uniqueness.
//
// Names (some non-ASCII), emails, referenceIds (three CRM styles), a groupId and a metadata object
// of 4-5 keys (sometimes nested) vary with the index. A lead is ~320 bytes of JSON on average; a
// 1000-lead body is ~316 KiB.
//
// Thread-safe: all methods are const and allocate only their results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace leadgate::core {
class PhoneNumbers;
}  // namespace leadgate::core

namespace leadgate::bench {

struct GeneratedPhone {
  std::string as_sent;  // e.g. "(415) 555-2671"
  std::string e164;     // what the service must store, e.g. "+14155552671"
  std::string region;   // "US", "GB", ...
};

class LeadGenerator {
 public:
  // groups == 0: the default groupId mix above (what every write benchmark sends).
  LeadGenerator(std::string project_id, std::string process_id, std::uint64_t groups = 0);

  // The groupId of group `g` when `groups` > 0: "group-<g>".
  static std::string GroupId(std::uint64_t g);

  // Lead `index` as one JSON object (no trailing comma), appended to `out`.
  void AppendLead(std::uint64_t index, std::string& out) const;

  // {"leads":[lead batch*n, ..., lead batch*n+n-1],"init":true}
  std::string BulkBody(std::uint64_t batch, std::size_t leads_per_request) const;

  // The phone of lead `index`.
  GeneratedPhone Phone(std::uint64_t index) const;

  // Checks, with libphonenumber (the service's own PhoneNumbers, default region US), the phones
  // of `count` indexes spread evenly over [0, span), plus the first 200 indexes: each must be
  // valid and give the expected E.164. Returns one message per failure (empty: all good).
  std::vector<std::string> VerifyPhones(const core::PhoneNumbers& phones, std::uint64_t count,
                                        std::uint64_t span) const;

 private:
  std::string project_id_;
  std::string process_id_;
  std::uint64_t groups_ = 0;
};

// Appends `s` as a JSON string literal (quotes, escapes) to `out`.
void AppendJsonString(std::string_view s, std::string& out);

}  // namespace leadgate::bench
