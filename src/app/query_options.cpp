#include "healgrid/app/query_options.hpp"

#include <stdexcept>

#include "healgrid/app/command_help.hpp"
#include "healgrid/catalog/http_client.hpp"
#include "healgrid/config/utc_time.hpp"

namespace po = boost::program_options;

namespace healgrid {
namespace {

// "2019-01-01" -> "2019-01-01T00:00:00Z"; full ISO 8601 times pass unchanged.
std::string normalise_time(const std::string& text, const char* option) {
  if (text.empty()) return text;
  int y = 0, m = 0, d = 0;
  char tail = 0;
  std::string out;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && text.size() == 10)
    out = text + "T00:00:00Z";
  else if (std::sscanf(text.c_str(), "%4d-%2d-%2dT", &y, &m, &d) == 3 && text.back() == 'Z')
    out = text;
  try {
    if (!out.empty())
      parse_utc_seconds(out);  // a real date and time (2019-13-01 is not)
    else if (std::sscanf(text.c_str(), "%4d-%2d-%2dT", &y, &m, &d) == 3)
      out = format_utc(parse_utc_seconds(text));  // a time zone's offset: in UTC for servers
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(option) + " '" + text + "': " + e.what());
  }
  if (out.empty())
    throw std::invalid_argument(
        std::string(option) + " '" + text +
        "': expected YYYY-MM-DD, YYYY-MM-DDThh:mm:ssZ or a time with its offset "
        "(2019-06-13T12:00+02:00)");
  return out;
}

}  // namespace

po::options_description query_options_description(QueryArgs& a, bool for_run) {
  auto d = options_list("Granule query");
  const std::string points =
      for_run ? "; also the points' time window (overrides the config's time.start/.end; needs "
                "coordinates.time)"
              : "";
  // clang-format off
  d.add_options()
    ("source", value(&a.source, "NAME")->default_value("cmr"),
     "cmr: NASA CMR granule search; stac: a STAC API item search")
    ("collection", value(&a.collection, "NAME")->default_value("ATL06"),
     "collection short name")
    ("version", value(&a.version, "VERSION")->default_value("006"), "collection version")
    ("provider", value(&a.provider, "NAME")->default_value("NSIDC_CPRD"),
     "CMR provider (\"\" for any)")
    ("start", value(&a.start, "TIME"), ("window start, YYYY-MM-DD or ISO 8601 (UTC, or with an offset: converted)" +
     points).c_str())
    ("end", value(&a.end, "TIME"), ("window end (exclusive), YYYY-MM-DD or ISO 8601 (UTC, or with an offset)" +
     points).c_str())
    ("cycle", value(&a.cycle, "N"), "ICESat-2 cycle: the granules named with that cycle "
     "(CMR: a granule-name pattern; STAC: the cycle's dates, then the names); with --start/--end, "
     "that cycle's granules in that window")
    ("bbox", value(&a.bbox, "W,S,E,N"), "area W,S,E,N in degrees (W > E crosses the "
     "antimeridian)")
    ("polygon", value(&a.polygon_file, "FILE"), "area: a GeoJSON (Multi)Polygon file")
    ("rgt", value(&a.rgts, "LIST"), "keep these reference ground tracks (e.g. 234,1000-1010)")
    ("region", value(&a.regions, "LIST"), "keep these granule regions (1..14)")
    ("cycles", value(&a.cycles, "LIST"), "keep these cycles (name filter only)")
    ("cmr-url", value(&a.search.cmr_url, "URL")->default_value(a.search.cmr_url),
     "CMR root URL")
    ("stac-url", value(&a.search.stac_url, "URL")->default_value(a.search.stac_url),
     "STAC API root URL (POST {root}/search)")
    ("stac-collection", value(&a.search.stac_collection, "ID"),
     "STAC collection id (default SHORTNAME_VERSION)")
    ("page-size", value(&a.search.page_size, "N")->default_value(2000),
     "granules per page (CMR: at most 2000)")
    ("retries", value(&a.retries, "N")->default_value(6), "tries per request")
    ("retry-delay", value(&a.retry_delay_s, "S")->default_value(1.0, "1"),
     "first backoff delay in seconds (doubles each retry, jittered; Retry-After wins)")
    ("timeout", value(&a.timeout_s, "S")->default_value(60, "60"), "seconds per request");
  // clang-format on
  return d;
}

