// Coastlines from the machine that serves the viewer: `healgrid view` answers
// /api/coastlines.json with the GSHHG shorelines (Debian's gmt-gshhg files) in a box around the
// data, decimated (render/coastline_json.hpp). Drawn over the cells, on by default.
import { toScreen } from './renderer.js';

const STYLE = {
  coast: ['#111', 1.3], ice_front: ['#1d3f8f', 1.3], grounding_line: ['#8a2be2', 1.0],
  lake: ['#2d6db5', 0.8], island_in_lake: ['#111', 0.8], pond: ['#2d6db5', 0.6],
};
export const COAST_RGB = [17, 17, 17];

// The request for geodetic points (lons, lats) of the data: their box plus `marginDeg`, with a
// decimation about 1/1500 of the box (coarse enough for a whole-map view, a few km at most).
export function coastlineUrl(lons, lats, marginDeg = 5) {
  if (!lats.length) return 'api/coastlines.json?tolerance=0.2';
  const latMin = Math.max(-90, Math.min(...lats) - marginDeg), latMax = Math.min(90, Math.max(...lats) + marginDeg);
  let west = -180, east = 180;
  const lo = Math.min(...lons), hi = Math.max(...lons);
  const polar = latMax >= 89 || latMin <= -89;
  if (!polar && hi - lo < 180) { west = lo - marginDeg; east = hi + marginDeg; }
  const tolerance = Math.min(0.2, Math.max(0.002, (latMax - latMin) / 1500));
  const f = (v) => v.toFixed(3);
  return `api/coastlines.json?lat_min=${f(latMin)}&lat_max=${f(latMax)}&lon_west=${f(west)}&lon_east=${f(east)}&tolerance=${tolerance.toFixed(4)}`;
}

export async function fetchCoastlines(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${r.status}: ${(await r.text()).trim()}`);
  return r.json();
}

// Draws `data` ({ lines: [{ kind, points }] }); returns the number of segments drawn.
export function drawCoastlines(ctx, view, projection, data) {
  let drawn = 0;
  ctx.save();
  ctx.lineJoin = 'round';
  for (const line of data.lines) {
    const [color, width] = STYLE[line.kind] ?? STYLE.coast;
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.beginPath();
    let prev = null, any = false;
    const p = line.points;
    for (let i = 0; i < p.length; i += 2) {
      const q = projection.forward(p[i], p[i + 1]);
      if (!q) { prev = null; continue; }
      const s = toScreen(view, q[0], q[1]);
      if (prev && Math.abs(s[0] - prev[0]) < view.width / 2 && Math.abs(s[1] - prev[1]) < view.height / 2) {
        ctx.lineTo(s[0], s[1]);
        any = true;
      } else {
        ctx.moveTo(s[0], s[1]);
      }
      prev = s;
    }
    if (any) { ctx.stroke(); drawn++; }
  }
  ctx.restore();
  return drawn;
}
