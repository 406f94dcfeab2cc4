#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "healgrid/app/run_options.hpp"
#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/pipeline/journal.hpp"

namespace healgrid {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kShipped = std::string(HEALGRID_SOURCE_DIR) + "/config/atl06.yaml";

// The message of the ConfigError that `text` raises, or "" if it parses.
std::string error_of(const std::string& text) {
  try {
    parse_config(text, "test.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// The shipped config with one line replaced.
std::string shipped_with(const std::string& from, const std::string& to) {
  auto text = read_file(kShipped);
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return text.replace(pos, from.size(), to);
}

// A filter's `op` and a level's `base` have no default: a filter meant as ">=" must not become
// "==", a 0-based index read as 1-based shifts every segment's points.
TEST(Config, FilterOpAndLevelBaseAreRequired) {
  EXPECT_EQ(error_of(shipped_with("op: \"==\", ", "")),
            "test.yaml:23: filters[0].op: missing (one of == != < <= > >=)");
  const std::string level =
      "levels:\n  segment:\n    index_begin: /{group}/b\n    count: /{group}/c\n";
  EXPECT_NE(error_of(shipped_with("grid:\n", level + "grid:\n"))
                .find("levels.segment.base: missing (0 or 1: the index of the first point)"),
            std::string::npos);
  EXPECT_EQ(error_of(shipped_with("grid:\n", level + "    base: 0\ngrid:\n")), "");
}

// coordinates.time_units: CF "<unit> since <UTC date>", and only beside coordinates.time.
TEST(Config, TimeUnitsAreCfUnitsOfTheTimeDataset) {
  const std::string time = "  time: /{group}/land_ice_segments/delta_time\n";
  EXPECT_EQ(error_of(shipped_with(time, time + "  time_units: seconds since 2018-01-01\n")), "");
  EXPECT_NE(error_of(shipped_with(time, time + "  time_units: seconds\n"))
                .find("coordinates.time_units: expected CF units"),
            std::string::npos);
  EXPECT_NE(error_of(shipped_with(time, time + "  time_units: days since 2018-13-01\n"))
                .find("coordinates.time_units"),
            std::string::npos);
  EXPECT_NE(error_of(shipped_with(time, "  time_units: seconds since 2018-01-01\n"))
                .find("coordinates.time_units: needs coordinates.time"),
            std::string::npos);
}

TEST(Config, ShippedAtl06ConfigIsTheDefault) {
  const auto cfg = load_config_file(kShipped);
  EXPECT_EQ(cfg.product, "ATL06");
  EXPECT_EQ(cfg.groups, (std::vector<std::string>{"gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"}));
  EXPECT_EQ(cfg.latitude, "/{group}/land_ice_segments/latitude");
  EXPECT_EQ(cfg.longitude, "/{group}/land_ice_segments/longitude");
  EXPECT_EQ(cfg.time, "/{group}/land_ice_segments/delta_time");
  ASSERT_EQ(cfg.variables.size(), 2u);
  EXPECT_EQ(cfg.variables[1].name, "s_li");
  EXPECT_EQ(cfg.variables[1].dataset, "/{group}/land_ice_segments/h_li_sigma");
  ASSERT_EQ(cfg.filters.size(), 1u);
  EXPECT_EQ(cfg.filters[0].op, FilterOp::eq);
  EXPECT_EQ(cfg.filters[0].value, 0);
  EXPECT_EQ(cfg.grid.parent_order, 6);
  EXPECT_EQ(cfg.grid.child_order, 12);
  EXPECT_EQ(cfg.grid.latitude, LatitudeConvention::authalic);
  EXPECT_EQ(cfg.output.deflate_level, 4);
  std::vector<std::string> names;
  for (const auto& s : cfg.statistics) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"count", "h_min", "h_max", "h_mean", "h_sigma",
                                             "h_variance", "h_q25", "h_q50", "h_q75"}));
  EXPECT_EQ(cfg.statistics[3].function, StatFunction::weighted_mean);
  EXPECT_EQ(cfg.statistics[3].sigma, "s_li");
  EXPECT_EQ(cfg.statistics[4].function, StatFunction::weighted_mean_sigma);
  EXPECT_DOUBLE_EQ(cfg.statistics[6].q, 0.25);
  // The built-in default is byte-identical to the shipped file.
  EXPECT_EQ(std::string(default_config_text()), read_file(kShipped));
}

TEST(Config, UnknownKeyNamesKeyAndLine) {
  const auto err = error_of(shipped_with("grid:\n", "grid:\n  parent_ordr: 5\n"));
  EXPECT_NE(err.find("grid.parent_ordr"), std::string::npos) << err;
  EXPECT_NE(err.find("unknown key"), std::string::npos) << err;
  EXPECT_NE(err.find("test.yaml:"), std::string::npos) << err;
  const auto top = error_of("product: X\nbogus: 1\n");
  EXPECT_NE(top.find("test.yaml:2: bogus: unknown key"), std::string::npos) << top;
}

TEST(Config, WrongTypes) {
  EXPECT_NE(
      error_of(shipped_with("parent_order: 6", "parent_order: six")).find("grid.parent_order"),
      std::string::npos);
  EXPECT_NE(
      error_of(shipped_with("deflate_level: 4", "deflate_level: [4]")).find("output.deflate_level"),
      std::string::npos);
  EXPECT_NE(error_of(shipped_with("groups: [gt1l, gt1r, gt2l, gt2r, gt3l, gt3r]", "groups: gt1l"))
                .find("groups: expected a list"),
            std::string::npos);
}

TEST(Config, GridOrders) {
  auto err = error_of(shipped_with("child_order: 12", "child_order: 5"));
  EXPECT_NE(err.find("grid.child_order"), std::string::npos) << err;
  err = error_of(shipped_with("child_order: 12", "child_order: 30"));
  EXPECT_NE(err.find("grid.child_order: must be in parent_order..29"), std::string::npos) << err;
  err = error_of(shipped_with("parent_order: 6", "parent_order: -1"));
  EXPECT_NE(err.find("grid.parent_order"), std::string::npos) << err;
  EXPECT_EQ(error_of(shipped_with("child_order: 12", "child_order: 22")), "");
  // Any child order up to 29 with the sparse or auto layout; dense keeps the 16-level cap.
  EXPECT_EQ(error_of(shipped_with("child_order: 12", "child_order: 29")), "");
  EXPECT_EQ(error_of(shipped_with("deflate_level: 4", "deflate_level: 4\n  layout: sparse")), "");
  const auto dense = [](const std::string& child) {
    auto text = shipped_with("child_order: 12", child);
    return text.insert(text.find("deflate_level: 4"), "layout: dense\n  ");
  };
  EXPECT_EQ(error_of(dense("child_order: 22")), "");
  err = error_of(dense("child_order: 23"));
  EXPECT_NE(err.find("output.layout: dense needs child_order at most parent_order + 16"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("got child_order 23 with parent_order 6"), std::string::npos) << err;
  err = error_of(shipped_with("deflate_level: 4", "deflate_level: 4\n  layout: packed"));
  EXPECT_NE(err.find("output.layout"), std::string::npos) << err;
  EXPECT_NE(err.find("unknown layout 'packed'"), std::string::npos) << err;
  EXPECT_EQ(error_of(shipped_with("child_order: 12", "child_order: 6")), "");
  err = error_of(shipped_with("latitude: authalic", "latitude: geocentric"));
  EXPECT_NE(err.find("grid.latitude: unknown latitude convention 'geocentric'"), std::string::npos);
  // A leading zero: yaml-cpp read 011 as octal 9 (and refused 08), the command line as 11.
  for (const char* octal : {"child_order: 011", "child_order: 08", "child_order: +012"}) {
    err = error_of(shipped_with("child_order: 12", octal));
    EXPECT_NE(err.find("grid.child_order"), std::string::npos) << err;
    EXPECT_NE(err.find("has a leading 0, which YAML reads as an octal number"), std::string::npos)
        << err;
  }
  err = error_of(shipped_with("deflate_level: 4", "deflate_level: 04"));
  EXPECT_NE(err.find("output.deflate_level"), std::string::npos) << err;
  EXPECT_EQ(error_of(shipped_with("child_order: 12", "child_order: 10")), "");
  EXPECT_EQ(error_of(shipped_with("deflate_level: 4", "deflate_level: 0")), "");
}

TEST(Config, Statistics) {
  auto err = error_of(shipped_with("function: min", "function: median"));
  EXPECT_NE(err.find("statistics[1].function: unknown statistic 'median'"), std::string::npos)
      << err;
  err = error_of(shipped_with("q: 0.25", "q: 1.5"));
  EXPECT_NE(err.find("statistics[6].q: must be in [0, 1]"), std::string::npos) << err;
  err = error_of(shipped_with(", q: 0.25", ""));
  EXPECT_NE(err.find("statistics[6].q: required"), std::string::npos) << err;
  err = error_of(shipped_with("function: max, variable: h_li", "function: max, variable: h_x"));
  EXPECT_NE(err.find("statistics[2].variable: unknown variable 'h_x'"), std::string::npos) << err;
  err = error_of(shipped_with(", sigma: s_li}\n  - {name: h_sigma", "}\n  - {name: h_sigma"));
  EXPECT_NE(err.find("statistics[3].sigma: required for function weighted_mean"), std::string::npos)
      << err;
  err = error_of(shipped_with("name: h_max", "name: h_min"));
  EXPECT_NE(err.find("duplicate name 'h_min'"), std::string::npos) << err;
  err = error_of(shipped_with("name: h_max", "name: cell_ids"));
  EXPECT_NE(err.find("reserved"), std::string::npos) << err;
  // Options a function does not take are errors, not silently ignored.
  err = error_of(shipped_with("function: min, variable: h_li",
                              "function: min, variable: h_li, "
                              "sigma: s_li"));
  EXPECT_NE(err.find("statistics[1].sigma: only weighted_mean and weighted_mean_sigma take a "
                     "sigma, not min"),
            std::string::npos)
      << err;
  err = error_of(shipped_with("function: min, variable: h_li",
                              "function: min, variable: h_li, "
                              "q: 0.5"));
  EXPECT_NE(err.find("statistics[1].q: only quantile takes a q, not min"), std::string::npos)
      << err;
}

// Errors found after loading (cross-field rules) name the line of the key, or of the nearest
// enclosing one when the key was not given.
TEST(Config, ValidationErrorsNameTheLine) {
  auto err = error_of(shipped_with("q: 0.25", "q: 1.5"));
  EXPECT_NE(err.find("test.yaml:42: statistics[6].q: must be in [0, 1]"), std::string::npos) << err;
  err = error_of(shipped_with("child_order: 12", "child_order: 30"));
  EXPECT_NE(err.find("test.yaml:27: grid.child_order"), std::string::npos) << err;
  err = error_of(shipped_with("deflate_level: 4", "deflate_level: 12"));
  EXPECT_NE(err.find("test.yaml:31: output.deflate_level"), std::string::npos) << err;
  err = error_of(shipped_with("name: h_max", "name: h_min"));
  EXPECT_NE(err.find("test.yaml:38: statistics[2].name: duplicate name 'h_min'"), std::string::npos)
      << err;
}

TEST(Config, DuplicateKeysAtAnyDepthNameKeyAndBothLines) {
  // Top level: yaml-cpp would use the first `product`, another reader the second.
  auto err = error_of("product: A\ntitle: t\nproduct: B\n");
  EXPECT_NE(err.find("test.yaml:3: product: key given twice (lines 1 and 3)"), std::string::npos)
      << err;
  // Nested mapping.
  err = error_of(shipped_with("child_order: 12", "child_order: 12\n  child_order: 9"));
  EXPECT_NE(err.find("grid.child_order: key given twice (lines 27 and 28)"), std::string::npos)
      << err;
  // Inside a flow mapping of a list item.
  err =
      error_of(shipped_with("name: h_max, function: max", "name: h_max, function: max, name: h_x"));
  EXPECT_NE(err.find("statistics[2].name: key given twice (line 38, columns 6 and 34)"),
            std::string::npos)
      << err;
  // The same key in two different mappings is fine.
  EXPECT_EQ(error_of(read_file(kShipped)), "");
}

TEST(Config, StatisticNamesNetcdfRefusesOrTheOutputUsesAreRefusedAtLoad) {
  for (const char* bad : {"h/mean", "1h", "_h", "h mean", "granules", "crs", "granule_status",
                          "time", "name_strlen", "overviews"}) {
    const auto err = error_of(shipped_with("name: h_max", std::string("name: \"") + bad + "\""));
    EXPECT_NE(err.find("statistics[2].name: '" + std::string(bad) + "'"), std::string::npos)
        << bad << ": " << err;
  }
  EXPECT_EQ(error_of(shipped_with("name: h_max", "name: h.max-2")), "");
}

TEST(Config, VariableNamesAreNamesExpressionsCanUse) {
  for (const char* bad : {"1x", "a b", "a-b", "h.li"}) {
    const auto err = error_of(shipped_with("  h_li: /", std::string("  \"") + bad + "\": /"));
    EXPECT_NE(err.find("variables." + std::string(bad) + ": '" + bad +
                       "': a variable name starts with a letter"),
              std::string::npos)
        << bad << ": " << err;
  }
  // The words of the expressions: a variable `and` made every expression naming it fail with a
  // message about "&&", which the user never wrote.
  for (const char* word : {"and", "or", "not", "in"}) {
    const auto err = error_of(shipped_with("  h_li: /", std::string("  ") + word + ": /"));
    EXPECT_NE(
        err.find("variables." + std::string(word) + ": '" + word + "': a word of the expressions"),
        std::string::npos)
        << word << ": " << err;
  }
  EXPECT_EQ(error_of(shipped_with("  h_li: /", "  android: /")).find("a word of"),
            std::string::npos);
}

TEST(Config, FiltersAndYamlErrors) {
  auto err = error_of(shipped_with("op: \"==\"", "op: \"=~\""));
  EXPECT_NE(err.find("filters[0].op: unknown operator '=~'"), std::string::npos) << err;
  err = error_of("product: [unclosed\n");
  EXPECT_NE(err.find("invalid YAML"), std::string::npos) << err;
  err = error_of(shipped_with("h_li: /{group}/land_ice_segments/h_li",
                              "h_li: {dataset: /{group}/land_ice_segments/h_li}"));
  EXPECT_NE(err.find("quote a path with {group}"), std::string::npos) << err;
  err = error_of("- a\n- b\n");
  EXPECT_NE(err.find("expected a mapping"), std::string::npos) << err;
  try {  // the reason is said, not only that it failed
    load_config_file("/nonexistent/healgrid.yaml");
    ADD_FAILURE() << "a missing config loaded";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "/nonexistent/healgrid.yaml: cannot read config file: No such file or directory"),
              std::string::npos)
        << e.what();
  }
  try {  // a directory (--config cfg/) is named as such, not parsed as an empty mapping
    load_config_file(HEALGRID_SOURCE_DIR);
    ADD_FAILURE() << "a directory loaded as a config";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("not a config file (a directory)"), std::string::npos)
        << e.what();
  }
}

