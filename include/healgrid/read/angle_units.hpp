// The unit of a coordinate dataset, from its CF `units` attribute: healgrid bins degrees
// (latitude north-positive, longitude east-positive). No units, or a spelling of degrees (CF's
// degrees_north / degree_north / degree_N / degrees_N / degreeN / degreesN on a latitude, their
// _east forms on a longitude, and plain "degrees", "degree", "deg", "decimal degrees",
// "arc_degree", the degree sign) is degrees; "radians" / "radian" / "rad" is converted.
// Anything else would bin wrong cells with no error, so it is refused: a length (projected
// x / y given as coordinates), the other axis's degrees (degrees_east on the latitude: swapped
// coordinates), degrees_south / degrees_west (the opposite sign), any unit healgrid does not
// know. Case and surrounding spaces are ignored.
#pragma once

#include <string>

namespace healgrid {

enum class CoordinateAxis { latitude, longitude };

// Degrees per stored unit: 1, or 180/pi for radians. Throws CfAttributeError (cf_decoding.hpp)
// naming the units and what healgrid needs.
double degrees_per_unit(const std::string& units, CoordinateAxis axis);

}  // namespace healgrid
