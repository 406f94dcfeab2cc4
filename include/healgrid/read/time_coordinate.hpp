// How a granule's time coordinate becomes UTC (POSIX seconds), with the epoch taken from the
// file, never a constant of the code: the time dataset's CF `units` "<seconds|minutes|hours|days>
// since <UTC date and time>", in the standard calendar (a CF `calendar` other than standard /
// gregorian / proleptic_gregorian is refused; standard and gregorian, CF's mixed calendar, read
// an epoch before 1582-10-15 as a Julian date, as cftime does). ICESat-2 granules also hold
// /ancillary_data/atlas_sdp_gps_epoch (GPS seconds: epoch + value goes to UTC through the
// leap-second table, for every value, not only the epoch; a NaN, fill or negative epoch is
// refused): it is used when the units give no usable "<unit> since <date>", and when they agree
// with it (seconds, the same instant within 1 s in UTC or read on the GPS time scale); units that
// disagree with it (another unit, another epoch) are refused, naming both.
#pragma once

#include <hdf5.h>

#include <limits>
#include <string>

namespace healgrid {

struct TimeBase {
  double scale = 1;   // seconds per stored unit
  double offset = 0;  // POSIX seconds of the stored value 0
  // GPS seconds since an epoch (ICESat-2): stored values in [steady_from, steady_until) are
  // as many leap seconds from UTC as the epoch; the others are corrected through the table.
  double steady_from = -std::numeric_limits<double>::infinity();
  double steady_until = std::numeric_limits<double>::infinity();
  double gps_epoch = 0;  // GPS seconds of the stored value 0 (when the span is finite)
  // CF units whose epoch is 29 February of a year only the Julian calendar makes a leap year
  // (1500-02-29): `offset` is then 1 March's, a date of the mixed standard calendar only.
  bool julian_leap_day = false;
  double utc(double value) const {
    return value >= steady_from && value < steady_until ? value * scale + offset
                                                        : across_leap_seconds(value);
  }
  double across_leap_seconds(double value) const;
  // utc(value) rounded down when the sum is not exact: `utc_floor(v) < B` holds exactly when
  // the stored instant is before a boundary B (a double: window starts, --start/--end). The
  // rounded sum put instants within half a step of B (1.2e-7 s at today's POSIX seconds, where
  // ATL03 photon times resolve nanoseconds) on B's side. Exact when `offset` is (whole seconds).
  double utc_floor(double value) const;
};

// Throws CfAttributeError (read/cf_decoding.hpp) when the file gives no usable epoch.
// `config_units` (config coordinates.time_units; "" for none) stands for a dataset without
// units; a dataset with units of its own must give the same scale and epoch.
TimeBase read_time_base(hid_t file, hid_t time_dataset, const std::string& config_units = "");

}  // namespace healgrid
