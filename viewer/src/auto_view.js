// The view a file opens in: the projection `healgrid render` would choose for it, zoomed to the
// data. The rule is render/auto_projection.hpp's, with its thresholds (a unit test checks that
// these numbers are the header's):
//   every cell beyond 45 deg of one hemisphere               polar stereographic of it
//   spanning > 100 deg of latitude or > 150 deg of longitude  the globe (Equal Earth here,
//                                                             Mollweide in render)
//   otherwise   Lambert azimuthal equal-area centred on the middle of the latitude range and of
//               the longitude arc (across the antimeridian too), rounded to 0.01 deg
// The viewer applies it to the centres of the cells with data at the finest order that has at
// most FIT_CELLS of them: the file's own cells (as render does) for most regional files, a
// coarser order for continental ones (dense or sparse); a running job's planned parent cells
// before the output.
import { cellCenter } from './healpix.js';
import { authalicToGeodetic } from './latitude.js';

export const POLAR_BEYOND_LATITUDE = 45;
export const GLOBAL_LATITUDE_SPAN = 100;
export const GLOBAL_LONGITUDE_SPAN = 150;
const FILL = 0.9;  // share of the map's width or height the data's extent fills
const FIT_CELLS = 20000;

// { level, ids } of the cells with data (any variable) at the finest order with at most
// FIT_CELLS of them, over ALL the file's cells (ids ascending, so a coarser id repeats only in a
// run): dense or sparse, the fit never stops at the first FIT_CELLS ids.
export function cellsForFit(ds) {
  const values = ds.variables.map((v) => v.values);
  const hasData = (i) => values.some((v) => v[i] === v[i]);
  const start = Math.max(0, ds.childOrder - Math.max(0, Math.ceil(Math.log(ds.count / FIT_CELLS) / Math.log(4))));
  for (let level = start; level >= 0; level--) {
    const group = 4 ** (ds.childOrder - level);
    const ids = [];
    let last = -1;
    for (let i = 0; i < ds.count && ids.length <= FIT_CELLS; i++) {
      if (!hasData(i)) continue;
      const id = Math.floor(Number(ds.cellIds[i]) / group);
      if (id !== last) { ids.push(id); last = id; }
    }
    if (ids.length <= FIT_CELLS) return { level, ids };
  }
  return { level: 0, ids: [] };
}

// Longitude span covered by `lons` (360 minus the largest gap) and the middle of that arc.
export function longitudeSpan(lons) {
  if (lons.length < 2) return { span: 0, centre: lons[0] ?? 0 };
  const s = Float64Array.from(lons).sort();
  let gap = s[0] + 360 - s[s.length - 1], gapEnd = s[0];
  for (let i = 1; i < s.length; i++) if (s[i] - s[i - 1] > gap) { gap = s[i] - s[i - 1]; gapEnd = s[i]; }
  const span = 360 - gap;
  let centre = gapEnd + span / 2;
  centre -= 360 * Math.round(centre / 360);  // IEEE remainder, as std::remainder
  return { span, centre };
}

// { key, centre } of the projection for data at geodetic (lons, lats).
export function chooseProjection(lons, lats) {
  if (!lats.length) return { key: 'global' };
  let lo = Infinity, hi = -Infinity;
  for (const v of lats) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (hi <= -POLAR_BEYOND_LATITUDE) return { key: 'south' };
  if (lo >= POLAR_BEYOND_LATITUDE) return { key: 'north' };
  const { span, centre } = longitudeSpan(lons);
  if (hi - lo > GLOBAL_LATITUDE_SPAN || span > GLOBAL_LONGITUDE_SPAN) return { key: 'global' };
  const round2 = (v) => Math.round(v * 100) / 100;
  return { key: 'laea', centre: [round2(centre), round2((lo + hi) / 2)] };
}

// Geodetic centres of `ids` (Numbers) at `order`.
export function centresOf(ids, order, authalic, toFaceXY) {
  const lons = [], lats = [];
  for (const id of ids) {
    const { face, x, y } = toFaceXY(id, order);
    const [lon, lat] = cellCenter(face, x, y, order);
    lons.push(lon);
    lats.push(authalic ? authalicToGeodetic(lat) : lat);
  }
  return { lons, lats };
}

// { cx, cy, k } showing the unit-coordinate box of every projectable point (plus `margin` units
// around each) in a width x height map; null when none projects.
export function fitView(projection, lons, lats, margin, width, height) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < lons.length; i++) {
    const p = projection.forward(lons[i], lats[i]);
    if (!p) continue;
    x0 = Math.min(x0, p[0] - margin); x1 = Math.max(x1, p[0] + margin);
    y0 = Math.min(y0, p[1] - margin); y1 = Math.max(y1, p[1] + margin);
  }
  if (!(x1 >= x0)) return null;
  const k = FILL * Math.min(width / Math.max(x1 - x0, 1e-9), height / Math.max(y1 - y0, 1e-9));
  return { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, k };
}
