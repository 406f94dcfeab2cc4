// End-to-end: the viewer's map on real outputs (the real Greenland ATL06 granules and a real
// GEDI L2A file of Brazil, gridded by healgrid under mpirun, served by `healgrid view`, opened
// in Debian's chromium). Every number is checked against view_reference.py (pyproj, healpy,
// netCDF4, the GSHHG file decoded there):
//   - a Greenland file opens in north polar stereographic, its cells filling most of the view;
//     the Brazil file in a local equal-area projection centred on its data;
//   - at overview zoom the hover readout is the drawn cell (id, order, children with data, each
//     statistic by its kind) and the legend says what is drawn;
//   - a GSHHG coastline vertex lands at the pixel pyproj predicts; the toggle removes the lines;
//   - graticule labels sit where their parallel / meridian leaves the map, at round spacing
//     that follows the zoom; the cursor readout and the scale bar (true at the centre);
//   - the view survives a reload (URL state); "Save PNG" downloads the view;
//   - Equal Earth shows the whole globe; provenance names wrap only after separators.
// Skips (77) when the real granules are absent. HEALGRID_UPDATE_GALLERY=1 writes the README's
// viewer screenshot to docs/images/viewer-greenland.png.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  check, finish, launch, mpiArgs, pixelAt, pythonJson, renderCount, renderedAfter,
  requirements, run, sameColor, skip, startView, tempDir, VIEWER_DIR,
} from './e2e_common.mjs';
import { colormapTable } from '../src/colormap.js';

const { bin, mpiexec, chromium } = await requirements();
const source = process.env.HEALGRID_SOURCE_DIR || join(VIEWER_DIR, '..');
const realDir = join(process.env.HEALGRID_SHARED_DIR || join(source, '..', 'shared'), 'data', 'real');
if (!existsSync(realDir)) skip(`no real granules at ${realDir}`);
const files = readdirSync(realDir);
const greenland = files.filter((f) => { const m = f.match(/^processed_ATL06_\d{14}_\d{6}(\d{2})_/); return m && Number(m[1]) >= 3 && Number(m[1]) <= 5; });
const gedi = files.find((f) => f.startsWith('GEDI02_A_'));
if (!greenland.length || !gedi) skip(`need real Greenland ATL06 and GEDI L2A granules in ${realDir}`);

const dir = tempDir();
const t0 = Date.now();
const north = join(dir, 'greenland.nc'), brazil = join(dir, 'brazil.nc');
run(mpiexec, [...mpiArgs(2), bin, 'run', '--quiet', ...greenland.flatMap((f) => ['--input', join(realDir, f)]), '--output', north]);
run(mpiexec, [...mpiArgs(2), bin, 'run', '--quiet', '--config', join(source, 'config/gedi_l2a.yaml'), '--input', join(realDir, gedi), '--output', brazil]);
const ref = (command, arg) => pythonJson([join(VIEWER_DIR, 'test/view_reference.py'), command, JSON.stringify(arg)]);
const spec = (frame) => ({ projection: frame.projection, centre: frame.laeaCentre });
// CSS pixels of geodetic points in a rendered frame, and back.
const toScreen = (frame, points) => ref('project', { ...spec(frame), points }).map(([x, y]) =>
  [frame.view.width / 2 + (x - frame.view.cx) * frame.view.k, frame.view.height / 2 - (y - frame.view.cy) * frame.view.k]);
const fromScreen = (frame, points) => ref('inverse', { ...spec(frame), points: points.map(([sx, sy]) =>
  [frame.view.cx + (sx - frame.view.width / 2) / frame.view.k, frame.view.cy - (sy - frame.view.height / 2) / frame.view.k]) });
