// The scale bar: a round length (1, 2 or 5 x 10^n km or m) true at the map's centre, along the
// screen's x axis, drawn at the bottom left. The ground length of a pixel there comes from the
// WGS84 radii of curvature at the centre's latitude (meridian M, prime vertical N): exact for
// an infinitesimal step, so the bar is true at the centre and only there.
import { fromScreen } from './renderer.js';

const A = 6378137, E2 = 0.00669437999014;  // WGS84
const RAD = Math.PI / 180;
const MAX_PX = 160;

// Metres per CSS pixel along x at the centre of `view`, or null off the map.
export function metresPerPixel(view, projection) {
  const d = 0.5;  // pixels each side
  const a = projection.inverse(...fromScreen(view, view.width / 2 - d, view.height / 2));
  const b = projection.inverse(...fromScreen(view, view.width / 2 + d, view.height / 2));
  if (!a || !b) return null;
  const lat = ((a[1] + b[1]) / 2) * RAD, s = Math.sin(lat), w = 1 - E2 * s * s;
  const M = (A * (1 - E2)) / (w * Math.sqrt(w)), N = A / Math.sqrt(w);
  let dlon = b[0] - a[0];
  dlon -= 360 * Math.round(dlon / 360);
  return Math.hypot(M * (b[1] - a[1]) * RAD, N * Math.cos(lat) * dlon * RAD) / (2 * d);
}

// The longest round length in metres that fits MAX_PX pixels.
export function roundLength(metresPerPx) {
  const max = metresPerPx * MAX_PX;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [5, 2, 1]) if (m * p <= max) return m * p;
  return p;
}

export function lengthText(metres) {
  return metres >= 1000 ? `${Number((metres / 1000).toPrecision(6))} km` : `${Number(metres.toPrecision(6))} m`;
}

// Draws the bar; returns { metres, px, text, x0, x1, y } or null when the centre is off the map.
export function drawScaleBar(ctx, view, projection) {
  const mpp = metresPerPixel(view, projection);
  if (!mpp || !Number.isFinite(mpp)) return null;
  const metres = roundLength(mpp), px = metres / mpp;
  const x0 = 16, x1 = x0 + px, y = view.height - 18, text = lengthText(metres);
  ctx.save();
  ctx.fillStyle = 'rgba(251,251,251,0.85)';
  ctx.fillRect(x0 - 6, y - 18, px + 12, 26);
  ctx.strokeStyle = '#222';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(x0, y - 5); ctx.lineTo(x0, y); ctx.lineTo(x1, y); ctx.lineTo(x1, y - 5);
  ctx.stroke();
  ctx.fillStyle = '#222';
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText(`${text} (at the centre)`, x0, y - 7);
  ctx.restore();
  return { metres, px, text, x0, x1, y, metresPerPixel: mpp };
}
