// WGS84 geodetic <-> authalic latitude. healgrid bins authalic latitudes (the sphere of equal
// area); the viewer draws geodetic ones, so corners and centres pass through
// authalicToGeodetic, and the hovered geodetic position through geodeticToAuthalic.

const E2 = 0.00669437999014;  // WGS84 first eccentricity squared
const E = Math.sqrt(E2);
const DEG = Math.PI / 180;

// q(phi) of Snyder (1987) eq. 3-12, proportional to the area from the equator to phi.
function qOf(sinPhi) {
  const es = E * sinPhi;
  return (1 - E2) * (sinPhi / (1 - es * es) - Math.log((1 - es) / (1 + es)) / (2 * E));
}
const QP = qOf(1);

// Exact: beta = asin(q(phi) / q(90 deg)).
export function geodeticToAuthalic(latDeg) {
  if (latDeg >= 90) return 90;
  if (latDeg <= -90) return -90;
  return Math.asin(Math.max(-1, Math.min(1, qOf(Math.sin(latDeg * DEG)) / QP))) / DEG;
}

// Snyder (1987) eq. 3-18: phi = beta + A2 sin 2beta + A4 sin 4beta + A6 sin 6beta; the omitted
// higher terms stay below 3e-10 rad (2 mm on the ground), far under any cell size.
const A2 = E2 / 3 + (31 * E2 * E2) / 180 + (517 * E2 * E2 * E2) / 5040;
const A4 = (23 * E2 * E2) / 360 + (251 * E2 * E2 * E2) / 3780;
const A6 = (761 * E2 * E2 * E2) / 45360;

export function authalicToGeodetic(latDeg) {
  const b = latDeg * DEG;
  return (b + A2 * Math.sin(2 * b) + A4 * Math.sin(4 * b) + A6 * Math.sin(6 * b)) / DEG;
}
