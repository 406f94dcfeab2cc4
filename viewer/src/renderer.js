// Canvas renderer: draws the cells of one display level as filled quads (their four projected
// corners), one Path2D per colour of the 256-entry table, culled by parent cell. The display
// level is the finest whose cells still cover MIN_CELL_PX pixels, so the number of quads stays
// near the pixel count / 16 whatever the file's size: an 11.5-million-cell Antarctic file draws
// in 0.1-0.6 s per full frame (headless chromium, no GPU); pan and zoom show the last frame
// moved at once and redraw when the pointer rests.
import { faceUVToLonLat, interleave16, nestedNumberToFaceXY } from './healpix.js';
import { authalicToGeodetic } from './latitude.js';
import { colorIndex } from './colormap.js';
import { coarseLevel, fineLevel } from './overview.js';

export const MIN_CELL_PX = 4;
const CELL_UNIT = Math.sqrt(Math.PI / 3);  // side of an order-0 cell on the unit sphere

// Order whose cells are ~MIN_CELL_PX wide at `k` pixels per unit, within [0, maxOrder].
export function displayLevel(k, maxOrder) {
  const level = Math.floor(Math.log2((k * CELL_UNIT) / MIN_CELL_PX));
  return Math.max(0, Math.min(maxOrder, level));
}

export function toScreen(view, x, y) {
  return [view.width / 2 + (x - view.cx) * view.k, view.height / 2 - (y - view.cy) * view.k];
}

export function fromScreen(view, sx, sy) {
  return [view.cx + (sx - view.width / 2) / view.k, view.cy - (sy - view.height / 2) / view.k];
}

// Projects face coordinates to unit map coordinates, or null when clipped.
function projector(projection, authalic) {
  return (face, u, v) => {
    const [lon, lat] = faceUVToLonLat(face, u, v);
    return projection.forward(lon, authalic ? authalicToGeodetic(lat) : lat);
  };
}

// Per projection: each parent cell's projected centre and radius (unit coordinates), for culling.
export function parentBounds(dataset, projection, key) {
  dataset.boundsCache ??= new Map();
  if (dataset.boundsCache.has(key)) return dataset.boundsCache.get(key);
  const project = projector(projection, dataset.authalic);
  const n = dataset.parentCount;
  const bounds = new Float64Array(n * 3).fill(NaN);
  for (let k = 0; k < n; k++) {
    const { face, x, y } = dataset.parentFXY[k];
    const size = 2 ** dataset.parentOrder;
    const c = project(face, (x + 0.5) / size, (y + 0.5) / size);
    if (!c) continue;
    let r = 0;
    for (const [du, dv] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
      const p = project(face, (x + du) / size, (y + dv) / size);
      if (p) r = Math.max(r, Math.hypot(p[0] - c[0], p[1] - c[1]));
    }
    bounds.set([c[0], c[1], r], k * 3);
  }
  dataset.boundsCache.set(key, bounds);
  return bounds;
}

function visible(view, x, y, r) {
  const [sx, sy] = toScreen(view, x, y);
  const rp = r * view.k + 2;
  return sx + rp >= 0 && sx - rp <= view.width && sy + rp >= 0 && sy - rp <= view.height;
}

// Adds quad (4 screen points) to `paths[bucket]`, skipping one torn across the map's edge.
function addQuad(paths, bucket, pts, maxSpan) {
  if (maxSpan !== Infinity &&
      Math.max(pts[0], pts[2], pts[4], pts[6]) - Math.min(pts[0], pts[2], pts[4], pts[6]) > maxSpan) return;
  const p = paths[bucket] ??= new Path2D();
  p.moveTo(pts[0], pts[1]);
  p.lineTo(pts[2], pts[3]);
  p.lineTo(pts[4], pts[5]);
  p.lineTo(pts[6], pts[7]);
  p.closePath();
}

function fillPaths(ctx, paths, table, stroke) {
  ctx.lineWidth = 0.6;  // a hairline stroke in the same colour hides antialiasing seams
  paths.forEach((path, i) => {
    if (!path) return;
    const style = `rgb(${table[i * 3]},${table[i * 3 + 1]},${table[i * 3 + 2]})`;
    ctx.fillStyle = style;
    ctx.strokeStyle = style;
    ctx.fill(path);
    if (stroke) ctx.stroke(path);
  });
}

