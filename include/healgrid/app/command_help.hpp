// One help layout for every command and subcommand (`healgrid CMD --help`, `healgrid help
// CMD`): a usage line, one paragraph of description, the options (Boost.Program_options, each
// value with a named placeholder such as FILE, N or WxH, never "arg"), optional notes, and an
// Examples section; no line wider than 80 columns.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace healgrid {

constexpr unsigned kHelpColumns = 80;

// An options list whose descriptions Boost wraps within kHelpColumns.
boost::program_options::options_description options_list(const std::string& caption);

// A typed option value shown as `placeholder` in the help ("--port N"), stored in *target.
template <typename T>
boost::program_options::typed_value<T>* value(T* target, const char* placeholder) {
  auto* v = boost::program_options::value<T>(target);
  v->value_name(placeholder);
  return v;
}

struct CommandHelp {
  std::vector<std::string> usage;  // one line each, without the "Usage: " prefix
  std::string description;         // one paragraph, wrapped to kHelpColumns here
  std::vector<const boost::program_options::options_description*> options;
  std::string notes;                  // more paragraphs, already within kHelpColumns ("" none)
  std::vector<std::string> examples;  // command lines, wrapped here if too long
};

std::string format_help(const CommandHelp& help);

// `text` wrapped at spaces to lines of at most `width` columns, each starting with `indent`.
std::string wrap_text(const std::string& text, std::size_t width, const std::string& indent);

}  // namespace healgrid
