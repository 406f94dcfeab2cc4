// How a granule's time coordinate becomes UTC (POSIX seconds), with the epoch taken from the
// file, never a constant of the code: ICESat-2 and GEDI-style granules hold
// /ancillary_data/atlas_sdp_gps_epoch (GPS seconds; the time dataset counts seconds from it, and
// GPS -> UTC goes through the leap-second table); otherwise the time dataset's CF `units`
// "<seconds|minutes|hours|days> since <UTC date and time>", in the standard calendar (a CF
// `calendar` other than standard / gregorian / proleptic_gregorian is refused).
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
