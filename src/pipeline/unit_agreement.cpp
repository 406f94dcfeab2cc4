#include "healgrid/pipeline/unit_agreement.hpp"

#include <algorithm>

#include "healgrid/util/unit_names.hpp"

namespace healgrid {

std::vector<std::string> unit_keys(const PipelineConfig& config) {
  std::vector<std::string> keys;
  for (const auto& v : config.variables)
    keys.push_back(v.expression.empty() ? "variables." + v.name : "");
  for (std::size_t f = 0; f < config.filters.size(); ++f)
    keys.push_back(
        config.filters[f].expression.empty() ? "filters[" + std::to_string(f) + "].dataset" : "");
  return keys;
}

UnitAgreement check_unit_agreement(
    const std::vector<std::string>& keys, const std::vector<std::string>& names,
    std::vector<std::pair<std::int64_t, std::vector<std::string>>> units) {
  std::sort(units.begin(), units.end());  // name order: the same verdict for any rank count
  UnitAgreement out;
  out.units.assign(keys.size(), "");
  for (std::size_t k = 0; k < keys.size(); ++k) {
    if (keys[k].empty()) continue;
    const std::pair<std::int64_t, std::vector<std::string>>* first = nullptr;
    std::int64_t without = 0, first_without = -1;
    for (const auto& granule : units) {
      const std::string u = k < granule.second.size() ? granule.second[k] : "";
      if (u.empty()) {
        if (without++ == 0) first_without = granule.first;
        continue;
      }
      if (!first) {
        first = &granule;
        out.units[k] = u;
        continue;
      }
      const std::string& want = first->second[k];
      if (same_units(u, want)) continue;
      const auto name = [&](std::int64_t g) { return names.at(static_cast<std::size_t>(g)); };
      out.error = keys[k] + ": the granules disagree on its units: " + name(first->first) +
                  " has \"" + want + "\", " + name(granule.first) + " has \"" + u +
                  "\"; healgrid does not convert between granules: grid them in separate runs";
      return out;
    }
    if (first && without > 0)
      out.warnings.push_back(
          keys[k] + ": " + std::to_string(without) +
          " granule(s) give no units (first: " + names.at(static_cast<std::size_t>(first_without)) +
          "), the others \"" + first->second[k] + "\": taken as the same");
  }
  return out;
}

}  // namespace healgrid
