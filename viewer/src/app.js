// The viewer page: opens a healgrid output (URL ?file=..., or a local file), draws it, and
// follows a running job through its progress file (<file>.progress.json) until the output
// exists. window.healgridViewer exposes the state for scripts (and the browser tests).
import { HealgridDataset } from './dataset.js';
import { PROJECTIONS } from './projections.js';
import { COLORMAPS, colormapTable } from './colormap.js';
import { drawCells, drawGraticule, drawProgress, fromScreen, MIN_CELL_PX } from './renderer.js';
import { cellCenter, lonLatToNested, nestedToFaceXY } from './healpix.js';
import { authalicToGeodetic, geodeticToAuthalic } from './latitude.js';
import { renderProgress, renderProvenance, renderReadout, formatNumber } from './panels.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const canvas = $('map');
const ctx = canvas.getContext('2d', { willReadFrequently: true });
const state = {
  dataset: null, variable: null, projection: PROJECTIONS[params.get('projection')] ? params.get('projection') : 'south',
  colormap: 'viridis', range: [0, 1], view: null, progress: null, progressHistory: [],
  renderCount: 0, lastRender: null, pending: false, error: null, status: '',
};
const pollMs = Math.max(100, Number(params.get('poll')) || 1000);
let lastFrame = null;  // { image, view } of the last full render, for fast pan/zoom previews
let fullRenderTimer = null;

function setStatus(text, isError = false) {
  state.status = text;
  $('status').textContent = text;
  $('status').className = isError ? 'failed' : '';
}

function homeView() {
  const home = PROJECTIONS[state.projection].home;
  const w = canvas.clientWidth || 800, h = canvas.clientHeight || 600;
  state.view = { cx: home.cx, cy: home.cy, k: h / 2 / home.halfHeight, width: w, height: h, projectionKey: state.projection };
}

function resize() {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(canvas.clientWidth * dpr);
  canvas.height = Math.round(canvas.clientHeight * dpr);
  if (!state.view) homeView();
  state.view.width = canvas.clientWidth;
  state.view.height = canvas.clientHeight;
  requestRender();
}

function render() {
  fullRenderTimer = null;
  const t0 = performance.now();
  const view = state.view;
  const projection = PROJECTIONS[state.projection];
  const dpr = canvas.width / Math.max(1, view.width);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#fbfbfb';
  ctx.fillRect(0, 0, view.width, view.height);
  drawGraticule(ctx, view, projection);
  let info = { level: null, quads: 0 };
  if (state.dataset && state.variable) {
    info = drawCells(ctx, view, projection, state.dataset, state.variable, state.range, colormapTable(state.colormap));
    $('level-note').textContent = `Drawn at order ${info.level} (file: ${state.dataset.childOrder})` +
      (info.level < state.dataset.childOrder ? ': each drawn cell is the mean of its child cells with data.' : '.');
  } else if (state.progress) {
    drawProgress(ctx, view, projection, state.progress);
  }
  lastFrame = { image: ctx.getImageData(0, 0, canvas.width, canvas.height), view: { ...view } };
  state.lastRender = { ...info, ms: performance.now() - t0, view: { ...view }, projection: state.projection, variable: state.variable };
  state.renderCount++;
  state.pending = false;
}

function requestRender(delay = 0) {
  state.pending = true;
  if (fullRenderTimer) clearTimeout(fullRenderTimer);
  fullRenderTimer = setTimeout(render, delay);
}

// During a drag or wheel: the last full frame, moved and scaled, then a full render once idle.
function previewAndRender() {
  if (lastFrame && lastFrame.view.projectionKey === state.view.projectionKey) {
    const a = lastFrame.view, b = state.view;
    const s = b.k / a.k;
    const dpr = canvas.width / Math.max(1, b.width);
    const bitmap = document.createElement('canvas');
    bitmap.width = lastFrame.image.width; bitmap.height = lastFrame.image.height;
    bitmap.getContext('2d').putImageData(lastFrame.image, 0, 0);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#fbfbfb';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const tx = (b.width / 2 + (a.cx - b.cx) * b.k - s * (a.width / 2)) * dpr;
    const ty = (b.height / 2 - (a.cy - b.cy) * b.k - s * (a.height / 2)) * dpr;
    ctx.setTransform(s, 0, 0, s, tx, ty);
    ctx.drawImage(bitmap, 0, 0);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }
  requestRender(120);
}

