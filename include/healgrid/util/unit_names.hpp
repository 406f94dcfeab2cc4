// Whether two CF `units` strings name the same unit, by UDUNITS-2 (the library CF names):
// "m", "meter" and "metres" do, "m" and "cm" do not, nor "K" and "degC" (an offset). Strings
// UDUNITS cannot parse ("counts", "degrees_north" of an old table) are the same only when equal
// after trimming spaces. Thread-safe; the unit database is read once, when first needed.
#pragma once

#include <string>

namespace healgrid {

bool same_units(const std::string& a, const std::string& b);

}  // namespace healgrid
