#pragma once
// Python's string formatting: "%s" % args and "{}".format(args), for the
// conversions templates use (%s %r %d %i %f %%, {} {0} {name}).
#include <string>

#include "chat/value.h"

namespace anvil::chat {

std::string percent_format(const std::string& format, const Value& args);
std::string brace_format(const std::string& format, const CallArgs& args);

}  // namespace anvil::chat
