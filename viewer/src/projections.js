// Map projections of the viewer, in "unit" coordinates (sphere of radius 1, y up). The polar
// ones follow `healgrid render` and the usual polar grids: south polar stereographic oriented
// as EPSG:3031 (0 deg E up), north polar stereographic as EPSG:3413 (45 deg W down). Positions
// are geodetic degrees drawn on the sphere: fine for display, not for measuring. `laea(lon0,
// lat0)` is Lambert azimuthal equal-area centred on the data (the choice of auto_view.js).
// `home`: the unit-coordinate half extents shown whole by "reset view".
import { geoEqualEarthRaw } from 'd3-geo';

const RAD = Math.PI / 180;

function wrapLon(lon) {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}

export const PROJECTIONS = {
  south: {
    label: 'South polar stereographic',
    // The hemisphere plus a margin; farther points would blow up towards infinity.
    forward(lon, lat) {
      if (lat > 30) return null;
      const rho = 2 * Math.tan(Math.PI / 4 + (lat * RAD) / 2);
      return [rho * Math.sin(lon * RAD), rho * Math.cos(lon * RAD)];
    },
    inverse(x, y) {
      const rho = Math.hypot(x, y);
      return [Math.atan2(x, y) / RAD, (2 * Math.atan(rho / 2) - Math.PI / 2) / RAD];
    },
    home: { cx: 0, cy: 0, halfWidth: 0.62, halfHeight: 0.62 },
    wraps: false,
  },
  north: {
    label: 'North polar stereographic',
    forward(lon, lat) {
      if (lat < -30) return null;
      const rho = 2 * Math.tan(Math.PI / 4 - (lat * RAD) / 2);
      const l = (lon + 45) * RAD;
      return [rho * Math.sin(l), -rho * Math.cos(l)];
    },
    inverse(x, y) {
      const rho = Math.hypot(x, y);
      return [wrapLon(Math.atan2(x, -y) / RAD - 45), (Math.PI / 2 - 2 * Math.atan(rho / 2)) / RAD];
    },
    home: { cx: 0, cy: 0, halfWidth: 0.62, halfHeight: 0.62 },
    wraps: false,
  },
  global: {
    label: 'Global (Equal Earth)',
    forward(lon, lat) {
      return geoEqualEarthRaw(lon * RAD, lat * RAD);
    },
    inverse(x, y) {
      const [l, p] = geoEqualEarthRaw.invert(x, y);
      if (!Number.isFinite(l) || Math.abs(l) > Math.PI + 1e-9 || Math.abs(p) > Math.PI / 2) return null;
      return [l / RAD, p / RAD];
    },
    // The whole globe: x reaches 2.7058 at +-180 deg on the equator, y 1.3173 at the poles.
    home: { cx: 0, cy: 0, halfWidth: 2.75, halfHeight: 1.36 },
    // Longitudes wrap at +-180: a cell across it would span the map.
    wraps: true,
  },
};

// Lambert azimuthal equal-area on the unit sphere centred on (lon0, lat0) (Snyder 1987, 24),
// clipped beyond 120 degrees from the centre, where the far side would fold onto the rim.
export function laea(lon0, lat0) {
  const l0 = lon0 * RAD, p0 = lat0 * RAD, s0 = Math.sin(p0), c0 = Math.cos(p0);
  return {
    label: `Local equal-area (${lat0.toFixed(2)}, ${lon0.toFixed(2)})`,
    centre: [lon0, lat0],
    forward(lon, lat) {
      const p = lat * RAD, dl = lon * RAD - l0;
      const cosc = s0 * Math.sin(p) + c0 * Math.cos(p) * Math.cos(dl);
      if (cosc < -0.5) return null;
      const k = Math.sqrt(2 / (1 + cosc));
      return [k * Math.cos(p) * Math.sin(dl), k * (c0 * Math.sin(p) - s0 * Math.cos(p) * Math.cos(dl))];
    },
    inverse(x, y) {
      const rho = Math.hypot(x, y);
      if (rho > Math.sqrt(3)) return null;  // beyond the 120-degree clip
      if (rho < 1e-15) return [lon0, lat0];
      const c = 2 * Math.asin(rho / 2), sc = Math.sin(c), cc = Math.cos(c);
      const lat = Math.asin(cc * s0 + (y * sc * c0) / rho);
      const lon = l0 + Math.atan2(x * sc, rho * c0 * cc - y * s0 * sc);
      return [wrapLon(lon / RAD), lat / RAD];
    },
    home: { cx: 0, cy: 0, halfWidth: 0.5, halfHeight: 0.5 },
    wraps: false,
  };
}

// The projection of `key` ('south', 'north', 'global', or 'laea' with `centre` [lon0, lat0]).
export function projectionOf(key, centre) {
  if (key === 'laea') return laea(centre?.[0] ?? 0, centre?.[1] ?? 0);
  return PROJECTIONS[key];
}
