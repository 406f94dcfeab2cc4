// The viewer page: opens a healgrid output (URL ?file=..., or a local file), draws it, and
// follows a running job through its progress file (<file>.progress.json) until the output
// exists. A file opens in the projection of its data, zoomed to it (auto_view.js), unless the
// URL holds a view (view_state.js). window.healgridViewer exposes the state for scripts (and
// the browser tests).
import { HealgridDataset } from './dataset.js';
import { projectionOf } from './projections.js';
import { COLORMAPS, colormapTable } from './colormap.js';
import { drawCells, drawProgress, fromScreen, MIN_CELL_PX } from './renderer.js';
import { nestedNumberToFaceXY } from './healpix.js';
import { renderProgress, renderProvenance, renderReadout, formatNumber, progressLegend } from './panels.js';
import { cellsForFit, centresOf, chooseProjection, fitView } from './auto_view.js';
import { drawGraticule, drawLabels } from './graticule.js';
import { drawScaleBar } from './scale_bar.js';
import { coastlineUrl, drawCoastlines, fetchCoastlines } from './coastlines.js';
import { overviewLabel, overviewSource } from './overview.js';
import { drawnCellAt } from './hover.js';
import { clearViewState, fileName, fileUrl, readViewState, writeViewState } from './view_state.js';
import { composeExport, downloadCanvas } from './export_png.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const asked = readViewState(params);  // the view the URL holds, applied once
const canvas = $('map');
const ctx = canvas.getContext('2d', { willReadFrequently: true });
const KEYS = ['south', 'north', 'global', 'laea'];
const state = {
  dataset: null, variable: null, projection: KEYS.includes(asked.projection) ? asked.projection : 'south',
  laeaCentre: asked.laea ?? [0, 0], colormap: COLORMAPS.includes(asked.colormap) ? asked.colormap : 'viridis',
  range: [0, 1], view: null, progress: null, progressHistory: [], autoView: null,
  coastlines: { on: asked.coast, data: null, error: null, drawn: 0, url: null },
  graticule: null, scaleBar: null, cursor: null, legend: '',
  renderCount: 0, lastRender: null, pending: false, error: null, status: '',
  local: false,  // a file opened with "Open file…": its view is not written into the URL
};
const pollMs = Math.max(100, Number(params.get('poll')) || 1000);
let lastFrame = null;  // { image, view } of the last full render, for fast pan/zoom previews
let fullRenderTimer = null;
let viewFromUrl = asked.centre && asked.zoom ? asked : null;

const projection = () => projectionOf(state.projection, state.laeaCentre);
const projectionKey = () => (state.projection === 'laea' ? `laea:${state.laeaCentre.join(',')}` : state.projection);

function setStatus(text, isError = false) {
  state.status = text;
  $('status').textContent = text;
  $('status').className = isError ? 'failed' : '';
}

// The geodetic centres of the data (auto_view.cellsForFit, or a job's planned parents), with
// their order.
function dataCentres() {
  if (state.dataset) {
    const ds = state.dataset;
    const { level, ids } = cellsForFit(ds);
    return { ...centresOf(ids, level, ds.authalic, nestedNumberToFaceXY), level };
  }
  const p = state.progress;
  if (p?.planned_parents?.length) {
    return { ...centresOf(p.planned_parents, p.parent_order, p.latitude_convention === 'authalic', nestedNumberToFaceXY), level: p.parent_order };
  }
  return null;
}

// The data's extent in the current projection, else the projection's whole extent.
function homeView() {
  const w = canvas.clientWidth || 800, h = canvas.clientHeight || 600;
  const proj = projection();
  const c = state.autoView?.centres;
  // Half a cell around each centre (cells are ~sqrt(pi/3) / 2^order wide on the unit sphere).
  const fit = c && fitView(proj, c.lons, c.lats, Math.sqrt(Math.PI / 3) / 2 ** (c.level + 1), w, h);
  const home = proj.home;
  const k = fit ? fit.k : Math.min(w / 2 / home.halfWidth, h / 2 / home.halfHeight) * 0.97;
  state.view = { cx: fit ? fit.cx : home.cx, cy: fit ? fit.cy : home.cy, k, width: w, height: h, projectionKey: projectionKey() };
}

