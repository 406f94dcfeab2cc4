#include "healgrid/catalog/catalog_search.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <optional>
#include <stdexcept>

#include "healgrid/catalog/checksum.hpp"
#include "healgrid/util/safe_path.hpp"
#include "healgrid/util/text.hpp"

namespace healgrid {
namespace {

using nlohmann::json;

// The file name of a URL, without its query or fragment.
std::string url_file_name(const std::string& url) {
  return base_name(url.substr(0, url.find_first_of("?#")));
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }
bool is_web_url(const std::string& s) {
  return starts_with(s, "https://") || starts_with(s, "http://");
}

std::string str(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j.at(key).is_string() ? j.at(key).get<std::string>()
                                                                   : "";
}

bool has_role(const json& asset, const char* role) {
  if (!asset.is_object() || !asset.contains("roles") || !asset.at("roles").is_array()) return false;
  for (const auto& r : asset.at("roles"))
    if (r.is_string() && r.get<std::string>() == role) return true;
  return false;
}

bool granule_file_name(const std::string& name) {
  for (const char* suffix : {".h5", ".hdf5", ".he5", ".nc", ".nc4"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0)
      return true;
  }
  return false;
}

// Whether a STAC asset holds the granule: role "data", or an HDF5 / netCDF file name, and not
// a thumbnail, overview or metadata asset.
bool is_data_asset(const json& asset) {
  for (const char* other : {"thumbnail", "overview", "metadata"})
    if (has_role(asset, other)) return false;
  return has_role(asset, "data") || granule_file_name(url_file_name(str(asset, "href")));
}

// The item's granule: the asset keyed "data", else the first data asset (is_data_asset);
// nullptr when there is none (never a thumbnail or metadata file in its place).
const json* data_asset(const json& assets) {
  if (assets.contains("data")) return &assets.at("data");
  for (const auto& [key, a] : assets.items())
    if (is_data_asset(a)) return &a;
  return nullptr;
}

// A footprint's box: its edges follow parallels (footprint_cells' edges are great circles).
void add_box(std::vector<Ring>& rings, double west, double south, double east, double north) {
  for (auto& ring : box_footprint(BoundingBox{west, south, east, north}))
    rings.push_back(std::move(ring));
}

CatalogGranule parse_umm_item(const json& item) {
  CatalogGranule g;
  const json& umm = item.at("umm");
  g.id = str(item.at("meta"), "concept-id");
  const auto& data = umm.contains("DataGranule") ? umm.at("DataGranule") : json::object();
  if (data.contains("Identifiers"))
    for (const auto& id : data.at("Identifiers"))
      if (str(id, "IdentifierType") == "ProducerGranuleId") g.name = str(id, "Identifier");
  if (umm.contains("RelatedUrls")) {
    for (const auto& u : umm.at("RelatedUrls")) {
      const auto type = str(u, "Type"), url = str(u, "URL");
      if (type == "GET DATA" && is_web_url(url) && g.https_url.empty()) g.https_url = url;
      if (type == "GET DATA VIA DIRECT ACCESS" && starts_with(url, "s3://") && g.s3_url.empty())
        g.s3_url = url;
    }
  }
  if (g.name.empty())
    g.name = g.https_url.empty() ? str(umm, "GranuleUR") : url_file_name(g.https_url);
  if (g.id.empty()) g.id = str(umm, "GranuleUR");
  if (umm.contains("TemporalExtent")) {
    const auto& t = umm.at("TemporalExtent");
    if (t.contains("RangeDateTime")) {
      g.time_start = str(t.at("RangeDateTime"), "BeginningDateTime");
      g.time_end = str(t.at("RangeDateTime"), "EndingDateTime");
    } else {
      g.time_start = g.time_end = str(t, "SingleDateTime");
    }
  }
  if (data.contains("ArchiveAndDistributionInformation")) {
    for (const auto& a : data.at("ArchiveAndDistributionInformation")) {
      const auto name = str(a, "Name");
      if (!name.empty() && name != g.name) continue;
      if (a.contains("SizeInBytes")) g.bytes = a.at("SizeInBytes").get<std::int64_t>();
      if (a.contains("Checksum")) {
        g.checksum = str(a.at("Checksum"), "Value");
        g.checksum_algorithm = specific_algorithm(str(a.at("Checksum"), "Algorithm"), g.checksum);
      }
      break;
    }
  }
  const json* horizontal = nullptr;
  if (umm.contains("SpatialExtent") && umm.at("SpatialExtent").contains("HorizontalSpatialDomain"))
    horizontal = &umm.at("SpatialExtent").at("HorizontalSpatialDomain");
  if (horizontal && horizontal->contains("Geometry")) {
    const auto& geometry = horizontal->at("Geometry");
    std::vector<Ring> rings;
    if (geometry.contains("GPolygons")) {
      for (const auto& poly : geometry.at("GPolygons")) {
        Ring ring;
        for (const auto& p : poly.at("Boundary").at("Points"))
          ring.push_back({p.at("Longitude").get<double>(), p.at("Latitude").get<double>()});
        rings.push_back(ring);
      }
    }
    if (geometry.contains("BoundingRectangles")) {
      for (const auto& b : geometry.at("BoundingRectangles"))
        add_box(rings, b.at("WestBoundingCoordinate").get<double>(),
                b.at("SouthBoundingCoordinate").get<double>(),
                b.at("EastBoundingCoordinate").get<double>(),
                b.at("NorthBoundingCoordinate").get<double>());
    }
    if (!rings.empty()) g.footprint = rings;
  }
  return g;
}

json parse_body(const HttpResponse& r, const std::string& url) {
  try {
    return json::parse(r.body);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(url_for_log(url) + ": malformed JSON response (" +
                             std::to_string(r.body.size()) + " bytes): " + e.what());
  }
}

void check_status(const HttpResponse& r, const std::string& url) {
  if (r.status == 200) return;
  std::string detail = redact_credentials(r.body.substr(0, 300));
  throw std::runtime_error(url_for_log(url) + ": HTTP " + std::to_string(r.status) +
                           (detail.empty() ? "" : ": " + detail));
}

// Servers match time windows inclusively at both ends; the query's end is exclusive. A
// granule without a data URL (https or s3) cannot be fetched: left out with a warning naming
// its id.
void keep_matching(const GranuleQuery& q, std::vector<CatalogGranule>& page,
                   std::vector<CatalogGranule>& out) {
  for (auto& g : page) {
    if (!passes_name_filters(q, g.name) || !in_time_window(q, g.time_start, g.time_end)) continue;
    if (g.https_url.empty() && g.s3_url.empty()) {
      std::fprintf(stderr,
                   "healgrid resolve: warning: granule %s (%s) has no data link (no GET DATA "
                   "URL, no data asset): left out\n",
                   g.id.c_str(), g.name.c_str());
      continue;
    }
    if (g.https_url.empty())
      std::fprintf(stderr,
                   "healgrid resolve: warning: granule %s (%s) has only an s3 link (%s): kept, "
                   "but healgrid fetch downloads over https only (read it in-region)\n",
                   g.id.c_str(), g.name.c_str(), g.s3_url.c_str());
    out.push_back(std::move(g));
  }
}

Catalog new_catalog(const GranuleQuery& q, const std::string& source, const std::string& endpoint) {
  Catalog c;
  c.source = source;
  c.endpoint = endpoint;
  c.queried_at = utc_now();
  c.query = query_to_json(q);
  c.area = q.area_rings();
  return c;
}

}  // namespace

static std::vector<CatalogGranule> parse_cmr_umm_page_unchecked(const json& page) {
  std::vector<CatalogGranule> out;
  std::size_t i = 0;
  for (const auto& item : page.at("items")) {
    try {
      out.push_back(parse_umm_item(item));
    } catch (const std::exception& e) {
      throw std::invalid_argument("CMR UMM item " + std::to_string(i) + ": " + e.what());
    }
    ++i;
  }
  return out;
}

static std::vector<CatalogGranule> parse_cmr_json_feed_unchecked(const json& page) {
  std::vector<CatalogGranule> out;
  for (const auto& e : page.at("feed").at("entry")) {
    CatalogGranule g;
    g.id = str(e, "id");
    g.name = str(e, "producer_granule_id");
    if (g.name.empty()) g.name = str(e, "title");
    g.time_start = str(e, "time_start");
    g.time_end = str(e, "time_end");
    if (e.contains("links")) {
      for (const auto& l : e.at("links")) {
        const auto rel = str(l, "rel"), href = str(l, "href");
        const bool data = rel.size() >= 5 && rel.compare(rel.size() - 5, 5, "data#") == 0;
        if (data && is_web_url(href) && g.https_url.empty()) g.https_url = href;
        if (data && starts_with(href, "s3://") && g.s3_url.empty()) g.s3_url = href;
      }
    }
    std::vector<Ring> rings;
    if (e.contains("polygons"))
      for (const auto& polygon : e.at("polygons"))
        rings.push_back(parse_cmr_polygon_string(polygon.at(0).get<std::string>()));
    if (e.contains("boxes")) {
      for (const auto& box : e.at("boxes")) {
        double s = 0, w = 0, n = 0, east = 0;
        if (std::sscanf(box.get<std::string>().c_str(), "%lf %lf %lf %lf", &s, &w, &n, &east) == 4)
          add_box(rings, w, s, east, n);
      }
    }
    if (!rings.empty()) g.footprint = rings;
    out.push_back(std::move(g));
  }
  return out;
}

static std::vector<CatalogGranule> parse_stac_page_unchecked(const json& page) {
  std::vector<CatalogGranule> out;
  std::size_t i = 0;
  for (const auto& f : page.at("features")) {
    try {
      CatalogGranule g;
      g.id = f.at("id").get<std::string>();
      const json* data = nullptr;
      if (f.contains("assets")) {
        const auto& assets = f.at("assets");
        data = data_asset(assets);
        for (const auto& [key, a] : assets.items()) {
          const auto href = str(a, "href");
          if (starts_with(href, "s3://") && g.s3_url.empty() && is_data_asset(a)) g.s3_url = href;
        }
      }
      if (data) {
        const auto href = str(*data, "href");
        if (is_web_url(href)) g.https_url = href;
        if (starts_with(href, "s3://") && g.s3_url.empty()) g.s3_url = href;
        if (data->contains("file:size")) g.bytes = data->at("file:size").get<std::int64_t>();
        const auto multihash = str(*data, "file:checksum");
        if (multihash.size() == 68 && starts_with(multihash, "1220")) {  // sha2-256 multihash
          g.checksum_algorithm = "SHA-256";
          g.checksum = multihash.substr(4);
        }
        g.name = url_file_name(href);
      }
      if (g.name.empty()) g.name = g.id;
      const json props = f.value("properties", json::object());
      g.time_start = str(props, "start_datetime");
      g.time_end = str(props, "end_datetime");
      if (g.time_start.empty()) g.time_start = g.time_end = str(props, "datetime");
      std::optional<BoundingBox> bbox;  // [w, s, e, n] or [w, s, zmin, e, n, zmax]
      if (f.contains("bbox") && !f.at("bbox").is_null()) {
        const auto b = f.at("bbox").get<std::vector<double>>();
        if (b.size() == 4) bbox = BoundingBox{b[0], b[1], b[2], b[3]};
        if (b.size() == 6) bbox = BoundingBox{b[0], b[1], b[3], b[4]};
      }
      if (f.contains("geometry") && !f.at("geometry").is_null()) {
        g.footprint = geojson_footprint(geojson_rings(f.at("geometry")), bbox);
      } else if (bbox) {
        std::vector<Ring> rings;
        add_box(rings, bbox->west, bbox->south, bbox->east, bbox->north);
        g.footprint = rings;
      }
      out.push_back(std::move(g));
    } catch (const std::exception& e) {
      throw std::invalid_argument("STAC feature " + std::to_string(i) + ": " + e.what());
    }
    ++i;
  }
  return out;
}

std::optional<StacNextRequest> stac_next_request(const json& page, const json& previous_body) {
  if (!page.contains("links")) return std::nullopt;
  for (const auto& l : page.at("links")) {
    if (str(l, "rel") != "next") continue;
    StacNextRequest next;
    next.method = l.value("method", "GET");
    next.href = str(l, "href");
    if (next.method == "POST") {
      const json body = l.value("body", json::object());
      next.body = body;
      if (l.value("merge", false)) {
        next.body = previous_body;
        next.body.update(body);
      }
    }
    return next;
  }
  return std::nullopt;
}

std::string cmr_search_url(const GranuleQuery& q, const std::string& root, int page_size) {
  std::string url = root + "/search/granules.umm_json?short_name=" + url_encode(q.short_name);
  if (!q.version.empty()) url += "&version=" + url_encode(q.version);
  if (!q.provider.empty()) url += "&provider=" + url_encode(q.provider);
  if (!q.start.empty() || !q.end.empty())
    url += "&temporal%5B%5D=" + url_encode(q.start + "," + q.end);
  char number[160];
  if (q.bbox) {
    std::snprintf(number, sizeof number, "%.10g,%.10g,%.10g,%.10g", q.bbox->west, q.bbox->south,
                  q.bbox->east, q.bbox->north);
    url += "&bounding_box=" + url_encode(number);
  }
  for (const auto& ring : q.polygon) {
    std::string points;
    for (const auto& p : counter_clockwise(ring)) {  // CMR refuses clockwise rings (400)
      std::snprintf(number, sizeof number, "%s%.10g,%.10g", points.empty() ? "" : ",", p.lon,
                    p.lat);
      points += number;
    }
    url += "&polygon%5B%5D=" + url_encode(points);
  }
  if (q.polygon.size() > 1) url += "&options%5Bpolygon%5D%5Bor%5D=true";
  // Cycles by the cycle field of the granule names, as icepyx does: CMR's own cycle[] searches
  // UMM-G Track data, which ICESat-2 granules do not carry (they have Orbit).
  for (const int cycle : q.cycles)
    url += "&readable_granule_name%5B%5D=" +
           url_encode(icesat2_cycle_name_pattern(q.short_name, cycle));
  if (!q.cycles.empty()) url += "&options%5Breadable_granule_name%5D%5Bpattern%5D=true";
  url += "&page_size=" + std::to_string(page_size);
  return url;
}

json stac_search_body(const GranuleQuery& q, const std::string& collection, int limit) {
  json body = {{"collections", {collection}}, {"limit", limit}};
  if (!q.start.empty() || !q.end.empty())
    body["datetime"] = (q.start.empty() ? ".." : q.start) + "/" + (q.end.empty() ? ".." : q.end);
  if (q.bbox) {
    body["bbox"] = {q.bbox->west, q.bbox->south, q.bbox->east, q.bbox->north};
  } else if (!q.polygon.empty()) {
    json polys = json::array();
    for (const auto& r : q.polygon) {
      json ring = json::array();
      for (const auto& p : counter_clockwise(r)) ring.push_back({p.lon, p.lat});
      polys.push_back({ring});
    }
    body["intersects"] = {{"type", "MultiPolygon"}, {"coordinates", polys}};
  }
  return body;
}

Catalog search_cmr(const GranuleQuery& q, const SearchOptions& options) {
  const std::string url = cmr_search_url(q, options.cmr_url, options.page_size);
  Catalog catalog = new_catalog(q, "cmr", url_for_log(url));
  HttpClient client(options.retry.timeout_s);
  std::string search_after;
  long long hits = -1, received = 0;
  for (int page_number = 1;; ++page_number) {
    HttpRequest request;
    request.url = url;
    request.headers = {"Accept: application/vnd.nasa.cmr.umm_results+json, application/json"};
    if (!search_after.empty()) request.headers.push_back("CMR-Search-After: " + search_after);
    const auto response = request_with_retries(client, request, options.retry, "healgrid resolve");
    check_status(response, url);
    const json page = parse_body(response, url);
    const auto hits_header = response.header("cmr-hits");
    hits = !hits_header.empty() ? std::stoll(hits_header) : page.value("hits", -1LL);
    std::vector<CatalogGranule> granules;
    try {
      granules = parse_cmr_umm_page(page);
    } catch (const std::exception& e) {
      throw std::runtime_error(url_for_log(url) + " page " + std::to_string(page_number) + ": " +
                               e.what());
    }
    received += static_cast<long long>(granules.size());
    keep_matching(q, granules, catalog.granules);
    if (!options.quiet)
      std::printf("[resolve] CMR page %d: %lld of %lld granules\n", page_number, received, hits);
    const auto next = response.header("cmr-search-after");
    // Stop at the end of the pages; at the announced count only after a short page: a full
    // one may be followed by more than CMR-Hits said (a duplicate counted), which must fail
    // below, not be dropped unread.
    const bool short_page = static_cast<long long>(granules.size()) < options.page_size;
    if (granules.empty() || next.empty() || (hits >= 0 && received >= hits && short_page) ||
        (hits >= 0 && received > hits))
      break;
    if (next == search_after)
      throw std::runtime_error(url_for_log(url) +
                               ": CMR-Search-After did not advance (paging loop)");
    search_after = next;
  }
  if (hits >= 0 && received != hits)
    throw std::runtime_error(url_for_log(url) + ": CMR-Hits announced " + std::to_string(hits) +
                             " granules but the pages held " + std::to_string(received));
  return catalog;
}

constexpr int kMaxEmptyStacPages = 20;

Catalog search_stac(const GranuleQuery& q, const SearchOptions& options) {
  const std::string collection =
      options.stac_collection.empty() ? q.short_name + "_" + q.version : options.stac_collection;
  StacNextRequest next{"POST", options.stac_url + "/search",
                       stac_search_body(q, collection, options.page_size)};
  Catalog catalog = new_catalog(q, "stac", url_for_log(options.stac_url + "/search"));
  HttpClient client(options.retry.timeout_s);
  std::vector<std::string> seen_requests;
  long long received = 0, matched = -1;
  int empty_pages = 0;  // in a row
  for (int page_number = 1;; ++page_number) {
    HttpRequest request;
    request.method = next.method;
    request.url = next.href;
    request.headers = {"Accept: application/geo+json, application/json"};
    if (next.method == "POST") {
      request.body = next.body.dump();
      request.headers.push_back("Content-Type: application/json");
    }
    const std::string key = request.method + " " + request.url + " " + request.body;
    if (std::find(seen_requests.begin(), seen_requests.end(), key) != seen_requests.end())
      throw std::runtime_error(url_for_log(request.url) +
                               ": STAC next link repeats an earlier request (paging loop)");
    seen_requests.push_back(key);
    const auto response = request_with_retries(client, request, options.retry, "healgrid resolve");
    check_status(response, request.url);
    const json page = parse_body(response, request.url);
    std::vector<CatalogGranule> granules;
    try {
      granules = parse_stac_page(page);
    } catch (const std::exception& e) {
      throw std::runtime_error(url_for_log(request.url) + " page " + std::to_string(page_number) +
                               ": " + e.what());
    }
    received += static_cast<long long>(granules.size());
    keep_matching(q, granules, catalog.granules);
    if (page.contains("numberMatched") && page.at("numberMatched").is_number_integer())
      matched = page.at("numberMatched").get<long long>();
    if (!options.quiet) {
      std::printf("[resolve] STAC page %d: %lld granules so far%s\n", page_number, received,
                  matched >= 0 ? (" of " + std::to_string(matched)).c_str() : "");
    }
    // An empty page with a next link is followed (a server may page past filtered-out items);
    // many in a row end the search as a paging loop.
    auto following = stac_next_request(page, next.body);
    if (!following) break;
    empty_pages = granules.empty() ? empty_pages + 1 : 0;
    if (empty_pages > kMaxEmptyStacPages)
      throw std::runtime_error(url_for_log(request.url) + ": " + std::to_string(empty_pages) +
                               " empty STAC pages in a row, each with a next link (paging loop)");
    next = *following;
  }
  if (matched >= 0 && received != matched)
    throw std::runtime_error(url_for_log(options.stac_url + "/search") +
                             ": STAC numberMatched announced " + std::to_string(matched) +
                             " granules but the pages held " + std::to_string(received));
  return catalog;
}

std::vector<CatalogGranule> parse_cmr_umm_page(const json& page) {
  // A page of unexpected shape is the server's fault: one documented error type for it.
  try {
    return parse_cmr_umm_page_unchecked(page);
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("CMR UMM page: unexpected content: ") + e.what());
  }
}

std::vector<CatalogGranule> parse_cmr_json_feed(const json& page) {
  // A page of unexpected shape is the server's fault: one documented error type for it.
  try {
    return parse_cmr_json_feed_unchecked(page);
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("CMR JSON feed page: unexpected content: ") + e.what());
  }
}

std::vector<CatalogGranule> parse_stac_page(const json& page) {
  // A page of unexpected shape is the server's fault: one documented error type for it.
  try {
    return parse_stac_page_unchecked(page);
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("STAC page: unexpected content: ") + e.what());
  }
}

}  // namespace healgrid