TEST(Config, GroupsAreOptionalAndChecked) {
  const std::string flat =
      "coordinates: {latitude: /lat, longitude: /lon}\n"
      "variables: {h: /h, e: {dataset: \"/elev[:, 2]\", sentinel: -9999}, "
      "m: {dataset: /m, sentinel: [-1, 255]}}\n"
      "statistics: [{name: n, function: count, variable: h}]\n";
  const auto cfg = parse_config(flat, "flat.yaml");
  EXPECT_EQ(cfg.groups, (std::vector<std::string>{""}));
  ASSERT_EQ(cfg.variables.size(), 3u);
  EXPECT_EQ(cfg.variables[1].dataset, "/elev[:, 2]");
  EXPECT_EQ(cfg.variables[1].sentinels, (std::vector<double>{-9999}));
  EXPECT_EQ(cfg.variables[2].sentinels, (std::vector<double>{-1, 255}));
  auto err = error_of("groups: [a, b, a]\n" + flat);
  EXPECT_NE(err.find("groups[2]: group 'a' is listed twice"), std::string::npos) << err;
  err = error_of("groups: [a, b]\n" + flat);
  EXPECT_NE(err.find("coordinates.latitude: must use {group} when several groups are listed"),
            std::string::npos)
      << err;
  EXPECT_EQ(error_of("groups: [a]\n" + flat), "");  // one group: the paths may be shared
  err = error_of(shipped_with("groups: [gt1l, gt1r, gt2l, gt2r, gt3l, gt3r]\n", ""));
  EXPECT_NE(err.find("coordinates.latitude: '/{group}/land_ice_segments/latitude' uses {group} "
                     "but the config lists no groups"),
            std::string::npos)
      << err;
  err = error_of(shipped_with("h_li: /{group}/land_ice_segments/h_li",
                              "h_li: /{group}/land_ice_segments/h_li[x]"));
  EXPECT_NE(err.find("variables.h_li: index 'x' is neither : nor a non-negative integer"),
            std::string::npos)
      << err;
  err = error_of(shipped_with("h_li: /{group}/land_ice_segments/h_li",
                              "h_li: {dataset: \"/{group}/a\", sentinel: x}"));
  EXPECT_NE(err.find("variables.h_li.sentinel: expected a number"), std::string::npos) << err;
  err = error_of(shipped_with("h_li: /{group}/land_ice_segments/h_li", "h_li: {path: /a}"));
  EXPECT_NE(err.find("variables.h_li.path: unknown key"), std::string::npos) << err;
}

