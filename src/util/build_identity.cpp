#include "healgrid/util/build_identity.hpp"

#include <elf.h>
#include <link.h>

#include <cstdio>
#include <cstring>

#include "healgrid/git_commit.hpp"

namespace healgrid {
namespace {

// The NT_GNU_BUILD_ID note of the first object dl_iterate_phdr reports: the executable.
int find_build_id(dl_phdr_info* info, std::size_t, void* out) {
  auto& hex = *static_cast<std::string*>(out);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const auto* p = reinterpret_cast<const unsigned char*>(info->dlpi_addr + ph.p_vaddr);
    const auto* end = p + ph.p_memsz;
    const std::size_t pad = ph.p_align == 8 ? 7 : 3;  // notes are padded to their segment's
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      ElfW(Nhdr) note;
      std::memcpy(&note, p, sizeof note);
      const auto* name = p + sizeof note;
      const auto* desc = name + ((note.n_namesz + pad) & ~pad);
      const auto* next = desc + ((note.n_descsz + pad) & ~pad);
      if (next > end) break;
      if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
          std::memcmp(name, "GNU", 4) == 0 && note.n_descsz > 0) {
        for (std::size_t k = 0; k < note.n_descsz; ++k) {
          char two[3];
          std::snprintf(two, sizeof two, "%02x", desc[k]);
          hex += two;
        }
        return 1;
      }
      p = next;
    }
  }
  return 1;  // only the executable
}

}  // namespace

std::string build_identity() {
  static const std::string identity = [] {
    std::string hex;
    dl_iterate_phdr(find_build_id, &hex);
    if (!hex.empty()) return "build-id " + hex;
    return std::string("commit ") + HEALGRID_GIT_COMMIT + " version " + HEALGRID_VERSION;
  }();
  return identity;
}

}  // namespace healgrid
