// End-to-end: the viewer pointed at a running `healgrid run` shows its planned parent cells
// filling in, then the data. The job is a real 3-rank run; to see an intermediate state for
// sure, its rank processes are paused (SIGSTOP) as soon as the progress file appears, and
// resumed in two steps: ranks 0 and 1 first (rank 0 then writes "2 of 3 ranges done" and waits
// for rank 2), rank 2 last. Canvas pixels at parent cells (healpy centres, this test's own
// projection) must show each range's state; the hover readout then shows the file's values.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  check, finish, launch, mpiArgs, pixelAt, pythonJson, renderedAfter, requirements, run,
  sameColor, screenOf, startView, tempDir, VIEWER_DIR,
} from './e2e_common.mjs';

const COLORS = { running: [190, 190, 190], done: [46, 160, 67] };  // the legend of the page
const { bin, mpiexec, chromium } = await requirements();
const dir = tempDir();
const t0 = Date.now();
run(bin, ['synth', '--granules', '3', '--output-dir', join(dir, 'granules')]);
const output = join(dir, 'live.nc');
const progressPath = `${output}.progress.json`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Rank processes of our mpirun: its children whose environment names their rank.
function ranksOf(pid) {
  const ranks = {};
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      if (ppid !== pid) continue;
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      const rank = env.find((e) => e.startsWith('OMPI_COMM_WORLD_RANK='));
      if (rank) ranks[Number(rank.split('=')[1])] = Number(entry);
    } catch { /* exited meanwhile */ }
  }
  return ranks;
}

const { url } = await startView(bin, output);
const browser = await launch(chromium);
let job = null, ranks = {};
const signal = (rankList, sig) => rankList.forEach((r) => { try { process.kill(ranks[r], sig); } catch { /* gone */ } });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  page.on('pageerror', (e) => check(false, `page error: ${e.message}`));
  await page.goto(`${url}&poll=150`);
  await page.waitForFunction(() => /waiting for the job/.test(window.healgridViewer?.state.status), null, { timeout: 10000 });

  job = spawn(mpiexec, [...mpiArgs(3), bin, 'run', '--quiet', '--layout', 'dense', '--input', join(dir, 'granules'), '--output', output], { stdio: 'inherit' });
  const jobDone = new Promise((resolve) => job.on('exit', resolve));
  process.on('exit', () => { signal([0, 1, 2], 'SIGCONT'); job.kill('SIGKILL'); });
  while (!existsSync(progressPath)) {
    if (job.exitCode !== null) break;
    await sleep(5);
  }
  ranks = ranksOf(job.pid);
  check(Object.keys(ranks).length === 3, `found rank processes ${JSON.stringify(ranks)}`);
  signal([0, 1, 2], 'SIGSTOP');
  const planned = JSON.parse(readFileSync(progressPath, 'utf8'));
  console.log(`paused at state ${planned.state}: ${planned.parent_cells.done}/${planned.parent_cells.planned} parent cells done`);
  check(planned.state === 'aggregating' && planned.planned_parents.length > 0, `progress file state ${planned.state}`);

  // The viewer shows the planned cells, each in its range's state as the file says now.
  const checkCells = async (progress, label) => {
    const before = await page.evaluate(() => window.healgridViewer.state.renderCount);
    await page.waitForFunction((done) => window.healgridViewer.state.progress?.parent_cells.done === done,
      progress.parent_cells.done, { timeout: 10000 });
    const frame = await renderedAfter(page, before - 1);
    const centres = pythonJson([join(VIEWER_DIR, 'test/output_reference.py'), '--parents', String(progress.parent_order),
      progress.latitude_convention, ...progress.planned_parents.map(String)]);
    const stateOf = [];
    for (const r of progress.ranges) for (let i = r.first; i < r.first + r.count; i++) stateOf[i] = r.state;
    let checked = 0;
    for (let i = 0; i < progress.planned_parents.length; i += Math.max(1, Math.floor(progress.planned_parents.length / 12))) {
      const [x, y] = screenOf(frame.view, 'south', centres.lon[i], centres.lat[i]);
      const got = await pixelAt(page, x, y);
      check(sameColor(got, COLORS[stateOf[i]], 2), `${label}: parent ${progress.planned_parents[i]} (${stateOf[i]}) at (${x.toFixed(0)}, ${y.toFixed(0)}) is ${got}`);
      checked++;
    }
    return checked;
  };
  const n1 = await checkCells(planned, 'paused');
  if (process.env.HEALGRID_VIEWER_SCREENSHOTS) await page.screenshot({ path: join(process.env.HEALGRID_VIEWER_SCREENSHOTS, 'live-paused.png') });

  // Ranks 0 and 1 go on: rank 0 records both ranges done, then waits for rank 2.
  signal([0, 1], 'SIGCONT');
  let partial = planned;
  for (let i = 0; i < 400 && !(partial.ranges[0].state === 'done' && partial.ranges[1].state === 'done'); i++) {
    await sleep(25);
    partial = JSON.parse(readFileSync(progressPath, 'utf8'));
  }
  check(partial.ranges[2].state === 'running' && partial.parent_cells.done === partial.ranges[0].count + partial.ranges[1].count,
    `after ranks 0, 1: ${JSON.stringify(partial.parent_cells)}`);
  const n2 = await checkCells(partial, 'ranks 0, 1 done');
  if (process.env.HEALGRID_VIEWER_SCREENSHOTS) await page.screenshot({ path: join(process.env.HEALGRID_VIEWER_SCREENSHOTS, 'live-partial.png') });
  const summary = await page.textContent('#progress-summary');
  check(summary.includes(`${partial.parent_cells.done} of ${partial.parent_cells.planned}`), `progress panel: ${summary}`);

  // Rank 2 too: the job completes, the progress file goes, and the viewer shows the data.
  signal([2], 'SIGCONT');
  check(await jobDone === 0, 'healgrid run failed');
  check(!existsSync(progressPath), 'progress file left after a complete run');
  await page.waitForFunction(() => window.healgridViewer.state.dataset, null, { timeout: 30000 });
  const frame = await renderedAfter(page, 0);
  check(frame.quads > 0, 'no cells drawn once the output is complete');
  const history = await page.evaluate(() => window.healgridViewer.state.progressHistory);
  const dones = history.filter((h) => h.done != null).map((h) => h.done);
  check(dones.every((d, i) => i === 0 || d >= dones[i - 1]), `done counts went down: ${dones}`);
  const ref = pythonJson([join(VIEWER_DIR, 'test/output_reference.py'), output]);
  check(ref.count === planned.planned_parents.length * 4 ** (ref.child_order - ref.parent_order), 'cells != planned parents x children');
  console.log(`checked ${n1} + ${n2} parent cells; viewer saw ${history.length} progress states; ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (process.env.HEALGRID_VIEWER_SCREENSHOTS) await page.screenshot({ path: join(process.env.HEALGRID_VIEWER_SCREENSHOTS, 'live-complete.png') });
} finally {
  signal([0, 1, 2], 'SIGCONT');
  await browser.close();
}
finish('viewer_live_progress');
