// The labelled graticule: parallels and meridians at a round spacing chosen from the zoom (about
// one line per TARGET_PX pixels at the map's centre), sampled only over the visible range, each
// labelled where it leaves the map (parallels on the left edge, meridians on the bottom edge,
// else any other edge, else at its outermost visible point).
import { toScreen, fromScreen } from './renderer.js';

const STEPS = [30, 20, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001];
const TARGET_PX = 110;
const MAX_LINES = 80;
const LABEL_FONT = '11px system-ui, sans-serif';

// The largest round step (degrees) whose lines are at least TARGET_PX apart, for `degPerPx`.
export function roundStep(degPerPx) {
  let step = STEPS[0];
  for (const s of STEPS) if (s / degPerPx >= TARGET_PX) step = s;
  return step;
}

function format(value, step, positive, negative) {
  const digits = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  const a = Math.abs(value);
  const text = a.toFixed(digits);
  if (Number(text) === 0) return `0°`;
  if (Math.abs(a - 180) < 1e-9) return '180°';
  return `${text}°${value > 0 ? positive : negative}`;
}

// Visible latitude and longitude range, from a grid of screen points (whole globe when a pole
// is in view).
function visibleRange(view, projection) {
  let lat0 = 90, lat1 = -90;
  const lons = [];
  for (let i = 0; i <= 16; i++) {
    for (let j = 0; j <= 16; j++) {
      const [ux, uy] = fromScreen(view, (i / 16) * view.width, (j / 16) * view.height);
      const ll = projection.inverse(ux, uy);
      if (!ll || !projection.forward(ll[0], ll[1])) continue;
      lat0 = Math.min(lat0, ll[1]); lat1 = Math.max(lat1, ll[1]);
      lons.push(ll[0]);
    }
  }
  const inView = (lat) => {
    const p = projection.forward(0, lat);
    if (!p) return false;
    const [sx, sy] = toScreen(view, p[0], p[1]);
    return sx >= 0 && sx <= view.width && sy >= 0 && sy <= view.height;
  };
  let lon0 = -180, lon1 = 180;
  if (inView(90)) lat1 = 90;
  else if (inView(-90)) lat0 = -90;
  else if (lons.length) {
    lon0 = Math.min(...lons); lon1 = Math.max(...lons);
    if (lon1 - lon0 > 180) { lon0 = -180; lon1 = 180; }  // across the antimeridian: all
  }
  return { lat0, lat1, lon0, lon1, any: lons.length > 0 };
}

// Where the screen polyline `pts` ([sx, sy] or null) first crosses an edge, preferring `prefer`.
function edgeLabelPoint(view, pts, prefer) {
  const edges = {
    left: (a, b) => (a[0] - 0) * (b[0] - 0) <= 0 && a[0] !== b[0] ? [0, a[1] + (b[1] - a[1]) * (0 - a[0]) / (b[0] - a[0])] : null,
    bottom: (a, b) => (a[1] - view.height) * (b[1] - view.height) <= 0 && a[1] !== b[1]
      ? [a[0] + (b[0] - a[0]) * (view.height - a[1]) / (b[1] - a[1]), view.height] : null,
    top: (a, b) => a[1] * b[1] <= 0 && a[1] !== b[1] ? [a[0] + (b[0] - a[0]) * (0 - a[1]) / (b[1] - a[1]), 0] : null,
    right: (a, b) => (a[0] - view.width) * (b[0] - view.width) <= 0 && a[0] !== b[0]
      ? [view.width, a[1] + (b[1] - a[1]) * (view.width - a[0]) / (b[0] - a[0])] : null,
  };
  for (const name of [prefer, 'left', 'bottom', 'top', 'right']) {
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1], b = pts[i];
      if (!a || !b || Math.abs(a[0] - b[0]) > view.width / 2) continue;
      const p = edges[name](a, b);
      if (p && p[0] >= 0 && p[0] <= view.width && p[1] >= 0 && p[1] <= view.height) return { edge: name, x: p[0], y: p[1] };
    }
  }
  return null;
}

