#include "api/routes.hpp"

namespace cxloop::api {

void register_routes(ApiContext& context) {
  register_ops_routes(context);
}

}  // namespace cxloop::api