const state = (page, expr) => page.evaluate(expr);
console.log(`outputs ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

// The cells' centres fill most of the view and all lie inside it.
function checkFills(label, frame, centres) {
  const pts = toScreen(frame, centres.lon.map((lon, i) => [lon, centres.lat[i]]));
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const { width, height } = frame.view;
  check(x0 >= 0 && x1 <= width && y0 >= 0 && y1 <= height, `${label}: data box ${[x0, x1, y0, y1].map(Math.round)} leaves the ${width}x${height} view`);
  const fill = Math.max((x1 - x0) / width, (y1 - y0) / height);
  check(fill > 0.6, `${label}: the data fill ${(fill * 100).toFixed(0)}% of the view`);
  return fill;
}

async function openViewer(browser, output, query = '') {
  const { url, process: server } = await startView(bin, output);
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 }, acceptDownloads: true });
  page.on('pageerror', (e) => check(false, `page error: ${e.message}`));
  await page.goto(url + query);
  await page.waitForFunction(() => window.healgridViewer?.state.dataset && window.healgridViewer.state.coastlines.url, null, { timeout: 30000 });
  await page.waitForFunction(() => { const c = window.healgridViewer.state.coastlines; return c.data || c.error; }, null, { timeout: 30000 });
  return { page, url, server, frame: await renderedAfter(page, 0) };
}

async function hoverOverview(page, frame, cells) {
  const box = await page.locator('#map').boundingBox();
  const table = colormapTable('viridis');
  const range = await state(page, () => window.healgridViewer.state.range);
  const screen = toScreen(frame, cells.map((c) => [c.lon, c.lat]));
  for (const [n, cell] of cells.entries()) {
    const [x, y] = screen[n];
    await page.mouse.move(box.x + x, box.y + y);
    const ok = await page.waitForFunction((id) => document.getElementById('readout-cell-id')?.textContent === id, cell.id, { timeout: 5000 }).then(() => true, () => false);
    if (!check(ok, `overview hover at cell ${cell.id}: readout shows ${await page.textContent('#readout-cell-id').catch(() => 'nothing')}`)) continue;
    check(await page.textContent('#readout-order') === `${frame.level} (drawn cell)`, `readout order ${await page.textContent('#readout-order')}`);
    const withData = Number(await page.getAttribute('#readout-children', 'data-with-data'));
    check(withData === cell.with_data, `cell ${cell.id}: ${withData} children with data, reference ${cell.with_data}`);
    const rows = await page.$$eval('#readout tr[data-var]', (trs) => trs.map((tr) => [tr.dataset.var, Number(tr.dataset.raw)]));
    for (const [name, raw] of rows) {
      const want = cell.values[name];
      check(Math.abs(raw - want) <= 1e-9 * Math.max(1, Math.abs(want)), `cell ${cell.id} ${name}: readout ${raw}, reference ${want}`);
    }
    // The drawn colour is the overview value's (drawn in float32).
    const bucket = Math.max(0, Math.min(255, Math.floor(((Math.fround(cell.values.h_mean) - range[0]) / (range[1] - range[0])) * 256)));
    const got = await pixelAt(page, x, y);
    check(sameColor(got, [table[bucket * 3], table[bucket * 3 + 1], table[bucket * 3 + 2]]), `cell ${cell.id}: pixel ${got}, bucket ${bucket}`);
  }
}

// A coastline vertex inside the view, away from its edges: pixel check and GSHHG check.
async function checkCoastline(page, frame) {
  const data = await state(page, () => window.healgridViewer.state.coastlines.data);
  check(data && data.lines.length > 0, 'no coastlines served');
  if (!data?.lines.length) return;
  const candidates = [];
  for (const line of data.lines) {
    if (line.kind !== 'coast') continue;
    for (let i = 2; i + 2 < line.points.length && candidates.length < 400; i += 2) candidates.push([line.points[i], line.points[i + 1]]);
  }
  const screen = toScreen(frame, candidates);
  const labels = (await state(page, () => window.healgridViewer.state.graticule.labels));
  const pick = screen.findIndex(([x, y]) => x > 60 && x < frame.view.width - 60 && y > 60 && y < frame.view.height - 80 &&
    labels.every((l) => Math.hypot(l.x - x, l.y - y) > 40));
  if (!check(pick >= 0, 'no coastline vertex inside the view')) return;
  const [lon, lat] = candidates[pick], [x, y] = screen[pick];
  const path = `/usr/share/gmt-gshhg/${data.source}`;
  check(ref('gshhg', { path, lon, lat }), `vertex (${lon}, ${lat}) is not in ${path}`);
  let best = 999;
  for (const dx of [-1, 0, 1]) for (const dy of [-1, 0, 1]) {
    const p = await pixelAt(page, x + dx, y + dy);
    best = Math.min(best, Math.max(...p.map((c) => Math.abs(c - 17))));
  }
  check(best <= 60, `coastline vertex (${lon}, ${lat}) at pixel (${x.toFixed(1)}, ${y.toFixed(1)}): nearest colour is ${best} from the coast's`);
  console.log(`coastline vertex (${lon}, ${lat}) of ${data.source} at (${x.toFixed(1)}, ${y.toFixed(1)}): colour distance ${best}`);
  // Near-black pixels away from the edges (the scale bar and labels are dark too).
  const dark = () => page.evaluate(() => {
    const c = document.getElementById('map');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const m = Math.round(60 * c.width / c.clientWidth);
    let n = 0;
    for (let y = m; y < c.height - m; y++) {
      for (let x = m, i = (y * c.width + m) * 4; x < c.width - m; x++, i += 4) if (d[i] < 40 && d[i + 1] < 40 && d[i + 2] < 40) n++;
    }
    return n;
  });
  const before = await dark();
  let n = await renderCount(page);
  await page.uncheck('#coastlines');
  await renderedAfter(page, n);
  const after = await dark();
  check(before > 100 && after < before * 0.02, `coastline toggle: ${before} -> ${after} near-black pixels`);
  n = await renderCount(page);
  await page.check('#coastlines');
  await renderedAfter(page, n);
}

