// End-to-end: the viewer draws the stored overview levels (output.overviews) of a real healgrid
// output in Debian's chromium. Synthetic ATL06 granules gridded with a std statistic and
// quantiles, dense with levels 4 and 9 (parent order 6: order 9 holds every statistic, order 4
// leaves the quantiles out), sparse with the same levels, and dense without levels. Zoomed so
// an order is drawn, at cells where the stored value and the mean of the finer cells differ
// most (overview_reference.py picks them, netCDF4 + healpy, independently of the viewer):
//   - a statistic the level holds is drawn in its colour and hovered with its value, marked
//     "stored"; the legend says "(stored level)";
//   - a quantile at order 4 falls back to the count-weighted mean of the file's cells, and the
//     legend and the hover say so; a file without levels shows the computed values.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  check, finish, launch, mpiArgs, pixelAt, pythonJson, renderCount, renderedAfter,
  PYTHON, requirements, run, sameColor, screenOf, startView, tempDir, VIEWER_DIR,
} from './e2e_common.mjs';
import { colormapTable } from '../src/colormap.js';

const { bin, mpiexec, chromium } = await requirements();
const source = process.env.HEALGRID_SOURCE_DIR || join(VIEWER_DIR, '..');
const dir = tempDir();
const t0 = Date.now();
run(bin, ['synth', '--granules', '2', '--output-dir', join(dir, 'granules')]);
// The shipped ATL06 config (statistics is its last key) with a standard deviation added.
const config = join(dir, 'atl06_std.yaml');
writeFileSync(config, `${readFileSync(join(source, 'config/atl06.yaml'), 'utf8').trimEnd()}\n  - {name: h_std, function: std, variable: h_li}\n`);
const gridded = (name, ...options) => {
  const out = join(dir, name);
  run(mpiexec, [...mpiArgs(2), bin, 'run', '--quiet', '--config', config, '--input', join(dir, 'granules'), '--output', out, ...options]);
  return out;
};
const dense = gridded('dense.nc', '--layout', 'dense', '--overviews', '4,9');
const sparse = gridded('sparse.nc', '--layout', 'sparse', '--overviews', '4,9');
const plain = gridded('plain.nc', '--layout', 'dense');
console.log(`outputs ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const CELL_UNIT = Math.sqrt(Math.PI / 3);
const table = colormapTable('viridis');
const bucketOf = (v, [lo, hi]) => Math.max(0, Math.min(255, Math.floor(((Math.fround(v) - lo) / (hi - lo)) * 256)));
const colourOf = (b) => [table[b * 3], table[b * 3 + 1], table[b * 3 + 2]];

async function openFile(browser, file) {
  const { url, process: server } = await startView(bin, file);
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  page.on('pageerror', (e) => check(false, `page error: ${e.message}`));
  await page.goto(`${url}&coast=0`);
  await page.waitForFunction(() => window.healgridViewer?.state.dataset, null, { timeout: 30000 });
  await renderedAfter(page, 0);
  const n = await renderCount(page);
  await page.selectOption('#projection', 'south');
  await renderedAfter(page, n);
  return { page, server };
}

async function setRange(page, variable, range) {
  const n = await renderCount(page);
  await page.selectOption('#variable', variable);
  await page.fill('#vmin', String(range[0]));
  await page.dispatchEvent('#vmin', 'change');
  await page.fill('#vmax', String(range[1]));
  await page.dispatchEvent('#vmax', 'change');
  await renderedAfter(page, n);
}

// Checks one hovered cell's readout: every statistic from the level when it holds it, else the
// overview computed from the file's cells; the count of the file's cells with data under it.
async function checkReadout(page, what, cell, ref, levelPath) {
  const attr = (selector, name) => page.evaluate(([s, a]) => document.querySelector(s)?.getAttribute(a) ?? null, [selector, name]);
  const named = await attr('#readout-source', 'data-stored');
  check(named === levelPath, `${what}: readout names level "${named}", expected "${levelPath}"`);
  const withData = Number(await attr('#readout-children', 'data-with-data'));
  check(withData === cell.with_data, `${what}: ${withData} cells with data under it, reference ${cell.with_data}`);
  const rows = await page.$$eval('#readout tr[data-var]', (trs) => trs.map((tr) => [tr.dataset.var, Number(tr.dataset.raw), tr.dataset.source, tr.textContent]));
  check(rows.length === ref.variables.length, `${what}: readout has ${rows.length} variables`);
  for (const [name, raw, from, text] of rows) {
    const stored = ref.stored_variables.includes(name);
    check(from === (stored ? 'stored' : 'computed'), `${what} ${name}: source ${from}`);
    check(text.includes(stored ? '(stored level)' : 'of cells'), `${what} ${name}: readout "${text}" does not say where it comes from`);
    if (stored) {
      const want = cell.stored[name];
      check(Math.fround(raw) === Math.fround(want), `${what} ${name}: readout ${raw}, stored ${want} (computed ${cell.computed[name]})`);
    } else {
      const want = cell.computed[name];
      check(Math.abs(raw - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${what} ${name}: readout ${raw}, computed ${want}`);
    }
  }
}