// Draws the graticule's lines (under the cells: the data stay exact colours); returns
// { latStep, lonStep, labels: [{ kind, value, text, edge, x, y }] } for drawLabels, drawn last.
export function drawGraticule(ctx, view, projection) {
  const centre = projection.inverse(view.cx, view.cy) ?? [0, 0];
  const up = projection.inverse(view.cx, view.cy + 1 / view.k);
  const degPerPx = up ? Math.max(1e-9, Math.abs(up[1] - centre[1])) : 0.5;
  const latStep = roundStep(degPerPx);
  const lonStep = roundStep(Math.min(degPerPx / Math.max(0.05, Math.cos((centre[1] * Math.PI) / 180)), 10));
  const r = visibleRange(view, projection);
  const out = { latStep, lonStep, labels: [] };
  if (!r.any) return out;
  ctx.save();
  ctx.strokeStyle = 'rgba(110,110,110,0.5)';
  ctx.lineWidth = 0.8;
  const polyline = (points) => {
    const pts = points.map(([lon, lat]) => {
      const p = projection.forward(lon, lat);
      return p ? toScreen(view, p[0], p[1]) : null;
    });
    ctx.beginPath();
    for (let i = 0; i < pts.length; i++) {
      const a = pts[i - 1], b = pts[i];
      if (!b) continue;
      if (a && Math.abs(b[0] - a[0]) < view.width / 2) ctx.lineTo(b[0], b[1]); else ctx.moveTo(b[0], b[1]);
    }
    ctx.stroke();
    return pts;
  };
  const lines = (lo, hi, step, limit) => {
    const first = Math.ceil(lo / step - 1e-9), last = Math.floor(hi / step + 1e-9);
    const values = [];
    for (let i = first; i <= last && values.length < MAX_LINES; i++) {
      const v = Number((i * step).toFixed(6));
      if (Math.abs(v) <= limit) values.push(v);
    }
    return values;
  };
  const samples = (lo, hi) => {
    const n = 200, a = Math.max(lo, -180), b = Math.min(hi, 180);
    return Array.from({ length: n + 1 }, (_, i) => a + ((b - a) * i) / n);
  };
  const latPad = latStep, lonPad = lonStep;
  const parallels = lines(r.lat0, r.lat1, latStep, 89.999);
  const meridians = lines(r.lon0, r.lon1, lonStep, 180).filter((v) => v > -180 || r.lon0 > -180);
  for (const lat of parallels) {
    const pts = polyline(samples(r.lon0 - lonPad, r.lon1 + lonPad).map((lon) => [lon, lat]));
    const at = edgeLabelPoint(view, pts, 'left') ?? outermost(view, pts);
    if (at) out.labels.push({ kind: 'lat', value: lat, text: format(lat, latStep, 'N', 'S'), ...at });
  }
  const latLimit = Math.max(Math.abs(r.lat0), Math.abs(r.lat1)) > 85 ? 89.5 : 85;
  for (const lon of meridians) {
    const la = Math.max(-latLimit, r.lat0 - latPad), lb = Math.min(latLimit, r.lat1 + latPad);
    const pts = polyline(Array.from({ length: 201 }, (_, i) => [lon, la + ((lb - la) * i) / 200]));
    const at = edgeLabelPoint(view, pts, 'bottom') ?? outermost(view, pts);
    if (at) out.labels.push({ kind: 'lon', value: lon, text: format(lon, lonStep, 'E', 'W'), ...at });
  }
  ctx.restore();
  out.labels = withoutOverlaps(ctx, view, out.labels);
  return out;
}

// Where a label's text goes (left-aligned at x, baseline y), kept inside the map.
function labelBox(ctx, view, l) {
  ctx.font = LABEL_FONT;
  const w = ctx.measureText(l.text).width;
  const x = Math.min(Math.max(l.x + (l.edge === 'right' ? -w - 3 : 3), 2), view.width - w - 2);
  const y = Math.min(Math.max(l.y + (l.edge === 'top' ? 12 : l.edge === 'bottom' ? -4 : 4), 11), view.height - 3);
  return { x, y, w };
}

// Labels in order, leaving out any that would overlap one kept before it.
function withoutOverlaps(ctx, view, labels) {
  const kept = [], boxes = [];
  for (const l of labels) {
    const b = labelBox(ctx, view, l);
    if (boxes.some((o) => b.x < o.x + o.w + 4 && o.x < b.x + b.w + 4 && Math.abs(b.y - o.y) < 13)) continue;
    kept.push(l);
    boxes.push(b);
  }
  return kept;
}

// The visible point of `pts` farthest from the map's centre (a line that never leaves the map).
function outermost(view, pts) {
  let best = null, dist = -1;
  for (const p of pts) {
    if (!p || p[0] < 0 || p[0] > view.width || p[1] < 0 || p[1] > view.height) continue;
    const d = Math.hypot(p[0] - view.width / 2, p[1] - view.height / 2);
    if (d > dist) { dist = d; best = { edge: 'inside', x: p[0], y: p[1] }; }
  }
  return best;
}

export function drawLabels(ctx, view, labels) {
  ctx.save();
  ctx.lineWidth = 3;
  ctx.strokeStyle = 'rgba(251,251,251,0.9)';
  ctx.fillStyle = '#444';
  for (const l of labels) {
    const { x, y } = labelBox(ctx, view, l);
    ctx.strokeText(l.text, x, y);
    ctx.fillText(l.text, x, y);
  }
  ctx.restore();
}