GranuleQuery make_query(const QueryArgs& a) {
  GranuleQuery q;
  q.short_name = a.collection;
  q.version = a.version;
  q.provider = a.source == "cmr" ? a.provider : "";
  if (a.source != "cmr" && a.source != "stac")
    throw std::invalid_argument("--source: expected cmr or stac, got '" + a.source + "'");
  q.start = normalise_time(a.start, "--start");
  q.end = normalise_time(a.end, "--end");
  if (!q.start.empty() && !q.end.empty() &&
      !(parse_utc_seconds(q.start) < parse_utc_seconds(q.end)))
    throw std::invalid_argument("--start " + q.start + " is not before --end " + q.end +
                                " (the window would select nothing)");
  if (a.cycle != QueryArgs::kNoCycle) {
    // CMR selects the cycle by granule name pattern, exactly; a STAC search has no such
    // parameter and gets a window around the cycle (the names filter its edges).
    std::pair<std::string, std::string> window;
    try {
      window = icesat2_cycle_window(a.cycle);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("--cycle: ") + e.what());
    }
    const auto& [start, end] = window;
    if (a.source == "stac" && q.start.empty()) q.start = start;
    if (a.source == "stac" && q.end.empty()) q.end = end;
    q.cycles.push_back(a.cycle);
  }
  if (!a.bbox.empty() && !a.polygon_file.empty())
    throw std::invalid_argument("--bbox and --polygon: give one area, not both");
  if (!a.bbox.empty()) q.bbox = parse_bbox(a.bbox);
  if (!a.polygon_file.empty()) {
    q.polygon = read_geojson_area(a.polygon_file);
    q.polygon_file = a.polygon_file;
  }
  // Out of range, a number would select nothing (or, for a cycle, every granule): refused.
  const auto in_range = [](const std::vector<int>& v, int lo, int hi, const std::string& what) {
    for (const int x : v)
      if (x < lo || x > hi)
        throw std::invalid_argument(what + ": " + std::to_string(x) + " is not in " +
                                    std::to_string(lo) + ".." + std::to_string(hi));
    return v;
  };
  if (!a.rgts.empty()) q.rgts = in_range(parse_int_list(a.rgts, "--rgt"), 1, 1387, "--rgt");
  if (!a.regions.empty())
    q.regions = in_range(parse_int_list(a.regions, "--region"), 1, 14, "--region");
  if (!a.cycles.empty()) {
    for (const int c : in_range(parse_int_list(a.cycles, "--cycles"), 1, 99, "--cycles"))
      q.cycles.push_back(c);
  }
  if (a.search.page_size < 1 || (a.source == "cmr" && a.search.page_size > 2000))
    throw std::invalid_argument("--page-size: must be 1..2000");
  if (a.retries < 1) throw std::invalid_argument("--retries: must be >= 1");
  if (!(a.retry_delay_s >= 0)) throw std::invalid_argument("--retry-delay: must be >= 0");
  if (!(a.timeout_s > 0)) throw std::invalid_argument("--timeout: must be > 0");
  // The server the query goes to: refused now as a usage error (exit 2), not at the request.
  const bool stac = a.source == "stac";
  try {
    check_url_allowed(stac ? a.search.stac_url : a.search.cmr_url);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(stac ? "--stac-url " : "--cmr-url ") + e.what());
  }
  return q;
}

Catalog run_search(const GranuleQuery& query, QueryArgs a) {
  a.search.retry.attempts = a.retries;
  a.search.retry.timeout_s = a.timeout_s;
  a.search.retry.first_delay_s = a.retry_delay_s;
  return a.source == "stac" ? search_stac(query, a.search) : search_cmr(query, a.search);
}

}  // namespace healgrid