TEST(Config, ExpandGroupAndFilterOps) {
  EXPECT_EQ(expand_group("/{group}/a/{group}", "gt2r"), "/gt2r/a/gt2r");
  EXPECT_EQ(expand_group("/plain/path", "gt1l"), "/plain/path");
  EXPECT_TRUE(filter_passes(FilterOp::eq, 0, 0));
  EXPECT_FALSE(filter_passes(FilterOp::eq, 127, 0));
  EXPECT_TRUE(filter_passes(FilterOp::ne, 1, 0));
  EXPECT_TRUE(filter_passes(FilterOp::lt, -1, 0));
  EXPECT_FALSE(filter_passes(FilterOp::lt, 0, 0));
  EXPECT_TRUE(filter_passes(FilterOp::le, 0, 0));
  EXPECT_TRUE(filter_passes(FilterOp::gt, 1, 0));
  EXPECT_TRUE(filter_passes(FilterOp::ge, 0, 0));
}

TEST(RunOptions, OverridesApplyAndValidate) {
  RunOptions opt;
  std::string error;
  ASSERT_TRUE(parse_run_options({"--input", "a.h5", "-o", "x.nc", "--parent-order", "4",
                                 "--child-order", "10", "--latitude", "geodetic"},
                                opt, error))
      << error;
  auto cfg = load_config_file(kShipped);
  EXPECT_EQ(apply_overrides(opt, cfg),
            "grid.parent_order=4 grid.child_order=10 grid.latitude=geodetic");
  EXPECT_EQ(cfg.grid.parent_order, 4);
  EXPECT_EQ(cfg.grid.child_order, 10);
  EXPECT_EQ(cfg.grid.latitude, LatitudeConvention::geodetic);

  RunOptions bad;
  ASSERT_TRUE(parse_run_options({"-i", "a.h5", "-o", "x.nc", "--child-order", "3"}, bad, error));
  cfg = load_config_file(kShipped);
  try {  // the bad value came from the command line: no config line is named for it
    apply_overrides(bad, cfg);
    ADD_FAILURE() << "--child-order 3 below the parent order was accepted";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("after command-line overrides: config: grid.child_order"), std::string::npos)
        << msg;
  }

  RunOptions missing;
  EXPECT_FALSE(parse_run_options({"-i", "a.h5"}, missing, error));
  EXPECT_NE(error.find("--output"), std::string::npos);
  EXPECT_FALSE(
      parse_run_options({"-i", "a", "-o", "b", "--on-bad-granule", "maybe"}, missing, error));
  EXPECT_NE(error.find("--on-bad-granule"), std::string::npos);
  EXPECT_FALSE(parse_run_options({"-i", "a", "-o", "b", "--no-such-flag"}, missing, error));
}

