#include "healgrid/write/predefined_filter.hpp"

#include <dlfcn.h>

namespace healgrid {

bool replace_predefined_filter(H5Z_filter_t id, const char* name, H5Z_func_t filter,
                               H5Z_set_local_func_t set_local) {
  H5Z_class2_t cls{};  // H5Z_register copies it into HDF5's table
  cls.version = H5Z_CLASS_T_VERS;
  cls.id = id;
  cls.encoder_present = 1;
  cls.decoder_present = 1;
  cls.name = name;
  cls.set_local = set_local;
  cls.filter = filter;
  using RegisterFn = herr_t (*)(const H5Z_class2_t*);
  static const auto reg = reinterpret_cast<RegisterFn>(dlsym(RTLD_DEFAULT, "H5Z_register"));
  // Only the releases whose H5Z_register(const H5Z_class2_t*) is known (1.10 to 1.14).
  unsigned major = 0, minor = 0, release = 0;
  if (H5get_libversion(&major, &minor, &release) < 0 || major != 1 || minor < 10 || minor > 14)
    return false;
  // H5open and a public H5Z call first: they initialise the library and the filter table, so
  // the built-in filter is there to be replaced, not registered again after ours.
  if (!reg || H5open() < 0 || H5Zfilter_avail(cls.id) <= 0) return false;
  // Registering again (e.g. after an H5close reset the table) just rewrites the same entry.
  return reg(&cls) >= 0;
}

}  // namespace healgrid
