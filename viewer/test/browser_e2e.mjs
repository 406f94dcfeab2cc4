// End-to-end: a real healgrid output served by `healgrid view`, opened in Debian's chromium.
// Switches variable and projection, checks the canvas colour at known cells' positions
// (computed here from healpy centres and this file's own projection formulas) and the hover
// readout against the values netCDF4 reads from the file, and pans/zooms with the mouse.
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  check, finish, launch, mpiArgs, pixelAt, pythonJson, renderCount, renderedAfter,
  requirements, run, sameColor, screenOf, startView, tempDir, VIEWER_DIR,
} from './e2e_common.mjs';
import { colormapTable } from '../src/colormap.js';

const { bin, mpiexec, chromium } = await requirements();
const dir = tempDir();
const t0 = Date.now();
run(bin, ['synth', '--granules', '2', '--output-dir', join(dir, 'granules')]);
const output = join(dir, 'out.nc');
run(mpiexec, [...mpiArgs(2), bin, 'run', '--quiet', '--input', join(dir, 'granules'), '--output', output]);
const ref = pythonJson([join(VIEWER_DIR, 'test/output_reference.py'), output]);
console.log(`data ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${ref.count} cells, ${ref.cells.length} known cells`);
check(ref.cells.length >= 3, `only ${ref.cells.length} known cells`);

