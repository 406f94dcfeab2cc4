// Latitude conventions. HEALPix is defined on the sphere; to make equal-area cells on the WGS84
// ellipsoid, geodetic latitude is first mapped to authalic latitude (the latitude on the sphere
// of equal surface area), as CF's healpix grid mapping and the mortie/zagg ecosystem do.
#pragma once

#include <cstddef>

namespace healgrid {

// WGS84 geodetic latitude (degrees, [-90, 90]) to authalic latitude (degrees). Exact formula
// (Snyder 1987, eq. 3-11/3-12); odd, monotonic, fixed points at 0 and +-90.
double geodetic_to_authalic_deg(double geodetic_deg);

// sin(authalic latitude) from sin(geodetic latitude): q(phi) / q(90 deg). This is what HEALPix
// binning needs (z = cos(theta)); computing it directly costs one polynomial, no asin/log.
// Agrees with sin(geodetic_to_authalic_deg(...)) to ~1e-16.
double authalic_z_from_sin(double sin_geodetic);
// The same for n values at once (SIMD, the same result for each); s and z may be one array.
void authalic_z_from_sin(const double* s, double* z, std::size_t n);

// The inverse, by Newton iteration to full double precision.
double authalic_to_geodetic_deg(double authalic_deg);

}  // namespace healgrid
