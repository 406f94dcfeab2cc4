#include "healgrid/pipeline/input_fingerprint.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "healgrid/catalog/checksum.hpp"
#include "healgrid/util/file_identity.hpp"
#include "healgrid/util/file_sample.hpp"

namespace healgrid {

std::string granule_fingerprint(const std::string& path, InputVerification mode) {
  // A granule that cannot be read still gets a fingerprint (of what stat says, and why it
  // cannot be read): the index pass reports it by --on-bad-granule, as for any bad granule.
  struct stat st {};
  std::string digest;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    digest = std::string("unreadable=") + std::strerror(errno);
    if (fd < 0) ::stat(path.c_str(), &st);
  } else {
    try {
      digest = mode == InputVerification::full
                   ? "full_sha256=" + file_digest_hex(path, "SHA-256")
                   : "sample_sha256=" +
                         digest_hex(read_sample(fd, path, static_cast<std::uint64_t>(st.st_size)));
    } catch (const std::runtime_error& e) {
      digest = std::string("unreadable=") + e.what();
    }
  }
  if (fd >= 0) ::close(fd);
  return FileIdentity::of(st).text() + " " + digest;
}

}  // namespace healgrid
