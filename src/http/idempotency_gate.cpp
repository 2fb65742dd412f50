#include "http/idempotency_gate.hpp"

#include "api/response_json.hpp"
#include "auth/api_key.hpp"
#include "http/json_error.hpp"
#include "http/log.hpp"
#include "http/stored_body.hpp"

namespace leadgate::http {
namespace {

namespace bh = boost::beast::http;

// Visible ASCII only: the key is an opaque client token that ends up in logs and a database.
bool IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxIdempotencyKeyLength) return false;
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

IdempotencyGate::Claim IdempotencyGate::Begin(const Request& req,
                                              const std::string& project_id) const {
  Claim claim;
  const auto header = req.find("Idempotency-Key");
  if (header == req.end()) return claim;
  const std::string_view key = header->value();
  if (!IsValidKey(key)) {
    claim.early = ErrorReply(req, bh::status::bad_request,
                             "Idempotency-Key must be 1 to 255 visible ASCII characters");
    return claim;
  }
  claim.scope = project_id;
  claim.key = std::string(key);
  // The request is the route (with its query: ?dryRun and ?v change the answer) and the body.
  std::string canonical(req.target());
  canonical += '\n';
  canonical += req.body();
  const std::string hash = auth::Sha256Hex(canonical);

  auto begin = store_.BeginIdempotent(claim.scope, claim.key, hash, clock_.Now(), options_.ttl,
                                      options_.stale_after);
  if (!begin) {
    claim.early = StoreFailure(req, begin.error());
    return claim;
  }
  switch (begin->status) {
    case core::IdempotencyStatus::kStarted:
      claim.held = true;
      break;
    case core::IdempotencyStatus::kReplay: {
      auto body = UnpackBody(begin->response.body);
      if (!body) {
        claim.early = StoreFailure(req, body.error());
        break;
      }
      Response res =
          JsonReply(req, static_cast<bh::status>(begin->response.status), std::move(*body));
      res.set("Idempotent-Replayed", "true");
      claim.early = std::move(res);
      claim.replayed = true;
      break;
    }
    case core::IdempotencyStatus::kInProgress:
      claim.early = ErrorReply(req, bh::status::conflict,
                               "A request with this Idempotency-Key is in progress");
      break;
    case core::IdempotencyStatus::kMismatch:
      claim.early = ErrorReply(req, bh::status::unprocessable_entity,
                               "Idempotency-Key reused with a different request body");
      break;
  }
  return claim;
}

void IdempotencyGate::Finish(const Claim& claim, const Response& res) const {
  if (!claim.held) return;
  const int status = static_cast<int>(res.result_int());
  if (status >= 500) {
    if (auto s = store_.AbandonIdempotent(claim.scope, claim.key); !s) {
      LogError("idempotency", s.error().ToString());
    }
    return;
  }
  // If this fails the key stays "in progress" until stale_after, and a retry then runs the
  // request again (its leads come back as duplicates): the response itself is still correct.
  if (auto s = store_.CompleteIdempotent(claim.scope, claim.key, {status, PackBody(res.body())});
      !s) {
    LogError("idempotency", s.error().ToString());
  }
}

}  // namespace leadgate::http
