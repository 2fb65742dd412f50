#include "lead_generator.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "core/phone.hpp"

namespace leadgate::bench {
namespace {

// splitmix64: a cheap, well-mixed hash of the index for the choices that need not be unique.
std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// One region's numbers: national significant number = prefix + `digits` digits, the first of
// which is >= first_min. `styles` are templates in which each '#' takes the next digit.
struct PhonePlan {
  std::string_view region;
  std::string_view country_code;
  std::vector<std::string_view> prefixes;
  int digits;
  int first_min;
  std::vector<std::string_view> styles;
};

// Prefixes and digit rules follow libphonenumber's metadata for each region (fixed-line and
// mobile patterns); VerifyPhones checks them against the library the service uses.
const std::array<PhonePlan, 6>& Plans() {
  static const std::array<PhonePlan, 6> plans = {{
      {"US",
       "1",
       {"415", "212", "312", "646", "702", "617", "303", "206", "213", "305",
        "404", "512", "602", "713", "718", "808", "919", "972", "503", "615"},
       7,
       2,  // NANP exchange codes start with 2-9
       {"(###) ###-####", "###-###-####", "###.###.####", "+1 ### ### ####", "1 (###) ###-####",
        "##########"}},
      {"GB",
       "44",
       {"203", "207", "208"},  // London 020 3/7/8
       7,
       0,
       {"+44 ## #### ####", "+44##########", "011 44 ## #### ####", "+44-##-####-####"}},
      {"IN",
       "91",
       {"98", "99", "97", "96", "94", "93", "90", "91", "92", "95"},  // mobile 9x
       8,
       0,
       {"+91 ##### #####", "+91-##########", "+91##########"}},
      {"DE",
       "49",
       {"30", "40", "89"},  // Berlin, Hamburg, Munich with 8-digit subscriber numbers
       8,
       1,
       {"+49 ## ########", "+49-##-####-####", "+49##########", "011 49 ## ########"}},
      {"FR",
       "33",
       {"60", "61", "62", "64", "65", "66", "67", "68"},  // mobile 06 (not 063x/069x: invalid)
       7,
       0,
       {"+33 # ## ## ## ##", "+33#########"}},
      {"AU",
       "61",
       {"40", "41", "42", "43"},  // mobile 04xx
       7,
       0,
       {"+61 ### ### ###", "+61#########", "+61 ###-###-###"}},
  }};
  return plans;
}

// The region of each slot of a 20-lead cycle: US 40%, GB 15%, IN 15%, DE 10%, FR 10%, AU 10%.
constexpr std::array<int, 20> kSlotPlan = {0, 1, 0, 2, 0, 3, 0, 4, 0, 5,
                                           0, 1, 0, 2, 0, 3, 1, 2, 4, 5};

struct SlotInfo {
  int plan;
  int rank;    // how many earlier slots of the cycle use the same plan
  int weight;  // slots of the cycle using this plan
};

const std::array<SlotInfo, 20>& Slots() {
  static const std::array<SlotInfo, 20> slots = [] {
    std::array<SlotInfo, 20> s{};
    std::array<int, 6> weight{};
    for (int p : kSlotPlan) ++weight[static_cast<std::size_t>(p)];
    std::array<int, 6> seen{};
    for (std::size_t i = 0; i < kSlotPlan.size(); ++i) {
      const auto p = static_cast<std::size_t>(kSlotPlan[i]);
      s[i] = {kSlotPlan[i], seen[p]++, weight[p]};
    }
    return s;
  }();
  return slots;
}

std::uint64_t Pow10(int n) {
  std::uint64_t v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

std::uint64_t Capacity(const PhonePlan& plan) {
  return plan.prefixes.size() * static_cast<std::uint64_t>(10 - plan.first_min) *
         Pow10(plan.digits - 1);
}

// The national significant number at position k of the plan's range (k < Capacity).
std::string NationalNumber(const PhonePlan& plan, std::uint64_t k) {
  const std::uint64_t p = k % plan.prefixes.size();
  const std::uint64_t s = k / plan.prefixes.size();
  const std::uint64_t tail_span = Pow10(plan.digits - 1);
  std::string nsn(plan.prefixes[p]);
  nsn.push_back(static_cast<char>('0' + plan.first_min + static_cast<int>(s / tail_span)));
  char tail[24];
  std::snprintf(tail, sizeof tail, "%0*llu", plan.digits - 1,
                static_cast<unsigned long long>(s % tail_span));
  nsn += tail;
  return nsn;
}

// A bijection of [0, capacity): multiplication by a prime larger than any capacity, plus an
// offset. j * kMultiplier stays below 2^63 for capacities below 2^33.
std::uint64_t Scramble(std::uint64_t j, std::uint64_t capacity) {
  constexpr std::uint64_t kMultiplier = 1000000007ULL;
  return (j % capacity * kMultiplier + capacity / 3) % capacity;
}

[[noreturn]] void Die(const char* what, std::uint64_t index) {
  std::fprintf(stderr, "lead_generator: %s (lead %llu)\n", what,
               static_cast<unsigned long long>(index));
  std::abort();
}

// The national number of the j-th lead of a plan. Only the lower half of the scrambled range is
// used directly; the rare number whose digits are a repeating pattern (rejected by the service)
// is replaced by the image of j + half, which no other j reaches.
std::string PlanNumber(const PhonePlan& plan, std::uint64_t j, std::uint64_t index) {
  const std::uint64_t capacity = Capacity(plan);
  const std::uint64_t half = capacity / 2;
  if (j >= half) Die("phone range exhausted", index);
  std::string nsn = NationalNumber(plan, Scramble(j, capacity));
  if (!core::IsRepeatingPattern(nsn)) return nsn;
  nsn = NationalNumber(plan, Scramble(j + half, capacity));
  if (core::IsRepeatingPattern(nsn)) Die("no non-repeating phone", index);
  return nsn;
}

std::string ApplyStyle(std::string_view style, std::string_view digits) {
  std::string out;
  out.reserve(style.size());
  std::size_t d = 0;
  for (char c : style) out.push_back(c == '#' ? digits[d++] : c);
  return out;
}

struct Person {
  std::string_view display;
  std::string_view ascii;  // for the email
};

constexpr std::array<Person, 40> kFirstNames = {{
    {"James", "james"},
    {"Mary", "mary"},
    {"Robert", "robert"},
    {"Patricia", "patricia"},
    {"Michael", "michael"},
    {"Jennifer", "jennifer"},
    {"David", "david"},
    {"Linda", "linda"},
    {"José", "jose"},
    {"María", "maria"},
    {"Priya", "priya"},
    {"Rahul", "rahul"},
    {"Ananya", "ananya"},
    {"Arjun", "arjun"},
    {"Oliver", "oliver"},
    {"Amelia", "amelia"},
    {"Harry", "harry"},
    {"Siobhán", "siobhan"},
    {"Jürgen", "jurgen"},
    {"Lena", "lena"},
    {"Maximilian", "maximilian"},
    {"Zoë", "zoe"},
    {"François", "francois"},
    {"Chloé", "chloe"},
    {"Léa", "lea"},
    {"Lucas", "lucas"},
    {"Jack", "jack"},
    {"Charlotte", "charlotte"},
    {"Noah", "noah"},
    {"Isla", "isla"},
    {"Mohammed", "mohammed"},
    {"Fatima", "fatima"},
    {"Wei", "wei"},
    {"Mei", "mei"},
    {"Aiko", "aiko"},
    {"Åsa", "asa"},
    {"Björn", "bjorn"},
    {"Emily", "emily"},
    {"Daniel", "daniel"},
    {"Sofia", "sofia"},
}};

constexpr std::array<Person, 40> kLastNames = {{
    {"Smith", "smith"},       {"Johnson", "johnson"},   {"Williams", "williams"},
    {"Brown", "brown"},       {"Jones", "jones"},       {"García", "garcia"},
    {"Miller", "miller"},     {"Davis", "davis"},       {"Rodríguez", "rodriguez"},
    {"Martinez", "martinez"}, {"Sharma", "sharma"},     {"Patel", "patel"},
    {"Iyer", "iyer"},         {"Reddy", "reddy"},       {"Taylor", "taylor"},
    {"O'Brien", "obrien"},    {"Wilson", "wilson"},     {"Evans", "evans"},
    {"Müller", "muller"},     {"Schmidt", "schmidt"},   {"Schneider", "schneider"},
    {"Fischer", "fischer"},   {"Dubois", "dubois"},     {"Lefèvre", "lefevre"},
    {"Moreau", "moreau"},     {"Laurent", "laurent"},   {"Nguyen", "nguyen"},
    {"Kelly", "kelly"},       {"Thompson", "thompson"}, {"White", "white"},
    {"Khan", "khan"},         {"Ali", "ali"},           {"Chen", "chen"},
    {"Wang", "wang"},         {"Tanaka", "tanaka"},     {"Lindqvist", "lindqvist"},
    {"Kowalski", "kowalski"}, {"Anderson", "anderson"}, {"van der Berg", "vanderberg"},
    {"De Luca", "deluca"},
}};

constexpr std::array<std::string_view, 10> kDomains = {
    "gmail.com", "yahoo.com",      "outlook.com",    "example.co.uk", "web.de",
    "orange.fr", "rediffmail.com", "bigpond.com.au", "icloud.com",    "acme-corp.io"};

constexpr std::array<std::string_view, 6> kSources = {"facebook_ads", "google_ads", "web_form",
                                                      "referral",     "trade_show", "partner_api"};
constexpr std::array<std::string_view, 5> kProducts = {"solar", "insurance", "mortgage",
                                                       "broadband", "ev-charger"};
constexpr std::array<std::string_view, 4> kMediums = {"cpc", "social", "email", "organic"};
constexpr std::array<std::string_view, 4> kNotes = {
    "Prefers calls after 5pm", "Asked for a quote by phone", "Existing customer, upgrade",
    "Call back re: financing options"};

void AppendUint(std::uint64_t v, std::string& out) {
  char buf[24];
  const int n = std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
  out.append(buf, static_cast<std::size_t>(n));
}

void AppendField(std::string_view key, std::string_view value, std::string& out) {
  out.push_back('"');
  out += key;
  out += "\":";
  AppendJsonString(value, out);
  out.push_back(',');
}

}  // namespace

void AppendJsonString(std::string_view s, std::string& out) {
  out.push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", u);
      out += esc;
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

LeadGenerator::LeadGenerator(std::string project_id, std::string process_id, std::uint64_t groups)
    : project_id_(std::move(project_id)), process_id_(std::move(process_id)), groups_(groups) {}

std::string LeadGenerator::GroupId(std::uint64_t g) {
  std::string group = "group-";
  AppendUint(g, group);
  return group;
}

GeneratedPhone LeadGenerator::Phone(std::uint64_t index) const {
  const SlotInfo& slot = Slots()[index % Slots().size()];
  const PhonePlan& plan = Plans()[static_cast<std::size_t>(slot.plan)];
  const std::uint64_t j = index / Slots().size() * static_cast<std::uint64_t>(slot.weight) +
                          static_cast<std::uint64_t>(slot.rank);
  const std::string nsn = PlanNumber(plan, j, index);
  const std::string_view style = plan.styles[Mix(index ^ 0x51ULL) % plan.styles.size()];
  GeneratedPhone phone;
  phone.as_sent = ApplyStyle(style, nsn);
  phone.e164 = "+" + std::string(plan.country_code) + nsn;
  phone.region = std::string(plan.region);
  return phone;
}

void LeadGenerator::AppendLead(std::uint64_t index, std::string& out) const {
  const std::uint64_t h = Mix(index);
  const Person& first = kFirstNames[h % kFirstNames.size()];
  const Person& last = kLastNames[(h >> 8) % kLastNames.size()];
  const std::string_view domain = kDomains[(h >> 16) % kDomains.size()];

  out += "{\"projectId\":";
  AppendJsonString(project_id_, out);
  out += ",\"processId\":";
  AppendJsonString(process_id_, out);
  out.push_back(',');

  if (groups_ > 0) {
    AppendField("groupId", GroupId(index % groups_), out);
  } else if ((h >> 24) % 10 < 3) {
    std::string group = "campaign-";
    AppendUint((h >> 28) % 12, group);
    AppendField("groupId", group, out);
  }

  switch ((h >> 32) % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4: {
      std::string name(first.display);
      name.push_back(' ');
      name += last.display;
      AppendField("name", name, out);
      break;
    }
    case 9:
      AppendField("firstName", first.display, out);
      break;
    default:
      AppendField("firstName", first.display, out);
      AppendField("lastName", last.display, out);
      break;
  }

  AppendField("phone", Phone(index).as_sent, out);

  // Unique: the trailing digit run of the local part is the index itself (names have no
  // digits), whatever the style.
  std::string email;
  switch ((h >> 36) % 4) {
    case 0:
      email.append(first.ascii).append(".").append(last.ascii);
      break;
    case 1:
      email.append(first.ascii);
      break;
    case 2:  // upper-case initials: stored lower-cased
      email.push_back(static_cast<char>(first.ascii[0] - 'a' + 'A'));
      email.append(first.ascii.substr(1)).append(".");
      email.push_back(static_cast<char>(last.ascii[0] - 'a' + 'A'));
      email.append(last.ascii.substr(1)).append(".");
      break;
    default:
      email.append(last.ascii).append("_").append(first.ascii);
      break;
  }
  AppendUint(index, email);
  email.push_back('@');
  email += domain;
  AppendField("email", email, out);

  std::string reference;
  switch ((h >> 40) % 3) {
    case 0:
      reference = "crm-";
      AppendUint(index, reference);
      break;
    case 1: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "SF-%010llu", static_cast<unsigned long long>(index));
      reference = buf;
      break;
    }
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "hs_%llx", static_cast<unsigned long long>(index));
      reference = buf;
      break;
    }
  }
  AppendField("referenceId", reference, out);

  out += "\"metadata\":{\"source\":";
  AppendJsonString(kSources[(h >> 44) % kSources.size()], out);
  out += ",\"product\":";
  AppendJsonString(kProducts[(h >> 48) % kProducts.size()], out);
  out += ",\"score\":";
  AppendUint((h >> 52) % 101, out);
  out += ",\"optIn\":";
  out += ((h >> 59) & 1) != 0 ? "true" : "false";
  switch ((h >> 60) % 4) {
    case 0:
      out += ",\"utm\":{\"source\":";
      AppendJsonString(kSources[(h >> 20) % kSources.size()], out);
      out += ",\"medium\":";
      AppendJsonString(kMediums[(h >> 22) % kMediums.size()], out);
      out += ",\"campaign\":\"q3-2026\"}";
      break;
    case 1:
      out += ",\"tags\":[\"inbound\",";
      AppendJsonString(kProducts[(h >> 22) % kProducts.size()], out);
      out += "]";
      break;
    case 2:
      out += ",\"notes\":";
      AppendJsonString(kNotes[(h >> 22) % kNotes.size()], out);
      break;
    default:
      break;
  }
  out += "}}";
}