// Draws variable `name` of `dataset`; returns { level, quads }.
export function drawCells(ctx, view, projection, dataset, name, range, table) {
  const level = displayLevel(view.k, dataset.childOrder);
  const bounds = parentBounds(dataset, projection, view.projectionKey);
  const project = projector(projection, dataset.authalic);
  const maxSpan = projection.wraps ? view.k * 1.0 : Infinity;
  const paths = new Array(256);
  const pts = new Float64Array(8);
  let quads = 0;
  const quadAt = (corners) => {
    for (let c = 0; c < 4; c++) {
      if (!corners[c]) return false;
      const [sx, sy] = toScreen(view, corners[c][0], corners[c][1]);
      pts[c * 2] = sx; pts[c * 2 + 1] = sy;
    }
    return true;
  };
  if (level >= dataset.parentOrder) {
    const values = fineLevel(dataset, name, level);
    const n = 2 ** (level - dataset.parentOrder);
    const size = 2 ** level;
    // Corner lattice of a parent at this level in screen pixels: (n+1)^2 projections for n^2
    // cells, no per-cell allocation (NaN marks a clipped corner).
    const lattice = new Float64Array((n + 1) * (n + 1) * 2);
    const corner = (a, b, c) => { const o = (a * (n + 1) + b) * 2; pts[c * 2] = lattice[o]; pts[c * 2 + 1] = lattice[o + 1]; return lattice[o] === lattice[o]; };
    for (let k = 0; k < dataset.parentCount; k++) {
      if (Number.isNaN(bounds[k * 3]) || !visible(view, bounds[k * 3], bounds[k * 3 + 1], bounds[k * 3 + 2])) continue;
      const base = k * n * n;
      let any = false;
      for (let j = 0; j < n * n && !any; j++) any = values[base + j] === values[base + j];
      if (!any) continue;
      const { face, x, y } = dataset.parentFXY[k];
      for (let i = 0; i <= n; i++) {
        for (let j = 0; j <= n; j++) {
          const p = project(face, (x * n + i) / size, (y * n + j) / size);
          const o = (i * (n + 1) + j) * 2;
          if (p) {
            lattice[o] = view.width / 2 + (p[0] - view.cx) * view.k;
            lattice[o + 1] = view.height / 2 - (p[1] - view.cy) * view.k;
          } else {
            lattice[o] = NaN;
          }
        }
      }
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const bucket = colorIndex(values[base + interleave16(i, j)], range[0], range[1]);
          if (bucket < 0) continue;
          if (!(corner(i + 1, j + 1, 0) & corner(i, j + 1, 1) & corner(i, j, 2) & corner(i + 1, j, 3))) continue;
          addQuad(paths, bucket, pts, maxSpan);
          quads++;
        }
      }
    }
  } else {
    const coarse = coarseLevel(dataset, name, level, nestedNumberToFaceXY);
    const size = 2 ** level;
    coarse.ids.forEach((id, i) => {
      const bucket = colorIndex(coarse.values[i], range[0], range[1]);
      if (bucket < 0) return;
      const { face, x, y } = coarse.fxy[i];
      const corners = [[1, 1], [0, 1], [0, 0], [1, 0]].map(([a, b]) => project(face, (x + a) / size, (y + b) / size));
      if (!quadAt(corners)) return;
      addQuad(paths, bucket, pts, maxSpan);
      quads++;
    });
  }
  fillPaths(ctx, paths, table, false);
  return { level, quads };
}

// The planned parent cells of a running job: grey while waiting to be reduced, green once
// reduced (the rounds its rank completed, or its whole range), red where its rank failed before
// reducing them (the rounds it completed stay green: a rerun loads them from the journal).
export const PROGRESS_COLORS = { running: [190, 190, 190], done: [46, 160, 67], failed: [215, 48, 39] };

// The state of each planned parent ('running', 'done', 'failed') from the progress file.
export function progressStates(progress) {
  const stateOf = new Array(progress.planned_parents.length).fill('running');
  for (const r of progress.ranges || []) {
    for (let i = r.first; i < r.first + r.count && i < stateOf.length; i++) stateOf[i] = r.state;
    if (r.state === 'done') continue;
    for (const [first, count] of r.done_spans || []) {
      for (let i = first; i < first + count && i < stateOf.length; i++) stateOf[i] = 'done';
    }
  }
  return stateOf;
}

export function drawProgress(ctx, view, projection, progress) {
  const order = progress.parent_order;
  const authalic = progress.latitude_convention === 'authalic';
  const project = projector(projection, authalic);
  const size = 2 ** order;
  const maxSpan = projection.wraps ? view.k * 1.0 : Infinity;
  const paths = { running: [], done: [], failed: [] };
  const stateOf = progressStates(progress);
  const pts = new Float64Array(8);
  progress.planned_parents.forEach((id, i) => {
    const { face, x, y } = nestedNumberToFaceXY(id, order);
    const corners = [[1, 1], [0, 1], [0, 0], [1, 0]].map(([a, b]) => project(face, (x + a) / size, (y + b) / size));
    if (corners.some((c) => !c)) return;
    corners.forEach((c, n) => {
      const [sx, sy] = toScreen(view, c[0], c[1]);
      pts[n * 2] = sx; pts[n * 2 + 1] = sy;
    });
    const bucket = stateOf[i] in paths ? stateOf[i] : 'running';
    const list = [];
    addQuad(list, 0, pts, maxSpan);
    if (list[0]) paths[bucket].push(list[0]);
  });
  for (const [state, list] of Object.entries(paths)) {
    const [r, g, b] = PROGRESS_COLORS[state];
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.strokeStyle = 'rgba(255,255,255,0.9)';
    ctx.lineWidth = 1;
    for (const p of list) { ctx.fill(p); ctx.stroke(p); }
  }
}
