#include "chat/formatting.h"

#include <cctype>
#include <cstdio>

namespace anvil::chat {
namespace {

std::string format_number(char conversion, const std::string& precision, const Value& value) {
  if (!value.is_number()) throw EvalError(std::string("%") + conversion + " format: a real number is required, not " +
                                          value.type_name());
  char buffer[64];
  if (conversion == 'd' || conversion == 'i') {
    std::snprintf(buffer, sizeof buffer, "%lld", static_cast<long long>(value.as_int()));
  } else {
    const std::string spec = "%" + (precision.empty() ? std::string(".6") : precision) + "f";
    std::snprintf(buffer, sizeof buffer, spec.c_str(), value.as_float());
  }
  return buffer;
}

}  // namespace

std::string percent_format(const std::string& format, const Value& args) {
  const List values = args.is_tuple() ? args.items() : List{args};
  size_t next = 0;
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out.push_back(format[i]);
      continue;
    }
    std::string precision;
    while (i + 1 < format.size() && (format[i + 1] == '.' || std::isdigit(static_cast<unsigned char>(format[i + 1]))))
      precision.push_back(format[++i]);
    if (i + 1 >= format.size()) throw EvalError("incomplete format");
    const char conversion = format[++i];
    if (conversion == '%') {
      out.push_back('%');
      continue;
    }
    if (next >= values.size()) throw EvalError("not enough arguments for format string");
    const Value& value = values[next++];
    if (conversion == 's') out += to_str(value);
    else if (conversion == 'r') out += to_repr(value);
    else if (conversion == 'd' || conversion == 'i' || conversion == 'f') out += format_number(conversion, precision, value);
    else throw EvalError(std::string("unsupported format character '") + conversion + "'");
  }
  if (next < values.size()) throw EvalError("not all arguments converted during string formatting");
  return out;
}

std::string brace_format(const std::string& format, const CallArgs& args) {
  std::string out;
  size_t automatic = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if ((c == '{' || c == '}') && i + 1 < format.size() && format[i + 1] == c) {
      out.push_back(c);
      ++i;
      continue;
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    const size_t close = format.find('}', i);
    if (close == std::string::npos) throw EvalError("Single '{' encountered in format string");
    const std::string field = format.substr(i + 1, close - i - 1);
    if (field.find_first_of(":!") != std::string::npos) throw EvalError("format specs are not supported: {" + field + "}");
    const Value* value = nullptr;
    if (field.empty()) value = automatic < args.positional.size() ? &args.positional[automatic++] : nullptr;
    else if (std::isdigit(static_cast<unsigned char>(field[0]))) value = args.find(std::stoul(field), "");
    else value = args.find(args.positional.size(), field);
    if (!value) throw EvalError("no argument for {" + field + "} in format string");
    out += to_str(*value);
    i = close;
  }
  return out;
}

}  // namespace anvil::chat
