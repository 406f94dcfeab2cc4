// Map projections of the viewer, in "unit" coordinates (sphere of radius 1, y up). The polar
// ones follow `healgrid render` and the usual polar grids: south polar stereographic oriented
// as EPSG:3031 (0 deg E up), north polar stereographic as EPSG:3413 (45 deg W down). Positions
// are geodetic degrees drawn on the sphere: fine for display, not for measuring.
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
    home: { cx: 0, cy: 0, halfHeight: 0.62 },
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
    home: { cx: 0, cy: 0, halfHeight: 0.62 },
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
    home: { cx: 0, cy: 0, halfHeight: 1.45 },
    // Longitudes wrap at +-180: a cell across it would span the map.
    wraps: true,
  },
};
