#include "healgrid/catalog/granule_list.hpp"

#include <dirent.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "healgrid/util/text.hpp"

namespace healgrid {
namespace {

bool has_granule_extension(const std::string& name, const std::vector<std::string>& suffixes) {
  for (const auto& ext : suffixes) {
    const std::size_t n = ext.size();
    if (name.size() > n && name.compare(name.size() - n, n, ext) == 0) return true;
  }
  return false;
}

void add_file(const std::string& path, std::vector<Granule>& out) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    throw InputError(path + ": cannot access input: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw InputError(path + ": input is not a regular file");
  out.push_back({path, base_name(path), static_cast<std::int64_t>(st.st_size)});
}

void add_directory(const std::string& dir, const std::vector<std::string>& suffixes,
                   std::vector<Granule>& out) {
  DIR* d = opendir(dir.c_str());
  if (!d) throw InputError(dir + ": cannot read input directory: " + std::strerror(errno));
  std::vector<std::string> names;
  while (const dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != ".." && has_granule_extension(name, suffixes)) names.push_back(name);
  }
  closedir(d);
  const std::string prefix = dir.back() == '/' ? dir : dir + "/";
  for (const auto& name : names) add_file(prefix + name, out);
}

}  // namespace

std::vector<std::string> default_granule_suffixes() {
  return {".h5", ".hdf5", ".he5", ".nc", ".nc4"};
}

std::vector<Granule> resolve_inputs(const std::vector<std::string>& inputs,
                                    const std::vector<std::string>& suffixes) {
  if (inputs.empty()) throw InputError("no input given (use --input FILE|DIR|PATTERN)");
  std::vector<Granule> all;
  for (const auto& input : inputs) {
    if (input.find_first_of("*?[") != std::string::npos) {
      glob_t g{};
      const int rc = glob(input.c_str(), 0, nullptr, &g);
      if (rc == GLOB_NOMATCH) {
        globfree(&g);
        throw InputError(input + ": pattern matches no file");
      }
      if (rc != 0) {
        globfree(&g);
        throw InputError(input + ": cannot expand pattern");
      }
      for (std::size_t i = 0; i < g.gl_pathc; ++i) add_file(g.gl_pathv[i], all);
      globfree(&g);
      continue;
    }
    struct stat st {};
    if (stat(input.c_str(), &st) != 0)
      throw InputError(input + ": cannot access input: " + std::strerror(errno));
    if (S_ISDIR(st.st_mode))
      add_directory(input, suffixes, all);
    else
      add_file(input, all);
  }
  std::sort(all.begin(), all.end(), [](const Granule& a, const Granule& b) {
    return a.name != b.name ? a.name < b.name : a.path < b.path;
  });
  std::set<std::string> seen;
  std::vector<Granule> unique;
  for (auto& g : all)
    if (seen.insert(g.path).second) unique.push_back(std::move(g));
  return unique;
}

}  // namespace healgrid
