#include "healgrid/catalog/granule_list.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>

#include "healgrid/util/file_sample.hpp"
#include "healgrid/util/safe_path.hpp"
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

// A path as it may be printed: a URL-like input keeps no credentials in messages.
std::string shown(const std::string& path) { return redact_credentials(path); }

void warn(const std::string& message) {
  std::fprintf(stderr, "healgrid: warning: %s\n", message.c_str());
}

void add_file(const std::string& path, std::vector<Granule>& out) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    throw InputError(shown(path) + ": cannot access input: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw InputError(shown(path) + ": input is not a regular file");
  out.push_back({path, base_name(path), static_cast<std::int64_t>(st.st_size)});
}

void add_directory(const std::string& dir, const std::vector<std::string>& suffixes,
                   std::vector<Granule>& out) {
  DIR* d = opendir(dir.c_str());
  if (!d) throw InputError(shown(dir) + ": cannot read input directory: " + std::strerror(errno));
  std::vector<std::string> names;
  while (const dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != ".." && has_granule_extension(name, suffixes)) names.push_back(name);
  }
  closedir(d);
  if (names.empty()) {
    std::string list;
    for (const auto& ext : suffixes) list += " " + ext;
    warn(shown(dir) + ": no file ending in" + list + " (the config's input_suffixes)");
  }
  const std::string prefix = dir.back() == '/' ? dir : dir + "/";
  for (const auto& name : names) add_file(prefix + name, out);
}

// The file behind a path, whatever way it is spelt (d/G.h5, d/./G.h5, a symlink, a hard link).
struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  bool operator<(const FileIdentity& o) const {
    return device != o.device ? device < o.device : inode < o.inode;
  }
};

FileIdentity identity_of(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    throw InputError(shown(path) + ": cannot access input: " + std::strerror(errno));
  return {st.st_dev, st.st_ino};
}

// True when both files hold the same bytes (compared only for two granules of one name).
bool same_content(const std::string& a, const std::string& b) {
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  if (!fa || !fb) return false;
  std::vector<char> ba(1 << 20), bb(1 << 20);
  while (fa && fb) {
    fa.read(ba.data(), static_cast<std::streamsize>(ba.size()));
    fb.read(bb.data(), static_cast<std::streamsize>(bb.size()));
    if (fa.gcount() != fb.gcount() ||
        std::memcmp(ba.data(), bb.data(), static_cast<std::size_t>(fa.gcount())) != 0)
      return false;
  }
  return fa.eof() && fb.eof();
}

// True when the path's file name is the file's own (not the name of a symlink to it).
bool has_own_name(const Granule& g) {
  char* real = realpath(g.path.c_str(), nullptr);
  if (!real) return false;
  const bool own = base_name(real) == g.name;
  std::free(real);
  return own;
}

bool by_name_then_path(const Granule& a, const Granule& b) {
  return a.name != b.name ? a.name < b.name : a.path < b.path;
}

// One entry per file, however it was reached (d/G.h5, d/./G.h5, a symlink, a hard link): the
// first in (name, path) order, except that a spelling with the file's own name wins over a
// symlink's name (the name is the granule's identity in the output and the inputs hash).
std::vector<Granule> one_per_file(std::vector<Granule> all) {
  std::sort(all.begin(), all.end(), by_name_then_path);
  // One path given twice (`d` and `d/`, overlapping globs) is simply used once, without a word.
  all.erase(std::unique(all.begin(), all.end(),
                        [](const Granule& a, const Granule& b) { return a.path == b.path; }),
            all.end());
  std::map<FileIdentity, std::size_t> index_of;
  std::vector<Granule> files;
  for (auto& g : all) {
    const auto [it, fresh] = index_of.emplace(identity_of(g.path), files.size());
    if (fresh) {
      files.push_back(std::move(g));
      continue;
    }
    Granule& kept = files[it->second];
    if (kept.path != g.path)
      warn(shown(g.path) + " is the same file as " + shown(kept.path) + ": used once");
    if (!has_own_name(kept) && has_own_name(g)) kept = std::move(g);
  }
  std::sort(files.begin(), files.end(), by_name_then_path);
  return files;
}

// Each granule once: one entry per file, then one per granule name: the same name with the
// same bytes in two places is kept once with a warning; with different bytes it is an error
// naming both, since the output's provenance and the inputs hash know granules by name.
std::vector<Granule> without_duplicates(std::vector<Granule> all) {
  std::vector<Granule> unique;
  for (auto& g : one_per_file(std::move(all))) {
    if (!unique.empty() && unique.back().name == g.name) {
      const auto& kept = unique.back();
      if (kept.bytes != g.bytes || !same_content(kept.path, g.path))
        throw InputError("granule " + g.name +
                         " is given twice with different content: " + shown(kept.path) + " and " +
                         shown(g.path) + "; keep one of them in the inputs");
      warn(shown(g.path) + " holds the same bytes as " + shown(kept.path) + ": used once");
      continue;
    }
    unique.push_back(std::move(g));
  }
  return unique;
}

// A sample of the file's bytes (util/file_sample.hpp): files of one size whose samples differ
// differ. "" when it cannot be read (the index pass reports such a granule).
std::string sample_of(const std::string& path, std::int64_t size) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string sample;
  try {
    sample = read_sample(fd, path, static_cast<std::uint64_t>(size));
  } catch (const std::runtime_error&) {
    sample.clear();
  }
  close(fd);
  return sample;
}

