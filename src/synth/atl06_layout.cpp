// Writes ATL06 release-006 layout files; see atl06_layout.hpp. Dataset and attribute texts
// follow NASA's (abbreviated where long); dtypes, shapes, chunking and filters match exactly.
#include "atl06_layout.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "healgrid/io/h5_writer.hpp"

namespace healgrid::synth_layout {
namespace {

constexpr const char* kCoords = "delta_time latitude longitude";
constexpr const char* kDeltaTimeDescription =
    "Number of GPS seconds since the ATLAS SDP epoch. The ATLAS Standard Data Products (SDP) "
    "epoch offset is defined within /ancillary_data/atlas_sdp_gps_epoch as the number of GPS "
    "seconds between the GPS epoch (1980-01-06T00:00:00.000000Z UTC) and the ATLAS SDP epoch. By "
    "adding the offset contained within atlas_sdp_gps_epoch to delta time parameters, the time in "
    "gps_seconds relative to the GPS epoch can be computed.";
constexpr const char* kQualityDescription =
    "The ATL06_quality_summary parameter indicates the best-quality subset of all ATL06 data. A "
    "zero in this parameter implies that no data-quality tests have found a problem with the "
    "segment, a one implies that some potential problem has been found. Users who select only "
    "segments with zero values for this flag can be relatively certain of obtaining high-quality "
    "data, but will likely miss a significant fraction of usable data, particularly in cloudy, "
    "rough, or low-surface-reflectance conditions.";

io::H5Meta aux(const char* long_name, const char* description, const char* units = "1") {
  return {long_name, units, description, "auxiliaryInformation", nullptr, "Derived", nullptr};
}
io::H5Meta orbit_meta(const char* long_name, const char* description, const char* units,
                      const char* coordinates = "crossing_time") {
  return {long_name, units, description, "referenceInformation", coordinates, "POD/PPD", nullptr};
}

void write_beam(const io::H5Writer& w, hid_t file, int b, int orient, const BeamColumns& d) {
  const int pair = b / 2;
  const std::string name = orbit::beam_name(b);
  const H5Handle g = w.group(file, name);
  w.attr_str(
      g, "Description",
      "Contains subgroups organized by Ground Track (gt1l, gt1r, gt2l, gt2r, gt3l and gt3r)");
  w.attr_str(g, "atlas_beam_type", orbit::strong_beam(b, orient) ? "strong" : "weak");
  w.attr_str(g, "atlas_pce", "pce" + std::to_string(orient == 1 ? 3 - pair : pair + 1));
  w.attr_str(g, "atlas_spot_number", std::to_string(orient == 1 ? 6 - b : b + 1));
  w.attr_str(g, "atmosphere_profile", "profile_" + std::to_string(pair + 1));
  w.attr_str(g, "groundtrack_id", name);
  w.attr_str(g, "sc_orientation", orient == 1 ? "Forward" : "Backward");

  const H5Handle s = w.group(g, "land_ice_segments");
  w.attr_str(s, "Description",
             "The land_ice_height group contains the primary set of derived ATL06 products. This "
             "includes geolocation, height, and standard error and quality measures for each "
             "segment. This group is sparse, meaning that parameters are provided only for pairs "
             "of segments for which at least one beam has a valid surface-height measurement.");
  w.attr_str(s, "data_rate",
             "Data within this group are sparse.  Data values are provided only for those "
             "ICESat-2 20m segments where at least one beam has a valid land ice height "
             "measurement.");
  const std::int8_t q_fill = kQualityFill;
  const std::int32_t seg_fill = kSegmentFill;
  const float f_fill = kFloatFill;
  {
    const auto q = w.column(s, "atl06_quality_summary", d.quality,
                            {"ATL06_Quality_Summary", "1", kQualityDescription,
                             "qualityInformation", kCoords, "section 4.3", nullptr},
                            &q_fill);
    w.attr_str(q, "flag_meanings", "best_quality potential_problem");
    w.attr_vec<std::int8_t>(q, "flag_values", {0, 1});
    w.attr_num<std::int8_t>(q, "valid_max", 1);
    w.attr_num<std::int8_t>(q, "valid_min", 0);
  }
  w.column<double>(s, "delta_time", d.time,
                   {"Elapsed GPS seconds", "seconds since 2018-01-01", kDeltaTimeDescription,
                    "referenceInformation", "latitude longitude", "section 4.4", "time"},
                   nullptr);
  w.column(s, "h_li", d.h,
           {"Land Ice height", "meters",
            "Standard land-ice segment height determined by land ice algorithm, corrected for "
            "first-photon bias, representing the median- based height of the selected PEs",
            "physicalMeasurement", kCoords, "section 4.4", nullptr},
           &f_fill);
  w.column(s, "h_li_sigma", d.sigma,
           {"Expected RMS segment misfit", "meters",
            "Propagated error due to sampling error and FPB correction from the land ice "
            "algorithm",
            "qualityInformation", kCoords, "section 4.4", nullptr},
           &f_fill);
  const auto lat =
      w.column<double>(s, "latitude", d.lat,
                       {"Latitude", "degrees_north", "Latitude of segment center, WGS84, North=+,",
                        "physicalMeasurement", "delta_time longitude", "section 3.10", "latitude"},
                       nullptr);
  w.attr_num(lat, "valid_max", 90.0);
  w.attr_num(lat, "valid_min", -90.0);
  const auto lon =
      w.column<double>(s, "longitude", d.lon,
                       {"Longitude", "degrees_east", "Longitude of segment center, , WGS84, East=+",
                        "physicalMeasurement", "delta_time latitude", "section 3.10", "longitude"},
                       nullptr);
  w.attr_num(lon, "valid_max", 180.0);
  w.attr_num(lon, "valid_min", -180.0);
  w.column(s, "segment_id", d.segment,
           {"Reference Point, m", "1",
            "Segment number, counting from the equator. Equal to the segment_id for the second "
            "of the two 20m ATL03 segments included in the 40m ATL06 segment",
            "referenceInformation", kCoords, "section 3.1.2.1", nullptr},
           &seg_fill);
  w.column(s, "sigma_geo_h", d.geo,
           {"Vertical Geolocation Error", "meters",
            "Total vertical geolocation error due to PPD and POD, including the effects of "
            "horizontal geolocation error on the segment vertical error.",
            "qualityInformation", kCoords, "section 3.10", nullptr},
           &f_fill);
}

void write_orbit_info(const io::H5Writer& w, hid_t file, const SynthGranule& g) {
  const H5Handle o = w.group(file, "orbit_info");
  w.attr_str(o, "Description",
             "Contains data that are common among all beams for the granule.  These parameters "
             "are constants for a given granule.");
  w.attr_str(o, "data_rate", "These parameters are constant for a given granule.");
  const int orient = orbit::sc_orient(g.cycle);
  const int orbit_number = (g.cycle - 1) * orbit::kRgtsPerCycle + g.rgt;
  w.single(o, "crossing_time", orbit::node_delta_time(g.rgt, g.cycle), false,
           {"Ascending Node Crossing Time", "seconds since 2018-01-01",
            "The time, in seconds since the ATLAS SDP GPS Epoch, at which the ascending node "
            "crosses the equator.",
            "referenceInformation", nullptr, "POD/PPD", "time"});
  const auto cycle = w.single(o, "cycle_number", static_cast<std::int8_t>(g.cycle), false,
                              orbit_meta("Cycle Number",
                                         "Tracks the number of 91-day cycles in the mission, "
                                         "beginning with 01.",
                                         "counts"));
  w.valid_range<std::int8_t>(cycle, 0, 50);  // NASA's range, though cycles pass 50
  const auto lan = w.single(o, "lan", orbit::node_longitude_deg(g.rgt), false,
                            orbit_meta("Ascending Node Longitude",
                                       "Longitude at the ascending node crossing.", "degrees_east"),
                            6);
  w.valid_range(lan, -180.0, 180.0);
  // u16 in NASA's files; orbits past 65000 (cycle 47 on) are clamped to its valid_max.
  const auto orbit_no =
      w.single(o, "orbit_number", static_cast<std::uint16_t>(std::min(orbit_number, 65000)), false,
               orbit_meta("Orbit Number",
                          "Unique identifying number for each planned ICESat-2 orbit.", "1"));
  const auto rgt = w.single(o, "rgt", static_cast<std::int16_t>(g.rgt), false,
                            orbit_meta("Reference Ground track",
                                       "The reference ground track (RGT) is the track on the earth "
                                       "at which a specified unit vector within the observatory is "
                                       "pointed. The ICESat-2 mission has 1387 RGTs.",
                                       "counts"));
  w.valid_range<std::uint16_t>(orbit_no, 1, 65000);
  w.valid_range<std::int16_t>(rgt, 1, 1387);
  const auto sco = w.single(o, "sc_orient", static_cast<std::int8_t>(orient), false,
                            orbit_meta("Spacecraft Orientation",
                                       "This parameter tracks the spacecraft orientation between "
                                       "forward, backward and transitional flight modes.",
                                       "1", "sc_orient_time"));
  w.attr_str(sco, "flag_meanings", "backward forward transition");
  w.attr_vec<std::int8_t>(sco, "flag_values", {0, 1, 2});
  w.valid_range<std::int8_t>(sco, 0, 2);
  w.single(o, "sc_orient_time", orbit::sc_orient_time(g.cycle), false,
           {"Time of Last Spacecraft Orientation Change", "seconds since 2018-01-01",
            "The time of the last spacecraft orientation change between forward, backward and "
            "transitional flight modes, expressed in seconds since the ATLAS SDP GPS Epoch.",
            "referenceInformation", nullptr, "POD/PPD", "time"});
}

struct Extent {
  double t0, t1, lat0, lat1, lon0, lon1;
};

void write_ancillary(const io::H5Writer& w, hid_t file, const SynthGranule& g, const Extent& e,
                     double g0, double g1) {
  const H5Handle a = w.group(file, "ancillary_data");
  w.attr_str(a, "Description",
             "Contains information ancillary to the data product. This may include product "
             "characteristics, instrument characteristics and/or processing constants.");
  w.attr_str(a, "data_rate", "Data within this group pertain to the granule in its entirety.");
  w.single(a, "atlas_sdp_gps_epoch", orbit::kAtlasSdpGpsEpoch, true,
           {"ATLAS Epoch Offset", "seconds since 1980-01-06T00:00:00.000000Z",
            "Number of GPS seconds between the GPS epoch (1980-01-06T00:00:00.000000Z UTC) and the "
            "ATLAS Standard Data Product (SDP) epoch (2018-01-01:T00.00.00.000000 UTC). Add this "
            "value to delta time parameters to compute full gps_seconds (relative to the GPS "
            "epoch) for each data point.",
            "auxiliaryInformation", nullptr, "Operations", nullptr});
  const orbit::Span span = orbit::region_span(g.region);
  const int orbit_number = (g.cycle - 1) * orbit::kRgtsPerCycle + g.rgt;
  for (const bool start : {true, false}) {
    const std::string p = start ? "start_" : "end_", ing = start ? "Starting " : "Ending ";
    const std::string first = start ? "first" : "last", of = start ? "starting " : "ending ";
    // NASA's long names and descriptions, built from the parts they share.
    auto meta = [&](const std::string& thing, std::string& long_name, std::string& description) {
      long_name = ing + thing;
      description =
          "The " + of + thing + " associated with the data contained within this granule.";
      return aux(long_name.c_str(), description.c_str());
    };
    std::string ln, de;
    const double t = start ? e.t0 : e.t1;
    const double gps = t + orbit::kAtlasSdpGpsEpoch;
    const int week = static_cast<int>(std::floor(gps / 604800.0));
    const double x = orbit::kEarthRadiusM * (start ? span.begin : span.end);
    w.valid_range(w.single(a, (p + "cycle").c_str(), g.cycle, true, meta("Cycle", ln, de)), 0, 99);
    w.single(a, (p + "geoseg").c_str(), orbit::segment_id_at(x), true,
             meta("Geolocation Segment", ln, de));
    w.single(a, (p + "orbit").c_str(), orbit_number, true, meta("Orbit Number", ln, de));
    w.single(a, (p + "region").c_str(), g.region, true, meta("Region", ln, de));
    w.valid_range(
        w.single(a, (p + "rgt").c_str(), g.rgt, true, meta("Reference Groundtrack", ln, de)), 1,
        1387);
    ln = std::string("ATLAS ") + (start ? "Start" : "End") + " Time (Actual)";
    const auto dt = w.single(a, (p + "delta_time").c_str(), t, true,
                             aux(ln.c_str(), kDeltaTimeDescription, "seconds since 2018-01-01"));
    w.attr_str(dt, "standard_name", "time");
    de = "GPS seconds-of-week of the " + first + " data point in the granule.";
    ln = ing + "GPS SOW of Granule (Actual)";
    w.single(a, (p + "gpssow").c_str(), gps - week * 604800.0, true,
             aux(ln.c_str(), de.c_str(), "seconds"));
    de = "GPS week number of the " + first + " data point in the granule.";
    ln = ing + "GPSWeek of Granule (Actual)";
    w.single(a, (p + "gpsweek").c_str(), week, true,
             aux(ln.c_str(), de.c_str(), "weeks from 1980-01-06"));
    de = "UTC (in CCSDS-A format) of the " + first + " data point within the granule.";
    ln = std::string(start ? "Start" : "End") + " UTC Time of Granule (CCSDS-A, Actual)";
    w.single_str(a, start ? "data_start_utc" : "data_end_utc", orbit::utc_ccsds(t), 0,
                 aux(ln.c_str(), de.c_str()));
    de = std::string("Requested ") + (start ? "start" : "end") +
         " time (in UTC CCSDS-A) of this granule.";
    ln = std::string(start ? "Start" : "End") + " UTC Time of Granule (CCSDS-A, Requested)";
    w.single_str(a, start ? "granule_start_utc" : "granule_end_utc",
                 orbit::utc_ccsds(start ? g0 : g1), 0, aux(ln.c_str(), de.c_str()));
  }
  w.single_str(a, "release", "006", 80, aux("Release Number", "Release number of the granule."));
  w.single_str(a, "version", "01", 80, aux("Version", "Version number of this granule."));
}

}  // namespace

void write_atl06_file(const std::string& path, const SynthGranule& g, std::uint64_t seed,
                      const Beams& beams) {
  const io::H5QuietErrors quiet;
  const io::H5Writer w(path);
  // Default (sequential) access even in an MPI build: each rank writes whole files alone.
  H5Handle file = w.own(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                        "cannot create file");
  const orbit::Span span = orbit::region_span(g.region);
  const orbit::GroundTrack track(g.rgt, g.cycle);
  // Requested granule times are whole seconds, as in NASA's files.
  const double g0 = std::floor(track.delta_time(span.begin));
  const double g1 = std::ceil(track.delta_time(span.end));
  Extent e{g0, g1, 0, 0, 0, 0};
  bool any = false;
  for (const BeamColumns& b : beams) {
    if (b.time.empty()) continue;
    const auto [lat0, lat1] = std::minmax_element(b.lat.begin(), b.lat.end());
    const auto [lon0, lon1] = std::minmax_element(b.lon.begin(), b.lon.end());
    if (!any) e = {b.time.front(), b.time.back(), *lat0, *lat1, *lon0, *lon1};
    e = {std::min(e.t0, b.time.front()), std::max(e.t1, b.time.back()), std::min(e.lat0, *lat0),
         std::max(e.lat1, *lat1),        std::min(e.lon0, *lon0),       std::max(e.lon1, *lon1)};
    any = true;
  }
  const std::pair<const char*, std::string> text[] = {
      {"Conventions", "CF-1.6"},
      {"date_type", "UTC"},
      {"description",
       "Land ice surface heights for each beam, along and across-track slopes calculated for "
       "beam pairs.  All parameters are calculated for the same along-track increments for each "
       "beam and repeat."},
      {"featureType", "trajectory"},
      {"geospatial_lat_units", "degrees_north"},
      {"geospatial_lon_units", "degrees_east"},
      {"granule_type", "ATL06"},
      {"history", "Synthetic granule written by healgrid synth (seed " + std::to_string(seed) +
                      "); not NASA data."},
      {"identifier_file_product_type", "ATL06"},
      {"identifier_product_type", "ATL06"},
      {"instrument", "ATLAS > Advanced Topographic Laser Altimeter System"},
      {"level", "3A"},
      {"platform", "ICESat-2 > Ice, Cloud, and land Elevation Satellite-2"},
      {"processing_level", "3A"},
      {"short_name", "ATL06"},
      {"source", "Spacecraft"},
      {"spatial_coverage_type", "Horizontal"},
      {"standard_name_vocabulary", "CF-1.6"},
      {"time_coverage_end", orbit::utc_ccsds(g1)},
      {"time_coverage_start", orbit::utc_ccsds(g0)},
      {"time_type", "CCSDS UTC-A"},
      {"title", "ATLAS/ICESat-2 L3A Land Ice Height"}};
  for (const auto& [key, value] : text) w.attr_str(file, key, value);
  w.attr_num(file, "geospatial_lat_max", e.lat1);
  w.attr_num(file, "geospatial_lat_min", e.lat0);
  w.attr_num(file, "geospatial_lon_max", e.lon1);
  w.attr_num(file, "geospatial_lon_min", e.lon0);
  w.attr_num(file, "time_coverage_duration", g1 - g0);

  write_ancillary(w, file, g, e, g0, g1);
  for (int b = 0; b < orbit::kBeams; ++b) {
    write_beam(w, file, b, orbit::sc_orient(g.cycle), beams[b]);
  }
  write_orbit_info(w, file, g);
  if (file.close() < 0) w.fail("cannot close file");
}

}  // namespace healgrid::synth_layout
