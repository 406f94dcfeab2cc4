#include "healgrid/io/run_partial.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <random>
#include <vector>

#include "healgrid/io/atomic_file.hpp"
#include "healgrid/io/output_schema.hpp"

namespace healgrid::io {
namespace {

std::string g_tag;

// "<digits>.<8 hex digits>": the shape of new_run_tag().
bool looks_like_tag(const std::string& s) {
  const auto dot = s.find('.');
  if (dot == std::string::npos || dot == 0 || s.size() != dot + 9) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (i < dot ? !std::isdigit(c) : i > dot && !std::isxdigit(c)) return false;
  }
  return true;
}

// OpenMPI's shared-file-pointer files of an MPI-IO file (`<file>.data.<n>`,
// `<file>.metadata.<n>`: ompio's sharedfp component), which a killed run leaves beside its
// temporary output.
bool is_mpi_io_sidecar(const std::string& s) {
  for (const std::string kind : {".data.", ".metadata."}) {
    if (s.size() <= kind.size() || s.compare(0, kind.size(), kind) != 0) continue;
    bool digits = true;
    for (std::size_t i = kind.size(); i < s.size(); ++i)
      digits = digits && std::isdigit(static_cast<unsigned char>(s[i]));
    if (digits) return true;
  }
  return false;
}

}  // namespace

std::string new_run_tag() {
  char tag[48];
  std::snprintf(tag, sizeof tag, "%ld.%08x", static_cast<long>(::getpid()),
                static_cast<unsigned>(std::random_device{}()));
  return tag;
}

void set_run_tag(const std::string& tag) { g_tag = tag; }

std::string run_partial_path(const std::string& output) {
  return output + schema::kPartialSuffix + (g_tag.empty() ? "" : "." + g_tag);
}

namespace {

// Whether the file is what a killed run's temporary output holds: empty, the HDF5 signature
// first, or only zero bytes, at most kOutputProbeBytes of them (the output directory's probe,
// killed before it was removed). A user's notes under such a name are not removed.
bool killed_runs_output(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  std::vector<unsigned char> head(kOutputProbeBytes + 1);
  const std::size_t n = std::fread(head.data(), 1, head.size(), f);
  std::fclose(f);
  static const unsigned char kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  if (n >= 8 && std::equal(head.begin(), head.begin() + 8, kSignature)) return true;
  return n <= kOutputProbeBytes &&
         std::all_of(head.begin(), head.begin() + n, [](unsigned char c) { return c == 0; });
}

// Removes the regular files `<path><rest>` for which `stale(rest, file)` holds; returns their
// names.
template <typename Stale>
std::vector<std::string> remove_beside(const std::string& path, Stale stale) {
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const std::string prefix = slash == std::string::npos ? path : path.substr(slash + 1);
  std::vector<std::string> removed;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return removed;
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
  ::closedir(d);
  for (const auto& name : names) {
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string found = slash == std::string::npos ? name : dir + name;
    struct stat st {};
    if (::lstat(found.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (stale(name.substr(prefix.size()), found) && ::unlink(found.c_str()) == 0)
      removed.push_back(found);
  }
  return removed;
}

}  // namespace

std::vector<std::string> remove_stale_partials(const std::string& output) {
  const std::string dot = std::string(schema::kPartialSuffix) + ".";
  return remove_beside(output, [&](const std::string& rest, const std::string& file) {
    if (rest.compare(0, dot.size(), dot) != 0) return false;
    // "<pid>.<8 hex digits>", then nothing or an MPI-IO sidecar's suffix.
    const auto tagged = rest.substr(dot.size());
    const auto pid_end = tagged.find('.');
    if (pid_end == std::string::npos) return false;
    const auto tag = tagged.substr(0, pid_end + 9);
    const auto after = tagged.substr(std::min(tagged.size(), pid_end + 9));
    if (tag == g_tag || !looks_like_tag(tag)) return false;
    // The temporary output itself is an HDF5 file (or empty, killed at its creation).
    return after.empty() ? killed_runs_output(file) : is_mpi_io_sidecar(after);
  });
}

std::vector<std::string> remove_stale_temporaries(const std::string& path) {
  return remove_beside(
      path, [](const std::string& rest, const std::string&) { return is_temporary_suffix(rest); });
}

}  // namespace healgrid::io