function setProjection(key, centre) {
  state.projection = key;
  if (centre) state.laeaCentre = centre;
  $('projection').value = key;
}

// First data (file or planned parents): the projection render would choose, zoomed to the data;
// or the view the URL asks for.
function autoView() {
  const centres = dataCentres();
  if (!centres || state.autoView) return;
  const choice = chooseProjection(centres.lons, centres.lats);
  state.autoView = { ...choice, centres };
  if (viewFromUrl) {
    const v = viewFromUrl;
    viewFromUrl = null;
    const p = projection().forward(v.centre[0], v.centre[1]);
    homeView();
    if (p) Object.assign(state.view, { cx: p[0], cy: p[1], k: v.zoom });
  } else {
    setProjection(choice.key, choice.centre);
    homeView();
  }
  loadCoastlines(centres);
}

async function loadCoastlines(centres) {
  const url = coastlineUrl(centres.lons, centres.lats);
  state.coastlines.url = url;
  try {
    state.coastlines.data = await fetchCoastlines(url);
    $('coastline-note').textContent = `Coastlines: GSHHG (${state.coastlines.data.source}), served by healgrid view.`;
  } catch (e) {
    state.coastlines.error = String(e.message || e);
    $('coastline-note').textContent = `No coastlines: ${state.coastlines.error}`;
  }
  requestRender();
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

// Graticule lines, cells (or job progress), coastlines, then labels and the scale bar on top.
function drawMap(view, proj) {
  state.graticule = drawGraticule(ctx, view, proj);
  let info = { level: null, quads: 0 };
  if (state.dataset && state.variable) {
    info = drawCells(ctx, view, proj, state.dataset, state.variable, state.range, colormapTable(state.colormap));
    info.source = overviewSource(state.dataset, state.variable, info.level);
    state.legend = overviewLabel(state.dataset, state.variable, info.level);
    const stored = [...state.dataset.storedLevels.keys()].sort((a, b) => a - b);
    $('level-note').textContent = `Drawn at order ${info.level} (file: ${state.dataset.childOrder}` +
      `${stored.length ? `; stored levels: ${stored.join(', ')}` : ''}).` +
      (info.level < state.dataset.childOrder ? ' Hover a drawn cell for its values at this order.' : '');
  } else if (state.progress) {
    drawProgress(ctx, view, proj, state.progress);
    state.legend = 'Parent cells of the running job, by state';
  }
  $('legend-text').textContent = state.legend;
  const c = state.coastlines;
  c.drawn = c.on && c.data ? drawCoastlines(ctx, view, proj, c.data) : 0;
  drawLabels(ctx, view, state.graticule.labels);
  state.scaleBar = drawScaleBar(ctx, view, proj);
  return info;
}

function render() {
  fullRenderTimer = null;
  const t0 = performance.now();
  const view = state.view;
  const proj = projection();
  view.projectionKey = projectionKey();
  const dpr = canvas.width / Math.max(1, view.width);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#fbfbfb';
  ctx.fillRect(0, 0, view.width, view.height);
  const info = drawMap(view, proj);
  lastFrame = { image: ctx.getImageData(0, 0, canvas.width, canvas.height), view: { ...view } };
  state.lastRender = {
    ...info, ms: performance.now() - t0, view: { ...view }, projection: state.projection,
    laeaCentre: state.projection === 'laea' ? [...state.laeaCentre] : null, variable: state.variable,
  };
  state.renderCount++;
  state.pending = false;
  const centre = proj.inverse(view.cx, view.cy);
  if (!state.local) writeViewState({
    projection: state.projection, laea: state.laeaCentre, centre, zoom: view.k, variable: state.variable,
    range: state.dataset ? state.range : null, colormap: state.colormap, coast: state.coastlines.on,
  });
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

// The colour bar for a file; during a run, the legend of the progress states instead.
function drawColorbar() {
  const running = !state.dataset && state.progress;
  $('colorbar').style.display = running ? 'none' : '';
  $('colorbar-labels').style.display = running ? 'none' : '';
  if (running) {
    $('colorbar-title').textContent = 'Job progress';
    $('level-note').innerHTML = progressLegend(state.progress.parent_cells || {});
    return;
  }
  const table = colormapTable(state.colormap);
  const bar = $('colorbar').getContext('2d');
  const img = bar.createImageData(256, 14);
  for (let x = 0; x < 256; x++) {
    for (let y = 0; y < 14; y++) img.data.set([table[x * 3], table[x * 3 + 1], table[x * 3 + 2], 255], (y * 256 + x) * 4);
  }
  bar.putImageData(img, 0, 0);
  const v = state.dataset?.variable(state.variable);
  $('colorbar-title').textContent = v ? v.longName : 'Colour scale';
  $('colorbar-min').textContent = formatNumber(state.range[0]);
  $('colorbar-max').textContent = formatNumber(state.range[1]);
  $('colorbar-units').textContent = v ? (v.units ? `[${v.units}]` : '') : '';
  $('value-note').textContent = v && state.dataset.allMissing(v.name) ? `all values of ${v.name} are missing (fill value or NaN): nothing to draw` : '';
  $('vmin').value = String(state.range[0]);
  $('vmax').value = String(state.range[1]);
}

function selectVariable(name, range = null) {
  state.variable = name;
  $('variable').value = name;
  state.range = range ?? state.dataset.defaultRange(name);
  drawColorbar();
  requestRender();
}

function setDataset(dataset) {
  state.dataset = dataset;
  const select = $('variable');
  select.replaceChildren(...dataset.variables.map((v) => new Option(`${v.name}${v.units ? ` [${v.units}]` : ''}`, v.name)));
  select.disabled = false;
  const preferred = dataset.variable(asked.variable) ? asked.variable
    : dataset.variable('h_mean') ? 'h_mean' : (dataset.variables.find((v) => !v.integer) || dataset.variables[0])?.name;
  renderProvenance($('provenance'), dataset);
  if (state.progress) renderProgress($('progress'), state.progress, true, state.progress.state !== 'complete');
  setStatus(`${dataset.name}: ${dataset.count.toLocaleString()} cells, order ${dataset.childOrder} (parents ${dataset.fileParentOrder}), ${dataset.authalic ? 'authalic' : 'geodetic'} latitude` +
    `${dataset.storedLevels.size ? `, ${dataset.storedLevels.size} stored overview levels` : ''}` +
    `${dataset.warnings.length ? `; overview levels not used: ${dataset.warnings.join('; ')}` : ''}`);
  state.autoView = null;  // the file's own extent (a job's planned parents came first)
  autoView();
  const range = preferred === asked.variable ? asked.range : null;
  asked.range = null;
  if (preferred) selectVariable(preferred, range); else requestRender();
}

// The dataset in `buffer`, or null with the error in the status line (the map shown, if any,
// stays, and the status says so).
async function loadBuffer(buffer, name) {
  setStatus(`reading ${name} (${(buffer.byteLength / 1e6).toFixed(1)} MB)…`);
  try {
    const dataset = await HealgridDataset.fromBuffer(buffer, name);
    state.error = null;
    return dataset;
  } catch (e) {
    state.error = String(e.message || e);
    setStatus(`cannot read ${name}: ${state.error}${state.dataset ? `; still showing ${state.dataset.name}` : ''}`, true);
    return null;
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

function showProgress(progress, name) {
  const last = state.progressHistory[state.progressHistory.length - 1];
  const pc = progress.parent_cells || {};
  if (last && last.updated === progress.updated && last.done === pc.done && last.state === progress.state) return;
  state.progressHistory.push({ state: progress.state, planned: pc.planned, done: pc.done, failed: pc.failed, updated: progress.updated });
  state.progress = progress;
  renderProgress($('progress'), progress, false);
  setStatus(`${name}: job ${progress.state}, ${pc.done}/${pc.planned} parent cells done`, progress.state === 'failed');
  autoView();
  drawColorbar();
  requestRender();
}

// Follows `file` (the decoded ?file= path): the progress file while the job runs, then the
// output once complete.
async function follow(file) {
  const url = fileUrl(file), name = fileName(file);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  while (!state.dataset) {
    const progress = await fetchOrNull(`${url}.progress.json`, true);
    if (progress && progress.state !== 'complete') {
      showProgress(progress, name);
    } else {
      if (progress) {
        state.progressHistory.push({ state: 'complete', planned: progress.parent_cells?.planned, done: progress.parent_cells?.done });
        state.progress = progress;
      }
      const buffer = await fetchOrNull(url, false);
      if (buffer) {
        const dataset = await loadBuffer(buffer, name);
        if (dataset) setDataset(dataset);
        return;
      }
      if (!progress && !state.progress) setStatus(`${name}: waiting for the job (no output and no progress file yet)`);
    }
    await sleep(state.progress?.state === 'failed' ? pollMs * 3 : pollMs);
  }
}

function pointerLonLat(event) {
  const rect = canvas.getBoundingClientRect();
  const [ux, uy] = fromScreen(state.view, event.clientX - rect.left, event.clientY - rect.top);
  const proj = projection();
  const ll = proj.inverse(ux, uy);
  return ll && proj.forward(ll[0], ll[1]) ? ll : null;
}

function onHover(event) {
  const ll = pointerLonLat(event);
  state.cursor = ll;
  const hemi = (v, p, n) => `${Math.abs(v).toFixed(5)}° ${v >= 0 ? p : n}`;
  $('cursor-coords').textContent = ll ? `${hemi(ll[1], 'N', 'S')}, ${hemi(ll[0], 'E', 'W')}` : '';
  const ds = state.dataset;
  if (!ds) return;
  if (!ll) {
    renderReadout($('readout'), null);
    return;
  }
  const level = state.lastRender?.level ?? ds.childOrder;
  renderReadout($('readout'), drawnCellAt(ds, level, state.variable, ll[0], ll[1]));
}

async function exportPng() {
  const v = state.dataset?.variable(state.variable);
  const out = composeExport(canvas, {
    title: state.dataset ? state.dataset.name : 'healgrid job progress',
    legend: `${state.legend}${state.scaleBar ? `; scale bar ${state.scaleBar.text} at the centre` : ''}`,
    table: state.dataset ? colormapTable(state.colormap) : null,
    range: state.dataset ? state.range.map(formatNumber) : null,
    units: v?.units ?? '',
    footnote: state.coastlines.drawn ? `Coastlines: GSHHG (${state.coastlines.data.source})` : '',
  });
  const base = (state.dataset?.name ?? 'healgrid').replace(/\.[^.]*$/, '');
  state.lastExport = { width: out.width, height: out.height, bytes: await downloadCanvas(out, `${base}.view.png`) };
}

function setupControls() {
  $('colormap').replaceChildren(...COLORMAPS.map((c) => new Option(c, c)));
  $('colormap').value = state.colormap;
  $('projection').value = state.projection;
  $('coastlines').checked = state.coastlines.on;
  $('projection').addEventListener('change', (e) => {
    // The local projection is centred on the data (or keeps its centre without data).
    setProjection(e.target.value, e.target.value === 'laea' ? (state.autoView?.centre ?? state.laeaCentre) : null);
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
  $('coastlines').addEventListener('change', (e) => { state.coastlines.on = e.target.checked; requestRender(); });
  $('export-png').addEventListener('click', exportPng);
  $('file-input').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    const dataset = await loadBuffer(await file.arrayBuffer(), file.name);
    if (!dataset) return;
    // The URL keeps the served file (if any) without a view: a reload opens it in its own view.
    state.local = true;
    clearViewState();
    viewFromUrl = null;
    asked.variable = null;
    asked.range = null;
    setDataset(dataset);
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
  setView({ lon, lat, cellPixels, k }) {
    const p = projection().forward(lon, lat);
    const order = state.dataset?.childOrder ?? state.progress?.child_order ?? 12;
    state.view.cx = p[0];
    state.view.cy = p[1];
    state.view.k = k ?? (cellPixels * 2 ** order) / Math.sqrt(Math.PI / 3);
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