function drawColorbar() {
  const table = colormapTable(state.colormap);
  const bar = $('colorbar').getContext('2d');
  const img = bar.createImageData(256, 14);
  for (let x = 0; x < 256; x++) {
    for (let y = 0; y < 14; y++) {
      const o = (y * 256 + x) * 4;
      img.data.set([table[x * 3], table[x * 3 + 1], table[x * 3 + 2], 255], o);
    }
  }
  bar.putImageData(img, 0, 0);
  const v = state.dataset?.variable(state.variable);
  $('colorbar-title').textContent = v ? v.longName : 'Colour scale';
  $('colorbar-min').textContent = formatNumber(state.range[0]);
  $('colorbar-max').textContent = formatNumber(state.range[1]);
  $('colorbar-units').textContent = v ? (v.units ? `[${v.units}]` : '') : '';
  $('vmin').value = String(state.range[0]);
  $('vmax').value = String(state.range[1]);
}

function selectVariable(name) {
  state.variable = name;
  $('variable').value = name;
  state.range = state.dataset.defaultRange(name);
  drawColorbar();
  requestRender();
}

function setDataset(dataset) {
  state.dataset = dataset;
  const select = $('variable');
  select.replaceChildren(...dataset.variables.map((v) => new Option(`${v.name}${v.units ? ` [${v.units}]` : ''}`, v.name)));
  select.disabled = false;
  const preferred = dataset.variable('h_mean') ? 'h_mean' : (dataset.variables.find((v) => !v.integer) || dataset.variables[0])?.name;
  renderProvenance($('provenance'), dataset);
  if (state.progress) renderProgress($('progress'), state.progress, true);
  setStatus(`${dataset.name}: ${dataset.count.toLocaleString()} cells, order ${dataset.childOrder} (parents ${dataset.parentOrder}), ${dataset.authalic ? 'authalic' : 'geodetic'} latitude`);
  if (preferred) selectVariable(preferred); else requestRender();
}

async function loadBuffer(buffer, name) {
  setStatus(`reading ${name} (${(buffer.byteLength / 1e6).toFixed(1)} MB)…`);
  try {
    setDataset(await HealgridDataset.fromBuffer(buffer, name));
  } catch (e) {
    state.error = String(e.message || e);
    setStatus(`cannot read ${name}: ${state.error}`, true);
  }
}

async function fetchOrNull(url, asJson) {
  try {
    const r = await fetch(url, { cache: 'no-store' });
    if (!r.ok) return null;
    return asJson ? await r.json() : await r.arrayBuffer();
  } catch {
    return null;
  }
}

// Follows `url`: the progress file while the job runs, then the output once complete.
async function follow(url) {
  const name = decodeURIComponent(url.split('/').pop());
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  while (!state.dataset) {
    const progress = await fetchOrNull(`${url}.progress.json`, true);
    if (progress && progress.state !== 'complete') {
      const last = state.progressHistory[state.progressHistory.length - 1];
      const pc = progress.parent_cells || {};
      if (!last || last.updated !== progress.updated || last.done !== pc.done || last.state !== progress.state) {
        state.progressHistory.push({ state: progress.state, planned: pc.planned, done: pc.done, failed: pc.failed, updated: progress.updated });
        state.progress = progress;
        renderProgress($('progress'), progress, false);
        setStatus(`${name}: job ${progress.state}, ${pc.done}/${pc.planned} parent cells done`, progress.state === 'failed');
        requestRender();
      }
    } else {
      if (progress) {
        state.progressHistory.push({ state: 'complete', planned: progress.parent_cells?.planned, done: progress.parent_cells?.done });
        state.progress = progress;
      }
      const buffer = await fetchOrNull(url, false);
      if (buffer) {
        await loadBuffer(buffer, name);
        return;
      }
      if (!progress && !state.progress) setStatus(`${name}: waiting for the job (no output and no progress file yet)`);
    }
    await sleep(state.progress?.state === 'failed' ? pollMs * 3 : pollMs);
  }
}

