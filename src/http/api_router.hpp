// File: api_router.hpp
//
// The application's http::Handler: routes a request, answers 404 / 405 / 401 / 403 / 415 itself,
// and runs everything that touches the store on the worker pool, never on an io thread.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include "auth/authenticator.hpp"
#include "core/lead_store.hpp"
#include "http/handler.hpp"
#include "http/initiate_handler.hpp"

namespace leadgate::http {

class ApiRouter final : public Handler {
 public:
  // All references must outlive the router; `workers` runs the endpoint work.
  ApiRouter(const auth::Authenticator& authenticator, const InitiateHandler& initiate,
            core::LeadStore& store, boost::asio::thread_pool& workers)
      : authenticator_(authenticator), initiate_(initiate), store_(store), workers_(workers) {}

  void Handle(Request&& req, std::function<void(Response&&)> done) override;

  // The synchronous part, run on a worker thread. Public for tests.
  Response Dispatch(const Request& req) const;

 private:
  const auth::Authenticator& authenticator_;
  const InitiateHandler& initiate_;
  core::LeadStore& store_;
  boost::asio::thread_pool& workers_;
};

}  // namespace leadgate::http