// Draws `variable` at `order` and checks the legend, the colours and the hover readout of the
// reference's cells; `expect` is where the drawn values come from ('stored' or 'computed').
async function checkOrder(page, file, label, order, variable, expect) {
  const ref = pythonJson([join(VIEWER_DIR, 'test/overview_reference.py'), file, String(order), variable, '3']);
  const levelPath = ref.stored_variables.length ? `overviews/order_${String(order).padStart(2, '0')}` : '';
  if (!check(ref.cells.length === 3, `${label}: only ${ref.cells.length} reference cells at order ${order}`)) return;
  const drawn = (c) => (expect === 'stored' ? c.stored[variable] : c.computed[variable]);
  const all = ref.cells.flatMap((c) => [c.computed[variable], c.stored[variable]]).filter((v) => v != null);
  const span = Math.max(...all) - Math.min(...all) || 1;
  const range = [Math.min(...all) - 0.02 * span, Math.max(...all) + 0.02 * span];
  await setRange(page, variable, range);
  if (expect === 'stored') {
    // The test's power: a viewer drawing the mean of the finer cells would paint another colour.
    const apart = ref.cells.filter((c) => bucketOf(c.stored[variable], range) !== bucketOf(c.computed[variable], range)).length;
    check(apart >= 1, `${label} order ${order} ${variable}: stored and computed values share a colour at every reference cell`);
  }
  const n4 = (4 ** (ref.child_order - order)).toLocaleString('en-US');
  const legend = expect === 'stored' ? `${variable} at order ${order} (stored level)`
    : `${variable} at order ${order} (mean of ${n4} cells, weighted by point count${levelPath ? `; the stored level has no ${variable}` : ''})`;
  for (const cell of ref.cells) {
    const what = `${label} order ${order} ${variable} cell ${cell.id}`;
    const n = await renderCount(page);
    // Order `order` cells ~7.6 px wide: drawn at that order (renderer.displayLevel).
    await page.evaluate(([lon, lat, k]) => window.healgridViewer.setView({ lon, lat, k }), [cell.lon, cell.lat, (1.9 * 4 * 2 ** order) / CELL_UNIT]);
    const frame = await renderedAfter(page, n);
    check(frame.level === order, `${what}: drawn at order ${frame.level}`);
    console.log(`${what}: ${frame.quads} cells drawn in ${frame.ms.toFixed(1)} ms (${frame.source})`);
    check(frame.source === expect, `${what}: drawn from ${frame.source}, expected ${expect}`);
    const text = await page.textContent('#legend-text');
    check(text === legend, `${what}: legend "${text}", expected "${legend}"`);
    const [x, y] = screenOf(frame.view, 'south', cell.lon, cell.lat);
    const got = await pixelAt(page, x, y);
    const want = bucketOf(drawn(cell), range);
    check(sameColor(got, colourOf(want)), `${what}: pixel ${got}, expected bucket ${want} ${colourOf(want)} of ${drawn(cell)} ` +
      `(stored ${cell.stored[variable]}: bucket ${cell.stored[variable] == null ? '-' : bucketOf(cell.stored[variable], range)}, computed ${cell.computed[variable]}: bucket ${bucketOf(cell.computed[variable], range)})`);
    const box = await page.locator('#map').boundingBox();
    await page.mouse.move(box.x + x, box.y + y);
    const ok = await page.waitForFunction((id) => document.getElementById('readout-cell-id')?.textContent === id, cell.id, { timeout: 5000 }).then(() => true, () => false);
    if (check(ok, `${what}: hover shows cell ${await page.textContent('#readout-cell-id').catch(() => 'none')}`)) await checkReadout(page, what, cell, ref, levelPath);
    await page.mouse.move(box.x + 2, box.y + 2);  // off the cell, so the next hover is a change
  }
}

const browser = await launch(chromium);
try {
  let f = await openFile(browser, dense);
  check((await f.page.textContent('#level-note')).includes('stored levels: 4, 9'), `level note: ${await f.page.textContent('#level-note')}`);
  await checkOrder(f.page, dense, 'dense', 9, 'h_std', 'stored');      // per-parent layout
  await checkOrder(f.page, dense, 'dense', 9, 'h_q50', 'stored');
  await checkOrder(f.page, dense, 'dense', 4, 'h_std', 'stored');      // below the parent order
  await checkOrder(f.page, dense, 'dense', 4, 'h_q50', 'computed');    // not stored there
  f.server.kill('SIGTERM');
  f = await openFile(browser, sparse);
  // The status names the file's parent order (netCDF4 reads it), not the child order a sparse
  // file is drawn with.
  const po = run(PYTHON, ['-c', `import netCDF4; print(int(netCDF4.Dataset(${JSON.stringify(sparse)}).parent_order))`]).trim();
  const status = await f.page.textContent('#status');
  check(status.includes(`(parents ${po})`), `sparse status: ${status} (parent_order ${po})`);
  await checkOrder(f.page, sparse, 'sparse', 9, 'h_q50', 'stored');
  await checkOrder(f.page, sparse, 'sparse', 4, 'h_variance', 'stored');
  f.server.kill('SIGTERM');
  f = await openFile(browser, plain);
  await checkOrder(f.page, plain, 'no levels', 9, 'h_std', 'computed');
  f.server.kill('SIGTERM');
} finally {
  await browser.close();
}
console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
finish('viewer_stored_overviews');