async function checkGraticule(page, frame) {
  const g = await state(page, () => window.healgridViewer.state.graticule);
  const round = [30, 20, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01];
  check(round.includes(g.latStep) && round.includes(g.lonStep), `graticule steps ${g.latStep}, ${g.lonStep}`);
  const lat = g.labels.filter((l) => l.kind === 'lat' && l.edge === 'left');
  const lon = g.labels.filter((l) => l.kind === 'lon' && l.edge === 'bottom');
  check(lat.length >= 2 && lon.length >= 2, `graticule labels: ${lat.length} on the left, ${lon.length} at the bottom`);
  const back = fromScreen(frame, [...lat.map((l) => [l.x, l.y]), ...lon.map((l) => [l.x, l.y])]);
  lat.forEach((l, i) => check(Math.abs(back[i][1] - l.value) < 0.02 * g.latStep && Math.abs(l.value / g.latStep - Math.round(l.value / g.latStep)) < 1e-9,
    `label ${l.text} at (0, ${l.y.toFixed(1)}) where the latitude is ${back[i][1]}`));
  lon.forEach((l, i) => {
    const d = ((back[lat.length + i][0] - l.value + 540) % 360) - 180;
    check(Math.abs(d) < 0.02 * g.lonStep, `label ${l.text} at (${l.x.toFixed(1)}, bottom) where the longitude is ${back[lat.length + i][0]}`);
  });
  return g;
}

async function checkCursorAndScale(page, frame) {
  const box = await page.locator('#map').boundingBox();
  const at = [frame.view.width * 0.37, frame.view.height * 0.61];
  await page.mouse.move(box.x + at[0], box.y + at[1]);
  const text = await page.textContent('#cursor-coords');
  const m = text.match(/([\d.]+)° ([NS]), ([\d.]+)° ([EW])/);
  if (check(m, `cursor readout "${text}"`)) {
    const lat = Number(m[1]) * (m[2] === 'S' ? -1 : 1), lon = Number(m[3]) * (m[4] === 'W' ? -1 : 1);
    const [[x, y]] = toScreen(frame, [[lon, lat]]);
    check(Math.hypot(x - at[0], y - at[1]) < 0.6, `cursor readout ${text} is at (${x.toFixed(2)}, ${y.toFixed(2)}), pointer at ${at}`);
  }
  const bar = await state(page, () => window.healgridViewer.state.scaleBar);
  const c = [frame.view.width / 2, frame.view.height / 2];
  const ends = fromScreen(frame, [[c[0] - 5, c[1]], [c[0] + 5, c[1]]]);
  const [metres10] = ref('geod', { points: [[...ends[0], ...ends[1]]] });
  const trueLength = (bar.px * metres10) / 10;
  check(Math.abs(trueLength - bar.metres) / bar.metres < 0.005, `scale bar "${bar.text}" of ${bar.px.toFixed(1)} px is ${trueLength.toFixed(0)} m at the centre (pyproj)`);
  check(/^(1|2|5)(0*) (k?m)$/.test(bar.text), `scale bar length ${bar.text} is not round`);
  const mid = await pixelAt(page, (bar.x0 + bar.x1) / 2, bar.y);
  check(mid.every((v) => v < 90), `scale bar not drawn at its middle: ${mid}`);
  console.log(`scale bar ${bar.text} = ${bar.px.toFixed(1)} px; pyproj: ${trueLength.toFixed(0)} m`);
}