function onHover(event) {
  const ds = state.dataset;
  if (!ds) return;
  const rect = canvas.getBoundingClientRect();
  const sx = event.clientX - rect.left, sy = event.clientY - rect.top;
  const [ux, uy] = fromScreen(state.view, sx, sy);
  const ll = PROJECTIONS[state.projection].inverse(ux, uy);
  if (!ll || !PROJECTIONS[state.projection].forward(ll[0], ll[1])) {
    renderReadout($('readout'), null);
    return;
  }
  const [lon, lat] = ll;
  const id = lonLatToNested(lon, ds.authalic ? geodeticToAuthalic(lat) : lat, ds.childOrder);
  const index = ds.indexOf(id);
  const { face, x, y } = nestedToFaceXY(Number(id >> 32n), Number(id & 0xffffffffn), ds.childOrder);
  const [clon, clat] = cellCenter(face, x, y, ds.childOrder);
  renderReadout($('readout'), {
    id: id.toString(), order: ds.childOrder, index, pointer: [lon, lat],
    centre: [clon, ds.authalic ? authalicToGeodetic(clat) : clat], authalicLat: ds.authalic ? clat : null,
    variables: ds.variables.map((v) => ({ name: v.name, units: v.units, integer: v.integer, raw: index >= 0 ? Number(v.raw[index]) : null, fill: index >= 0 && Number.isNaN(v.values[index]) })),
  });
}

function setupControls() {
  $('colormap').replaceChildren(...COLORMAPS.map((c) => new Option(c, c)));
  $('projection').value = state.projection;
  $('projection').addEventListener('change', (e) => {
    state.projection = e.target.value;
    homeView();
    requestRender();
  });
  $('variable').addEventListener('change', (e) => selectVariable(e.target.value));
  $('colormap').addEventListener('change', (e) => { state.colormap = e.target.value; drawColorbar(); requestRender(); });
  for (const [id, i] of [['vmin', 0], ['vmax', 1]]) {
    $(id).addEventListener('change', (e) => {
      const v = Number(e.target.value);
      if (Number.isFinite(v)) { state.range[i] = v; drawColorbar(); requestRender(); }
    });
  }
  $('auto-range').addEventListener('click', () => state.variable && selectVariable(state.variable));
  $('home').addEventListener('click', () => { homeView(); requestRender(); });
  $('file-input').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    state.dataset = null;
    await loadBuffer(await file.arrayBuffer(), file.name);
  });
  let drag = null;
  canvas.addEventListener('pointerdown', (e) => { drag = { x: e.clientX, y: e.clientY }; canvas.setPointerCapture(e.pointerId); });
  canvas.addEventListener('pointerup', () => { drag = null; });
  canvas.addEventListener('pointermove', (e) => {
    if (drag) {
      state.view.cx -= (e.clientX - drag.x) / state.view.k;
      state.view.cy += (e.clientY - drag.y) / state.view.k;
      drag = { x: e.clientX, y: e.clientY };
      previewAndRender();
    } else {
      onHover(e);
    }
  });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const rect = canvas.getBoundingClientRect();
    const sx = e.clientX - rect.left, sy = e.clientY - rect.top;
    const [ux, uy] = fromScreen(state.view, sx, sy);
    const v = state.view;
    v.k = Math.min(1e9, Math.max(20, v.k * Math.exp(-e.deltaY * 0.0015)));
    v.cx = ux - (sx - v.width / 2) / v.k;
    v.cy = uy + (sy - v.height / 2) / v.k;
    previewAndRender();
  }, { passive: false });
  new ResizeObserver(resize).observe(canvas);
}

window.healgridViewer = {
  state,
  // Centres the map on geodetic (lon, lat), zoomed so a child-order cell is ~cellPixels wide.
  setView({ lon, lat, cellPixels }) {
    const p = PROJECTIONS[state.projection].forward(lon, lat);
    const order = state.dataset?.childOrder ?? state.progress?.child_order ?? 12;
    state.view.cx = p[0];
    state.view.cy = p[1];
    state.view.k = (cellPixels * 2 ** order) / Math.sqrt(Math.PI / 3);
    requestRender();
  },
  MIN_CELL_PX,
};

setupControls();
resize();
drawColorbar();
const fileParam = params.get('file');
if (fileParam) follow(fileParam);
else setStatus('Open a healgrid output (.nc) with "Open file…", or serve one with `healgrid view OUT.nc`.');
