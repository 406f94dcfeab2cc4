// libFuzzer target: the CMR (UMM and JSON feed) and STAC page parsers and the STAC next-link
// logic, on any JSON a server could send. Documented failure: std::invalid_argument (or
// std::runtime_error) naming the item; any other exception, crash or report is a bug.
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "healgrid/catalog/catalog_search.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto page = nlohmann::json::parse(data, data + size, nullptr, false);
  if (page.is_discarded()) return 0;
  using Parser = std::vector<healgrid::CatalogGranule> (*)(const nlohmann::json&);
  for (Parser parse : {&healgrid::parse_cmr_umm_page, &healgrid::parse_cmr_json_feed,
                       &healgrid::parse_stac_page}) {
    try {
      (void)parse(page);
    } catch (const std::invalid_argument&) {
    } catch (const std::runtime_error&) {
    }
  }
  try {
    (void)healgrid::stac_next_request(page, nlohmann::json::object({{"limit", 10}}));
  } catch (const std::invalid_argument&) {
  } catch (const std::runtime_error&) {
  }
  return 0;
}
