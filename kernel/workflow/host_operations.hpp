// The business operations plugins call by name through the host API (cxloop_host_api::call).
// Each is a thin adapter from a JSON request to a workflow service, so plugins obey the same
// rules as the REST API. docs/host-operations.md lists every operation with its request and
// response shape.
#pragma once

namespace cxloop::workflow {

class OperationTable;
struct DomainServices;

void register_host_operations(OperationTable& table, DomainServices& services);

}  // namespace cxloop::workflow
