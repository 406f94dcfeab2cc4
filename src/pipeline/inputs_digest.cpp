#include "healgrid/pipeline/inputs_digest.hpp"

#include <algorithm>

#include "healgrid/catalog/checksum.hpp"

namespace healgrid {
namespace {

void item(std::string& out, const char* key, const std::string& value) {
  out += key;
  out += ' ';
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += '\n';
}

}  // namespace

std::string inputs_text(const RunInputs& inputs) {
  std::string text;
  item(text, "healgrid_version", HEALGRID_VERSION);
  item(text, "config", inputs.config_text);
  item(text, "overrides", inputs.overrides);
  item(text, "on_bad_granule", inputs.bad_granule);
  item(text, "catalog_sha256", inputs.catalog_sha256);
  std::vector<const Granule*> sorted;
  for (const auto& g : inputs.granules) sorted.push_back(&g);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Granule* a, const Granule* b) { return a->name < b->name; });
  item(text, "granules", std::to_string(sorted.size()));
  for (const auto* g : sorted) item(text, "granule", g->name + ' ' + std::to_string(g->bytes));
  return text;
}

std::string inputs_sha256(const RunInputs& inputs) {
  return digest_hex(inputs_text(inputs), "SHA-256");
}

std::string journal_key(const std::string& inputs_sha256, const std::string& build,
                        const std::vector<Granule>& granules,
                        const std::vector<std::string>& fingerprints) {
  std::string text;
  item(text, "inputs_sha256", inputs_sha256);
  item(text, "build", build);
  std::vector<std::size_t> order(granules.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return granules[a].name < granules[b].name;
  });
  for (const auto i : order) item(text, "fingerprint", granules[i].name + ' ' + fingerprints.at(i));
  return digest_hex(text, "SHA-256");
}

}  // namespace healgrid
