// Inputs found by the fuzz targets (tests/fuzz, scripts/fuzz.sh), kept as regression tests.
#include <gtest/gtest.h>

#include <string>

#include "healgrid/catalog/catalog_search.hpp"
#include "healgrid/config/pipeline_config.hpp"

namespace healgrid {
namespace {

// fuzz_config: a YAML key that is not a scalar (`{ }: ...`, `[x]: ...`) made yaml-cpp throw
// TypedBadConversion out of parse_config, which must throw ConfigError only.
TEST(FuzzRegression, ConfigNonScalarKeyIsAConfigError) {
  for (const char* text : {"{ }: 1\n", "groups: [gt1l]\n[x]: 2\n",
                           "groups: [gt1l]\ncoordinates: {latitude: /a, longitude: /b}\n"
                           "variables: {{a: b}: /c}\nstatistics: []\n",
                           "groups: [gt1l]\ncoordinates: {[1]: /a}\n"}) {
    try {
      (void)parse_config(text, "fuzz.yaml");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("fuzz.yaml"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("expected a string"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace healgrid

namespace healgrid {
namespace {

// Found by fuzz_catalog_json: pages of the wrong shape let nlohmann's exceptions escape.
TEST(FuzzRegression, CatalogPagesOfTheWrongShapeAreInvalidArgument) {
  const auto object = nlohmann::json::object();
  const auto weird = nlohmann::json::parse(R"({"feed": 1, "items": [1], "features": "x"})");
  for (const auto& page : {object, weird, nlohmann::json::array({1, 2})}) {
    EXPECT_THROW(parse_cmr_json_feed(page), std::invalid_argument) << page.dump();
    EXPECT_THROW(parse_cmr_umm_page(page), std::invalid_argument) << page.dump();
    EXPECT_THROW(parse_stac_page(page), std::invalid_argument) << page.dump();
  }
}

}  // namespace
}  // namespace healgrid