// Query values out of range are refused before any work (exit 2), not sent to the server (a
// cycle of 0 selected the whole collection); options the way of giving granules would ignore
// are refused, not dropped.
TEST(RunOptions, QueryValuesAreCheckedAndIgnoredOptionsRefused) {
  const auto error_of = [](std::vector<std::string> args) {
    args.insert(args.end(), {"-o", "x.nc"});
    RunOptions o;
    std::string error;
    return parse_run_options(args, o, error) ? std::string("(accepted)") : error;
  };
  EXPECT_EQ(error_of({"--cycle", "0"}), "--cycle: ICESat-2 cycle must be >= 1, got 0");
  EXPECT_EQ(error_of({"--cycle", "3", "--region", "0"}), "--region: 0 is not in 1..14");
  EXPECT_EQ(error_of({"--cycle", "3", "--region", "14-15"}), "--region: 15 is not in 1..14");
  EXPECT_EQ(error_of({"--cycle", "3", "--rgt", "1388"}), "--rgt: 1388 is not in 1..1387");
  EXPECT_EQ(error_of({"--cycles", "0,1"}), "--cycles: 0 is not in 1..99");
  EXPECT_NE(error_of({"--start", "2019-13-01"}).find("--start '2019-13-01': "), std::string::npos);
  EXPECT_NE(error_of({"--cycle", "3", "--end", "2019-02-30T00:00:00Z"}).find("--end"),
            std::string::npos);
  EXPECT_EQ(error_of({"--cycle", "3", "--region", "1-14", "--rgt", "1,1387"}), "(accepted)");
  EXPECT_EQ(error_of({"-i", "a.h5", "--provider", "X"}),
            "--provider: applies to a query (--collection/--cycle/...), not to --input: it "
            "would be ignored");
  EXPECT_EQ(error_of({"-i", "a.h5", "--cache-dir", "c"}),
            "--cache-dir: applies to --catalog or a query, not to --input: it would be ignored");
  EXPECT_NE(error_of({"--catalog", "c.json", "--source", "stac"}).find("not to --catalog"),
            std::string::npos);
  EXPECT_EQ(error_of({"--catalog", "c.json", "--cache-dir", "c"}), "(accepted)");
  EXPECT_EQ(error_of({"--cycle", "3", "--provider", "X", "--retries", "2"}), "(accepted)");
  // The server's URL is an option value: https, or http to loopback (test servers) only.
  EXPECT_EQ(error_of({"--cycle", "3", "--cmr-url", "http://example.com"}),
            "--cmr-url http://example.com: only https:// URLs are allowed (http:// only to "
            "loopback)");
  EXPECT_NE(error_of({"--collection", "ATL06", "--source", "stac", "--stac-url", "ftp://x.org"})
                .find("--stac-url ftp://x.org: only https://"),
            std::string::npos);
  EXPECT_EQ(error_of({"--cycle", "3", "--cmr-url", "http://127.0.0.2:8802"}), "(accepted)");
  EXPECT_EQ(error_of({"-i", "a.h5", "--start", "2019-01-01"}), "(accepted)");  // the points'
  // A time with its offset goes to the servers in UTC.
  RunOptions o;
  std::string error;
  ASSERT_TRUE(parse_run_options(
      {"--cycle", "3", "--start", "2019-06-13T12:00+02:00", "--end", "2019-06-14", "-o", "x.nc"}, o,
      error))
      << error;
  const auto q = make_query(o.query);
  EXPECT_EQ(q.start, "2019-06-13T10:00:00Z");
  EXPECT_EQ(q.end, "2019-06-14T00:00:00Z");
  EXPECT_NE(error_of({"--cycle", "3", "--start", "2019-06-13T12:00+25:00"}).find("--start"),
            std::string::npos);
}

