// How a granule's time coordinate becomes UTC (POSIX seconds), with the epoch taken from the
// file, never a constant of the code: the time dataset's CF `units` "<seconds|minutes|hours|days>
// since <UTC date and time>", in the standard calendar (a CF `calendar` other than standard /
// gregorian / proleptic_gregorian is refused; standard and gregorian, CF's mixed calendar, read
// an epoch before 1582-10-15 as a Julian date, as cftime does). ICESat-2 granules also hold
// /ancillary_data/atlas_sdp_gps_epoch (GPS seconds; GPS -> UTC through the leap-second table):
// it is used when the units give no usable "<unit> since <date>", and when they agree with it
// (seconds, the same instant within 1 s in UTC or read on the GPS time scale); units that
// disagree with it (another unit, another epoch) are refused, naming both.
#pragma once

#include <hdf5.h>

namespace healgrid {

struct TimeBase {
  double scale = 1;   // seconds per stored unit
  double offset = 0;  // POSIX seconds of the stored value 0
  double utc(double value) const { return value * scale + offset; }
};

// Throws CfAttributeError (read/cf_decoding.hpp) when the file gives no usable epoch.
TimeBase read_time_base(hid_t file, hid_t time_dataset);

}  // namespace healgrid
