#include "healgrid/app/command_help.hpp"

#include <algorithm>
#include <sstream>

namespace healgrid {

boost::program_options::options_description options_list(const std::string& caption) {
  // Descriptions start at most halfway: long option names do not squeeze them below that.
  return boost::program_options::options_description(caption, kHelpColumns, kHelpColumns / 2);
}

std::string wrap_text(const std::string& text, std::size_t width, const std::string& indent) {
  std::istringstream words(text);
  std::string word, line, out;
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? indent : " ") + word;
  }
  if (!line.empty()) out += line + "\n";
  return out;
}

namespace {

// Lines of `text` wrapped to fit after `first` (the first line) or `rest` (the others), and
// `suffix` appended to every line but the last.
std::string hanging(const std::string& text, const std::string& first, const std::string& rest,
                    const std::string& suffix) {
  const std::size_t room = kHelpColumns - std::max(first.size(), rest.size()) - suffix.size();
  std::istringstream lines(wrap_text(text, room, ""));
  std::string line, out;
  for (bool start = true; std::getline(lines, line); start = false)
    out += (start ? "" : suffix + "\n") + (start ? first : rest) + line;
  return out + "\n";
}

}  // namespace

std::string format_help(const CommandHelp& help) {
  std::ostringstream s;
  for (std::size_t i = 0; i < help.usage.size(); ++i)
    s << hanging(help.usage[i], i == 0 ? "Usage: " : "       ", "           ", "");
  s << "\n" << wrap_text(help.description, kHelpColumns, "");
  for (const auto* options : help.options) s << "\n" << *options;
  if (!help.notes.empty()) s << "\n" << help.notes << (help.notes.back() == '\n' ? "" : "\n");
  s << "\nExamples:\n";
  // A long command goes on over lines ending in a backslash, as a shell reads them.
  for (const auto& example : help.examples) s << hanging(example, "  ", "      ", " \\");
  // Boost ends some wrapped description lines with a space.
  std::istringstream lines(s.str());
  std::string line, out;
  while (std::getline(lines, line)) out += line.erase(line.find_last_not_of(' ') + 1) + "\n";
  return out;
}

}  // namespace healgrid