async function checkReload(page) {
  let n = await renderCount(page);
  await page.selectOption('#variable', 'h_max');
  await page.fill('#vmin', '123.5');
  await page.dispatchEvent('#vmin', 'change');
  const box = await page.locator('#map').boundingBox();
  await page.mouse.move(box.x + 400, box.y + 300);
  await page.mouse.wheel(0, -300);
  await renderedAfter(page, n);
  await page.waitForTimeout(300);
  const before = await state(page, () => ({ ...window.healgridViewer.state.lastRender, range: window.healgridViewer.state.range, search: location.search }));
  await page.reload();
  await page.waitForFunction(() => window.healgridViewer?.state.dataset, null, { timeout: 30000 });
  const after = await renderedAfter(page, 0);
  const range = await state(page, () => window.healgridViewer.state.range);
  const close = (a, b) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a));
  check(after.projection === before.projection && after.variable === 'h_max', `reload: ${after.projection} ${after.variable} (URL ${before.search})`);
  check(close(after.view.k, before.view.k) && Math.abs(after.view.cx - before.view.cx) * after.view.k < 0.5 &&
    Math.abs(after.view.cy - before.view.cy) * after.view.k < 0.5, `reload: view ${JSON.stringify(after.view)} != ${JSON.stringify(before.view)}`);
  check(range[0] === 123.5 && close(range[1], before.range[1]), `reload: range ${range} != ${before.range}`);
}

async function checkExport(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-png')]);
  const path = join(dir, download.suggestedFilename());
  await download.saveAs(path);
  const size = await state(page, () => ({ w: document.getElementById('map').width, h: document.getElementById('map').height }));
  const png = readFileSync(path);
  const w = png.readUInt32BE(16), h = png.readUInt32BE(20);
  check(png.subarray(1, 4).toString() === 'PNG' && w === size.w && h > size.h, `exported PNG ${w}x${h}, map ${size.w}x${size.h}`);
  const stats = JSON.parse(run('/usr/bin/python3', ['-c', `import json, sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
px = list(im.getdata())
print(json.dumps({"colours": len(set(px)), "non_white": sum(p != (255, 255, 255) for p in px) / len(px)}))`, path]));
  check(stats.colours > 50 && stats.non_white > 0.5, `exported PNG looks blank: ${JSON.stringify(stats)}`);
  console.log(`exported ${download.suggestedFilename()}: ${w}x${h}, ${stats.colours} colours`);
}

async function checkProvenance(page) {
  await page.$$eval('#provenance details', (ds) => ds.forEach((d) => { d.open = true; }));
  const bad = await page.evaluate(() => {
    const out = [];
    for (const th of document.querySelectorAll('#provenance th')) {
      const range = document.createRange();
      range.selectNodeContents(th);
      const tops = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
      if (tops.size > 1) out.push(`key ${th.textContent} wraps`);
    }
    for (const td of document.querySelectorAll('#provenance td')) {
      const text = td.textContent;
      let prevTop = null;
      const range = document.createRange();
      let offset = 0;
      for (const node of td.childNodes) {
        if (node.nodeType !== 3) continue;
        for (let i = 0; i < node.length; i++, offset++) {
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const r = range.getClientRects()[0];
          if (!r) continue;
          if (prevTop !== null && r.top > prevTop + 2 && !/[\s_/.\-]/.test(text[offset - 1]) && !/\s/.test(text[offset])) out.push(`"${text}" breaks after "${text.slice(0, offset)}"`);
          prevTop = r.top;
        }
      }
    }
    return out;
  });
  check(bad.length === 0, `provenance breaks words: ${bad.slice(0, 3).join('; ')}`);
}