TEST(RunOptions, AMalformedSourceDateEpochIsRefusedBeforeTheRun) {
  const auto error_with = [](const char* epoch) {
    ::setenv("SOURCE_DATE_EPOCH", epoch, 1);
    RunOptions o;
    std::string error;
    const bool ok = parse_run_options({"-i", "a.h5", "-o", "x.nc"}, o, error);
    ::unsetenv("SOURCE_DATE_EPOCH");
    return ok ? std::string("(accepted)") : error;
  };
  for (const char* bad : {"abc", "1.5", "-5", "1700000000x"})
    EXPECT_NE(error_with(bad).find("SOURCE_DATE_EPOCH='" + std::string(bad) + "'"),
              std::string::npos)
        << bad;
  EXPECT_EQ(error_with("1700000000"), "(accepted)");
  EXPECT_EQ(error_with(""), "(accepted)");  // empty: unset
}

TEST(RunOptions, RoundsAreAutoACountOrZero) {
  std::string error;
  RunOptions opt;
  ASSERT_TRUE(parse_run_options({"-i", "a", "-o", "b"}, opt, error)) << error;
  EXPECT_EQ(opt.rounds, RunJournal::kAutoRounds);
  ASSERT_TRUE(parse_run_options({"-i", "a", "-o", "b", "--rounds", "auto"}, opt, error)) << error;
  EXPECT_EQ(opt.rounds, RunJournal::kAutoRounds);
  ASSERT_TRUE(parse_run_options({"-i", "a", "-o", "b", "--rounds", "3"}, opt, error)) << error;
  EXPECT_EQ(opt.rounds, 3);
  ASSERT_TRUE(parse_run_options({"-i", "a", "-o", "b", "--rounds", "0"}, opt, error)) << error;
  EXPECT_EQ(opt.rounds, 0);
  ASSERT_TRUE(parse_run_options({"-i", "a", "-o", "b", "--rounds", "100000"}, opt, error));
  for (const char* bad : {"-1", "100001", "x", "", "3.5", "9999999999"}) {
    RunOptions o;
    EXPECT_FALSE(parse_run_options({"-i", "a", "-o", "b", "--rounds", bad}, o, error)) << bad;
    EXPECT_NE(error.find("--rounds"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace healgrid
