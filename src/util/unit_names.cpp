#include "healgrid/util/unit_names.hpp"

#include <udunits2.h>

#include <memory>
#include <mutex>

#include "healgrid/util/text.hpp"

namespace healgrid {
namespace {

struct UnitFree {
  void operator()(ut_unit* u) const { ut_free(u); }
};
using Unit = std::unique_ptr<ut_unit, UnitFree>;

std::mutex& units_mutex() {
  static std::mutex m;
  return m;
}

// The default database (UDUNITS2_XML_PATH or the installed one); null when it cannot be read.
ut_system* unit_system() {
  static ut_system* system = [] {
    ut_set_error_message_handler(ut_ignore);  // a failed parse is an answer, not a message
    return ut_read_xml(nullptr);
  }();
  return system;
}

}  // namespace

bool same_units(const std::string& a, const std::string& b) {
  const std::string ta = trimmed(a), tb = trimmed(b);
  if (ta == tb) return true;
  const std::lock_guard<std::mutex> lock(units_mutex());  // UDUNITS keeps global state
  ut_system* system = unit_system();
  if (!system) return false;
  const Unit ua(ut_parse(system, ta.c_str(), UT_UTF8)), ub(ut_parse(system, tb.c_str(), UT_UTF8));
  return ua && ub && ut_compare(ua.get(), ub.get()) == 0;
}

}  // namespace healgrid
