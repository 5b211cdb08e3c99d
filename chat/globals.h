#pragma once
// The names every chat template sees: jinja2's range, namespace and dict, and
// transformers' raise_exception and strftime_now.
#include "chat/value.h"

namespace anvil::chat {

Dict template_globals();

}  // namespace anvil::chat
