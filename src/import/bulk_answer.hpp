// File: bulk_answer.hpp
//
// Turns a 200 answer of POST /leads/bulk/initiate into one RowResult per sent lead. Both
// formats of docs/api.md are read: the default one (success items are lead objects, error items
// carry `data`, `error`, `code`, `index` and, for duplicates, `existingLeadId`) and `?v=1.2`
// (success `{_id, referenceId, currentState}`, errors `{referenceId, error, code, index}`).
// Success items carry no index: they follow request order, so they fill, in order, the
// positions no error item names.
//
// Status: `duplicate` for the codes duplicate_phone, duplicate_reference, duplicate_email and
// phone_already_attempted (leadId = existingLeadId when given); `invalid` for every other
// per-lead error; `created` (`valid` for a dry run) for a success (leadId = _id). A server that
// sends no `code` (an older upstream) is read by message: "... already exists ..." and "A call
// attempt has already been made ..." are duplicates.
#pragma once

#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "import/chunker.hpp"
#include "import/record.hpp"

namespace leadgate::import {

// kInvalidArgument when the body is not such an answer or does not account for every sent lead
// exactly once (then the chunk's rows are `failed`: retrying cannot make sense of it).
core::Result<std::vector<RowResult>> InterpretBulkAnswer(std::string_view body,
                                                         const std::vector<SentRow>& sent,
                                                         bool dry_run);

// True for the per-lead codes that mean "duplicate".
bool IsDuplicateCode(std::string_view code);

}  // namespace leadgate::import