std::string LeadGenerator::BulkBody(std::uint64_t batch, std::size_t leads_per_request) const {
  std::string body;
  body.reserve(leads_per_request * 440 + 32);
  body += "{\"leads\":[";
  const std::uint64_t first = batch * leads_per_request;
  for (std::size_t i = 0; i < leads_per_request; ++i) {
    if (i > 0) body.push_back(',');
    AppendLead(first + i, body);
  }
  body += "],\"init\":true}";
  return body;
}

std::vector<std::string> LeadGenerator::VerifyPhones(const core::PhoneNumbers& phones,
                                                     std::uint64_t count,
                                                     std::uint64_t span) const {
  std::vector<std::string> failures;
  auto check = [&](std::uint64_t index) {
    const GeneratedPhone phone = Phone(index);
    const core::PhoneCheck result = phones.Check(phone.as_sent, "US");
    if (result.status != core::PhoneCheck::Status::kValid || result.e164 != phone.e164) {
      std::string message = "lead " + std::to_string(index) + " (" + phone.region + "): '" +
                            phone.as_sent + "' expected " + phone.e164 + ", got ";
      message += result.status == core::PhoneCheck::Status::kValid ? result.e164
                 : result.status == core::PhoneCheck::Status::kRepeatingDigits
                     ? std::string("repeating digits")
                     : std::string("invalid");
      failures.push_back(std::move(message));
    }
  };
  // Every prefix and leading digit of every plan, at both ends of its range, in every style.
  for (const PhonePlan& plan : Plans()) {
    for (std::string_view prefix : plan.prefixes) {
      for (int first = plan.first_min; first <= 9; ++first) {
        for (char fill : {'0', '5', '9'}) {
          std::string nsn(prefix);
          nsn.push_back(static_cast<char>('0' + first));
          nsn.append(static_cast<std::size_t>(plan.digits - 1), fill);
          nsn.back() = '1';  // never a repeating pattern
          for (std::string_view style : plan.styles) {
            const std::string sent = ApplyStyle(style, nsn);
            const std::string e164 = "+" + std::string(plan.country_code) + nsn;
            const core::PhoneCheck result = phones.Check(sent, "US");
            if (result.status != core::PhoneCheck::Status::kValid || result.e164 != e164) {
              failures.push_back(std::string(plan.region) + " range check: '" + sent +
                                 "' expected " + e164 + ", got " +
                                 (result.e164.empty() ? "invalid" : result.e164));
            }
          }
        }
      }
    }
  }
  for (std::uint64_t i = 0; i < 200; ++i) check(i);
  if (count > 0 && span > 0) {
    const std::uint64_t step = span / count > 0 ? span / count : 1;
    // An odd offset so the samples visit every slot of the 20-lead cycle.
    for (std::uint64_t i = 0, index = 7; i < count && index < span; ++i, index += step + 1) {
      check(index);
    }
  }
  return failures;
}

}  // namespace leadgate::bench