// Different names, the same bytes (a copy renamed, a download kept under two names): its points
// would count twice. Files of one size (rare among granules, common among fixed-size files)
// are grouped by a sample of their bytes, and only files of one sample compared whole: reading
// costs the 640 KiB sample per file of a shared size, plus one whole read per likely copy. The
// first by name is kept, with a warning. Empty files hold no content to be a copy of: each is
// kept, so each bad one is named (and recorded when skipped).
std::vector<Granule> one_per_content(std::vector<Granule> unique) {
  std::map<std::int64_t, std::vector<std::size_t>> by_size;
  for (std::size_t i = 0; i < unique.size(); ++i) by_size[unique[i].bytes].push_back(i);
  std::vector<bool> drop(unique.size(), false);
  for (const auto& [bytes, same_size] : by_size) {
    if (same_size.size() < 2 || bytes == 0) continue;
    std::map<std::string, std::vector<std::size_t>> by_sample;  // in name order within each
    for (const auto i : same_size) by_sample[sample_of(unique[i].path, bytes)].push_back(i);
    for (const auto& [sample, alike] : by_sample) {
      for (std::size_t a = 0; a < alike.size(); ++a) {
        if (drop[alike[a]]) continue;
        const auto& kept = unique[alike[a]];
        for (std::size_t b = a + 1; b < alike.size(); ++b) {
          if (drop[alike[b]] || !same_content(kept.path, unique[alike[b]].path)) continue;
          warn(shown(unique[alike[b]].path) + " holds the same bytes as " + shown(kept.path) +
               " (another name): used once");
          drop[alike[b]] = true;
        }
      }
    }
  }
  std::vector<Granule> out;
  for (std::size_t i = 0; i < unique.size(); ++i)
    if (!drop[i]) out.push_back(std::move(unique[i]));
  return out;
}

// ICESat-2 (ATLxx_YYYYMMDDhhmmss_ttttccrr_vvv_ee) and GEDI (GEDIxx_y_YYYYDDDhhmmss_Oooooo_...)
// names identify a granule by product, start time and track/orbit; two files with one identity
// (two versions, a subset and its full granule) hold the same observations. A warning: the
// files differ, and only the user knows whether both are meant.
void warn_of_same_granule(const std::vector<Granule>& granules) {
  static const std::regex kIdentity(
      R"((ATL\d\d)[A-Za-z0-9-]*_(\d{14})_(\d{8})_|(GEDI\d\d_[A-Z])_(\d{13})_(O\d+)_)",
      std::regex::icase);  // a renamed atl06_... file is the same granule
  std::map<std::string, const Granule*> seen;
  for (const auto& g : granules) {
    std::smatch m;
    if (!std::regex_search(g.name, m, kIdentity)) continue;
    std::string id = m[1].matched ? m[1].str() + " " + m[2].str() + " " + m[3].str()
                                  : m[4].str() + " " + m[5].str() + " " + m[6].str();
    std::transform(id.begin(), id.end(), id.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    const auto [it, fresh] = seen.emplace(id, &g);
    if (!fresh)
      warn(shown(g.path) + " and " + shown(it->second->path) + " name the same granule (" + id +
           ") with different content: if they are two versions or copies of it, its points "
           "count twice; keep one of them in the inputs");
  }
}

}  // namespace

std::vector<std::string> default_granule_suffixes() {
  return {".h5", ".hdf5", ".he5", ".nc", ".nc4"};
}

std::vector<Granule> each_granule_once(std::vector<Granule> granules) {
  auto unique = one_per_content(without_duplicates(std::move(granules)));
  warn_of_same_granule(unique);
  return unique;
}

std::vector<Granule> resolve_inputs(const std::vector<std::string>& inputs,
                                    const std::vector<std::string>& suffixes,
                                    std::vector<Granule>* found,
                                    const std::vector<std::string>& own_directories) {
  if (inputs.empty()) throw InputError("no input given (use --input FILE|DIR|PATTERN)");
  std::vector<Granule> all;
  const auto add_directory_unless_own = [&](const std::string& dir, const struct stat& st) {
    for (const auto& own : own_directories) {
      struct stat o {};
      if (stat(own.c_str(), &o) == 0 && o.st_dev == st.st_dev && o.st_ino == st.st_ino) {
        std::fprintf(stderr,
                     "healgrid run: note: %s is this run's restart journal, not an input "
                     "directory: left out\n",
                     shown(dir).c_str());
        return;
      }
    }
    add_directory(dir, suffixes, all);
  };
  for (const auto& input : inputs) {
    struct stat st {};
    // A path that exists is itself, even with * ? [ in its name (gran[1].h5).
    const bool exists = stat(input.c_str(), &st) == 0;
    if (!exists && input.find_first_of("*?[") != std::string::npos) {
      glob_t g{};
      const int rc = glob(input.c_str(), 0, nullptr, &g);
      if (rc == GLOB_NOMATCH) {
        globfree(&g);
        throw InputError(shown(input) + ": pattern matches no file (* ? [ make a pattern; " +
                         "write \\* \\? \\[ for those characters in a name)");
      }
      if (rc != 0) {
        globfree(&g);
        throw InputError(shown(input) + ": cannot expand pattern");
      }
      for (std::size_t i = 0; i < g.gl_pathc; ++i) {
        struct stat match {};  // a matched directory is read as a directory (date folders)
        if (stat(g.gl_pathv[i], &match) == 0 && S_ISDIR(match.st_mode))
          add_directory_unless_own(g.gl_pathv[i], match);
        else
          add_file(g.gl_pathv[i], all);
      }
      globfree(&g);
      continue;
    }
    if (!exists) throw InputError(shown(input) + ": cannot access input: " + std::strerror(errno));
    if (S_ISDIR(st.st_mode))
      add_directory_unless_own(input, st);
    else
      add_file(input, all);
  }
  if (found) *found = all;
  return each_granule_once(std::move(all));
}

}  // namespace healgrid