const browser = await launch(chromium);
try {
  // Greenland: north polar stereographic, zoomed to the data.
  const gl = await openViewer(browser, north);
  const glRef = ref('cells', { file: north });
  check(gl.frame.projection === 'north', `Greenland opens in ${gl.frame.projection}`);
  const coast = await state(gl.page, () => window.healgridViewer.state.coastlines);
  console.log(`Greenland: ${glRef.lon.length} cells fill ${(checkFills('Greenland', gl.frame, glRef) * 100).toFixed(0)}% of the view; ` +
    `frame ${gl.frame.ms.toFixed(0)} ms; ${coast.data?.lines.length} coastline segments (${coast.drawn} drawn) from ${coast.url}`);
  if (process.env.HEALGRID_UPDATE_GALLERY === '1') {
    // Hovering a cell with data; the provenance hidden (its history names this machine's paths).
    const mid = Math.floor(glRef.lon.length / 2);
    const [[x, y]] = toScreen(gl.frame, [[glRef.lon[mid], glRef.lat[mid]]]);
    const box = await gl.page.locator('#map').boundingBox();
    await gl.page.mouse.move(box.x + x, box.y + y);
    await gl.page.evaluate(() => { document.getElementById('provenance').parentElement.style.display = 'none'; });
    await gl.page.screenshot({ path: join(source, 'docs/images/viewer-greenland.png') });
    await gl.page.evaluate(() => { document.getElementById('provenance').parentElement.style.display = ''; });
  }
  const labels1 = await checkGraticule(gl.page, gl.frame);
  await checkCursorAndScale(gl.page, gl.frame);
  // Overview zoom: cells of order 12 well under a pixel wide.
  let n = await renderCount(gl.page);
  await gl.page.evaluate((k) => window.healgridViewer.setView({ lon: -49.5, lat: 71, k }), gl.frame.view.k / 12);
  const coarse = await renderedAfter(gl.page, n);
  check(coarse.level < glRef.child_order, `zoomed out, still drawn at order ${coarse.level}`);
  const ov = ref('cells', { file: north, level: coarse.level, count: 3 });
  const legend = await gl.page.textContent('#legend-text');
  const want = `h_mean at order ${coarse.level} (mean of ${(4 ** (glRef.child_order - coarse.level)).toLocaleString('en-US')} cells, weighted by point count)`;
  check(legend === want, `legend "${legend}", expected "${want}"`);
  await hoverOverview(gl.page, coarse, ov.overview);
  await checkCoastline(gl.page, coarse);
  const labels2 = await checkGraticule(gl.page, coarse);
  check(labels2.latStep > labels1.latStep, `graticule step ${labels1.latStep} -> ${labels2.latStep} when zooming out x12`);
  await checkCursorAndScale(gl.page, coarse);
  await checkReload(gl.page);
  await checkExport(gl.page);
  await checkProvenance(gl.page);
  gl.server.kill('SIGTERM');

  // Brazil (GEDI): a local equal-area projection centred on the data (the file's own cells:
  // fewer than 20000, so the viewer uses them as render does).
  const br = await openViewer(browser, brazil);
  const brRef = ref('cells', { file: brazil });
  const lats = brRef.lat, lons = brRef.lon;
  const round2 = (v) => Math.round(v * 100) / 100;
  const centre = [round2((Math.min(...lons) + Math.max(...lons)) / 2), round2((Math.min(...lats) + Math.max(...lats)) / 2)];
  check(br.frame.projection === 'laea' && br.frame.laeaCentre.every((v, i) => Math.abs(v - centre[i]) < 1e-9),
    `Brazil opens in ${br.frame.projection} ${br.frame.laeaCentre}, expected laea ${centre}`);
  checkFills('Brazil', br.frame, brRef);
  await checkGraticule(br.page, br.frame);
  await checkCursorAndScale(br.page, br.frame);
  br.server.kill('SIGTERM');

  // Without a file: Equal Earth shows the whole globe.
  const { url } = await startView(bin, join(dir, 'none.nc'));
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await page.goto(url.replace(/\?.*/, '?projection=global'));
  const frame = await renderedAfter(page, 0);
  const rim = toScreen(frame, [[-180, 0], [180, 0], [0, 90], [0, -90], [-180, 60], [180, -60]]);
  check(rim.every(([x, y]) => x >= 0 && x <= frame.view.width && y >= 0 && y <= frame.view.height),
    `Equal Earth crops the globe: rim at ${JSON.stringify(rim.map((p) => p.map(Math.round)))} in ${frame.view.width}x${frame.view.height}`);
} finally {
  await browser.close();
}
console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
finish('viewer_map_features');
