// Shared parts of the viewer's browser tests: locating the binary and tools, running healgrid,
// serving with `healgrid view`, launching Debian's chromium, and the test-side projection
// formulas (written here independently of src/) that place known cells on the canvas.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VIEWER_DIR = fileURLToPath(new URL('..', import.meta.url));
export const PYTHON = '/usr/bin/python3';
export const CHROMIUM = process.env.HEALGRID_CHROMIUM || '/usr/bin/chromium';
const SKIP = 77;

export function skip(why) {
  console.log(`SKIP: ${why}`);
  process.exit(SKIP);
}

// A part the install scripts provide (chromium, npm packages, the built viewer) is missing: in CI
// (CI=true) that is a failure with the reason, since a skipped test there would hide it; outside
// CI the test skips with the message.
export function unavailable(why) {
  if (process.env.CI === 'true') {
    console.log(`FAIL: ${why} (CI=true: a browser test must run in CI, not skip)`);
    process.exit(1);
  }
  skip(why);
}

// The environment ctest gives (HEALGRID_BIN, MPIEXEC), or skip when the browser parts are absent.
export async function requirements() {
  const bin = process.env.HEALGRID_BIN;
  if (!bin || !existsSync(bin)) skip('HEALGRID_BIN is not set (run under ctest)');
  if (!existsSync(CHROMIUM)) unavailable(`${CHROMIUM} is missing (scripts/viewer-setup.sh installs it)`);
  if (!existsSync(join(VIEWER_DIR, 'node_modules/playwright-core'))) unavailable('viewer/node_modules is missing (scripts/viewer-setup.sh runs npm ci)');
  if (!existsSync(join(VIEWER_DIR, 'dist/app.js'))) unavailable('viewer/dist is missing (scripts/viewer-setup.sh runs npm run build)');
  const { chromium } = await import('playwright-core');
  return { bin, mpiexec: process.env.MPIEXEC || 'mpirun', chromium };
}

export function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'healgrid-viewer-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function run(cmd, args, options = {}) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], ...options }).toString();
}

export function mpiArgs(np) {
  return ['-np', String(np), '--oversubscribe'];
}

export function pythonJson(args) {
  return JSON.parse(run(PYTHON, args, { maxBuffer: 1 << 26 }));
}

// Starts `healgrid view OUT --port 0`; resolves { url, process } once it prints its URL.
export function startView(bin, output) {
  const child = spawn(bin, ['view', output, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.on('exit', () => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      const m = text.match(/open (http:\/\/127\.0\.0\.1:\d+\/\S+)/);
      if (m) resolve({ url: m[1], process: child });
    });
    child.on('exit', (code) => reject(new Error(`healgrid view exited with ${code}: ${text}`)));
  });
}

// playwright gives every launch a new empty profile (its own temporary --user-data-dir).
export async function launch(chromium) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

// Resolves once the viewer has no render pending and has rendered since `after`.
export async function renderedAfter(page, after) {
  await page.waitForFunction((n) => {
    const s = window.healgridViewer?.state;
    return s && !s.pending && s.renderCount > n;
  }, after, { timeout: 20000 });
  return page.evaluate(() => window.healgridViewer.state.lastRender);
}

export const renderCount = (page) => page.evaluate(() => window.healgridViewer.state.renderCount);

// Unit-sphere map coordinates of geodetic degrees, per projection (EPSG:3031 / 3413 polar
// stereographic orientations; Equal Earth after Savric, Patterson & Jenny 2018).
export function project(projection, lon, lat) {
  const r = Math.PI / 180;
  if (projection === 'south') {
    const rho = 2 * Math.tan((90 + lat) * r / 2);
    return [rho * Math.sin(lon * r), rho * Math.cos(lon * r)];
  }
  if (projection === 'north') {
    const rho = 2 * Math.tan((90 - lat) * r / 2);
    return [rho * Math.sin((lon + 45) * r), -rho * Math.cos((lon + 45) * r)];
  }
  const [A1, A2, A3, A4] = [1.340264, -0.081106, 0.000893, 0.003796];
  const t = Math.asin((Math.sqrt(3) / 2) * Math.sin(lat * r));
  const t2 = t * t, t6 = t2 * t2 * t2;
  const x = (2 * Math.sqrt(3) * lon * r * Math.cos(t)) / (3 * (9 * A4 * t6 * t2 + 7 * A3 * t6 + 3 * A2 * t2 + A1));
  const y = t * (A1 + A2 * t2 + t6 * (A3 + A4 * t2));
  return [x, y];
}

// CSS-pixel position on the canvas of geodetic (lon, lat) in the view the viewer reports.
export function screenOf(view, projection, lon, lat) {
  const [x, y] = project(projection, lon, lat);
  return [view.width / 2 + (x - view.cx) * view.k, view.height / 2 - (y - view.cy) * view.k];
}

// RGB of the map canvas at CSS pixel (x, y).
export function pixelAt(page, x, y) {
  return page.evaluate(([px, py]) => {
    const c = document.getElementById('map');
    const dpr = c.width / c.clientWidth;
    return Array.from(c.getContext('2d').getImageData(Math.round(px * dpr), Math.round(py * dpr), 1, 1).data.slice(0, 3));
  }, [x, y]);
}

// Whether CSS pixel (x, y) may lie under the map's furniture drawn over the cells: graticule
// labels along the edges, the scale bar at the bottom left, the cursor readout at the bottom
// right. Cell colour checks skip such pixels.
export function underFurniture(view, x, y) {
  return x < 50 || y > view.height - 45 || y < 16 || x > view.width - 50;
}

export function sameColor(a, b, tolerance = 3) {
  return a.every((v, i) => Math.abs(v - b[i]) <= tolerance);
}

let failures = 0;
export function check(ok, message) {
  if (!ok) {
    failures++;
    console.log(`FAIL: ${message}`);
  }
  return ok;
}
export function finish(name) {
  console.log(failures ? `${name}: ${failures} check(s) failed` : `${name}: all checks passed`);
  process.exit(failures ? 1 : 0);
}