const { url } = await startView(bin, output);
const browser = await launch(chromium);
const screenshots = process.env.HEALGRID_VIEWER_SCREENSHOTS;  // a folder, to look at them
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  page.on('pageerror', (e) => check(false, `page error: ${e.message}`));
  // Without coastlines, which could cross the pixels checked (map_features.mjs checks them).
  await page.goto(`${url}&coast=0`);
  await page.waitForFunction(() => window.healgridViewer?.state.dataset, null, { timeout: 30000 });
  await renderedAfter(page, 0);

  const options = await page.$$eval('#variable option', (os) => os.map((o) => o.value));
  check(JSON.stringify(options) === JSON.stringify(ref.variables), `variables ${options} != ${ref.variables}`);
  const granules = await page.textContent('#provenance-granules');
  check(granules.startsWith(`${ref.granule_count} granules`), `provenance: ${granules}`);

  // Colour range that spreads the known cells' values over the table.
  for (const projection of ['south', 'global']) {
    let n = await renderCount(page);
    await page.selectOption('#projection', projection);
    await renderedAfter(page, n);
    for (const variable of ['h_mean', 'h_max']) {
      const values = ref.cells.map((c) => c.values[variable]);
      const vmin = Math.min(...values) - 0.05, vmax = Math.max(...values) + 0.05;
      n = await renderCount(page);
      await page.selectOption('#variable', variable);
      await page.fill('#vmin', String(vmin));
      await page.dispatchEvent('#vmin', 'change');
      await page.fill('#vmax', String(vmax));
      await page.dispatchEvent('#vmax', 'change');
      await page.evaluate(([lon, lat]) => window.healgridViewer.setView({ lon, lat, cellPixels: 14 }), [ref.cells[0].lon, ref.cells[0].lat]);
      const frame = await renderedAfter(page, n);
      check(frame.level === ref.child_order, `${projection}: drawn at order ${frame.level}`);
      const table = colormapTable('viridis');
      for (const cell of ref.cells) {
        const [x, y] = screenOf(frame.view, projection, cell.lon, cell.lat);
        const bucket = Math.max(0, Math.min(255, Math.floor(((cell.values[variable] - vmin) / (vmax - vmin)) * 256)));
        const expected = [table[bucket * 3], table[bucket * 3 + 1], table[bucket * 3 + 2]];
        const got = await pixelAt(page, x, y);
        check(sameColor(got, expected), `${projection} ${variable} cell ${cell.id} at (${x.toFixed(1)}, ${y.toFixed(1)}): pixel ${got}, expected ${expected}`);
        // The readout of the hovered cell: its id, and every variable as stored in the file.
        const box = await page.locator('#map').boundingBox();
        await page.mouse.move(box.x + x, box.y + y);
        await page.waitForFunction((id) => document.getElementById('readout-cell-id')?.textContent === id, cell.id, { timeout: 5000 })
          .catch(() => check(false, `${projection}: hover at cell ${cell.id} shows ${'another cell'}`));
        const rows = await page.$$eval('#readout tr[data-var]', (trs) => trs.map((tr) => [tr.dataset.var, tr.dataset.raw, tr.querySelector('td').textContent]));
        check(rows.length === ref.variables.length, `readout has ${rows.length} variables`);
        for (const [name, raw, text] of rows) {
          const want = cell.values[name];
          const same = Number.isInteger(want) ? Number(raw) === want : Math.fround(Number(raw)) === Math.fround(want);
          check(same, `${projection} cell ${cell.id} ${name}: readout ${raw}, file ${want}`);
          check(Math.abs(parseFloat(text) - want) <= 1e-6 * Math.max(1, Math.abs(want)), `${name} shown as ${text}, file ${want}`);
        }
      }
      if (screenshots) await page.screenshot({ path: join(screenshots, `viewer-${projection}-${variable}.png`) });
    }
  }

  // North polar: the Antarctic cells fall outside the projection's hemisphere.
  let n = await renderCount(page);
  await page.selectOption('#projection', 'north');
  check((await renderedAfter(page, n)).quads === 0, 'north polar view draws Antarctic cells');

  // Pan and zoom with the mouse: a wheel keeps the point under the cursor, a drag moves by it.
  n = await renderCount(page);
  await page.selectOption('#projection', 'south');
  const before = (await renderedAfter(page, n)).view;
  const box = await page.locator('#map').boundingBox();
  const at = [300, 250];
  n = await renderCount(page);
  await page.mouse.move(box.x + at[0], box.y + at[1]);
  await page.mouse.wheel(0, -400);
  const zoomed = (await renderedAfter(page, n)).view;
  const unitBefore = [before.cx + (at[0] - before.width / 2) / before.k, before.cy - (at[1] - before.height / 2) / before.k];
  const unitAfter = [zoomed.cx + (at[0] - zoomed.width / 2) / zoomed.k, zoomed.cy - (at[1] - zoomed.height / 2) / zoomed.k];
  check(zoomed.k > before.k * 1.5, `wheel zoom: k ${before.k} -> ${zoomed.k}`);
  check(Math.hypot(unitAfter[0] - unitBefore[0], unitAfter[1] - unitBefore[1]) * zoomed.k < 1, 'wheel zoom moved the point under the cursor');
  n = await renderCount(page);
  await page.mouse.down();
  await page.mouse.move(box.x + at[0] + 120, box.y + at[1] - 80, { steps: 5 });
  await page.mouse.up();
  const panned = (await renderedAfter(page, n)).view;
  check(Math.abs((zoomed.cx - panned.cx) * zoomed.k - 120) < 0.5 && Math.abs((panned.cy - zoomed.cy) * zoomed.k + 80) < 0.5,
    `drag by (120, -80) px moved the view by (${((zoomed.cx - panned.cx) * zoomed.k).toFixed(1)}, ${((panned.cy - zoomed.cy) * zoomed.k).toFixed(1)})`);
  if (screenshots) await page.screenshot({ path: join(screenshots, 'viewer-south-panned.png') });

  // "Open file…" over the served file: the URL keeps file= without a view (a reload shows the
  // served file in its own view); a file that fails to open leaves the map shown, and says so.
  copyFileSync(output, join(dir, 'local.nc'));
  await page.setInputFiles('#file-input', join(dir, 'local.nc'));
  await page.waitForFunction(() => window.healgridViewer.state.dataset?.name === 'local.nc', null, { timeout: 20000 });
  await renderedAfter(page, await renderCount(page) - 1);
  let search = new URLSearchParams(await page.evaluate(() => location.search));
  check(search.get('file') && !search.has('centre') && !search.has('zoom') && !search.has('projection'), `URL after Open file: ?${search}`);
  writeFileSync(join(dir, 'bad.nc'), 'not a netCDF file\n');
  await page.setInputFiles('#file-input', join(dir, 'bad.nc'));
  await page.waitForFunction(() => /cannot read bad\.nc/.test(window.healgridViewer.state.status), null, { timeout: 20000 });
  const after = await page.evaluate(() => ({ name: window.healgridViewer.state.dataset?.name, status: window.healgridViewer.state.status, options: document.querySelectorAll('#variable option').length }));
  check(after.name === 'local.nc' && after.status.includes('still showing local.nc') && after.options === ref.variables.length, `after a failed open: ${JSON.stringify(after)}`);
  await page.reload();
  await page.waitForFunction(() => window.healgridViewer?.state.dataset, null, { timeout: 30000 });
  const reloaded = await page.evaluate(() => ({ name: window.healgridViewer.state.dataset.name, projection: window.healgridViewer.state.projection, auto: window.healgridViewer.state.autoView?.key }));
  check(reloaded.name === 'out.nc' && reloaded.projection === reloaded.auto, `reload after Open file: ${JSON.stringify(reloaded)}`);

  // A variable all missing is noted under the colour bar; one with +inf cells keeps a finite
  // default range (the finite values' percentiles), never "Infinity" (an empty number input) in the range inputs.
  const edited = join(dir, 'edited.nc');
  copyFileSync(output, edited);
  const [nanVar, infVar] = pythonJson(['-c', `
import json, netCDF4, numpy as np
with netCDF4.Dataset(${JSON.stringify(edited)}, "a") as f:
    names = [k for k, v in f.variables.items() if v.dimensions == ("cell_ids",) and v.dtype == np.float32 and k != "cell_ids"]
    f[names[0]][:] = np.ma.masked
    v = f[names[1]][:]
    v[::3] = np.inf
    f[names[1]][:] = v
print(json.dumps(names[:2]))
`]);
  await page.setInputFiles('#file-input', edited);
  await page.waitForFunction(() => window.healgridViewer.state.dataset?.name === 'edited.nc', null, { timeout: 20000 });
  await page.selectOption('#variable', nanVar);
  const nanNote = await page.textContent('#value-note');
  check(nanNote.includes(`all values of ${nanVar} are missing`), `${nanVar} all missing: note "${nanNote}"`);
  await page.selectOption('#variable', infVar);
  const infRange = await page.evaluate(() => [document.getElementById('vmin').value, document.getElementById('vmax').value, document.getElementById('value-note').textContent]);
  check(infRange.slice(0, 2).every((v) => v !== '' && Number.isFinite(Number(v))) && infRange[2] === '', `${infVar} with +inf: range inputs ${infRange}`);

  // Output names with '#', '?', '%' and a space load (each path segment encoded when fetched).
  for (const odd of ['a#b.nc', 'q?.nc', '100% x.nc']) {
    copyFileSync(output, join(dir, odd));
    const served = await startView(bin, join(dir, odd));
    const p = await browser.newPage({ viewport: { width: 600, height: 400 } });
    const errors = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(`${served.url}&coast=0`);
    const name = await p.waitForFunction(() => window.healgridViewer?.state.dataset?.name, null, { timeout: 20000 })
      .then((h) => h.jsonValue()).catch(() => null);
    check(name === odd, `${odd}: the page shows ${name} (${await p.evaluate(() => document.getElementById('status').textContent)})`);
    check(!errors.length, `${odd}: page errors ${errors}`);
    await p.close();
    served.process.kill('SIGTERM');
  }
} finally {
  await browser.close();
}
console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
finish('viewer_browser');
