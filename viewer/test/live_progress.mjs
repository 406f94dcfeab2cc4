// End-to-end: the viewer pointed at a running `healgrid run` shows its planned parent cells
// filling in round by round, then the data. The job is a real 2-rank run in 4 rounds per rank
// (--rounds 4), each round followed by a pause (HEALGRID_TEST_ROUND_PAUSE_SECONDS, the
// journal's test hook), so the progress file goes through intermediate states. The test
// records every state of the file: it must show done counts strictly between 0 and all, and
// several of them. At the first state with some but not all of a rank's cells done, the ranks
// are paused (SIGSTOP) while the canvas is checked: pixels at parent cells (healpy centres,
// this test's own projection) must show each cell's state from the file's done_spans, and the
// legend must name the states (not a 0-1 scale). Then the hover readout shows the file's values.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  check, finish, launch, mpiArgs, pixelAt, pythonJson, renderedAfter, requirements, run,
  sameColor, screenOf, startView, tempDir, underFurniture, VIEWER_DIR,
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
  // Without coastlines: they would cross some of the parent cells whose colours are checked.
  await page.goto(`${url}&poll=150&coast=0`);
  await page.waitForFunction(() => /waiting for the job/.test(window.healgridViewer?.state.status), null, { timeout: 10000 });

  job = spawn(mpiexec, [...mpiArgs(2), bin, 'run', '--quiet', '--layout', 'dense', '--rounds', '4', '--input', join(dir, 'granules'), '--output', output],
    { stdio: 'inherit', env: { ...process.env, HEALGRID_TEST_ROUND_PAUSE_SECONDS: '0.4' } });
  const jobDone = new Promise((resolve) => job.on('exit', resolve));
  process.on('exit', () => { signal([0, 1], 'SIGCONT'); job.kill('SIGKILL'); });
  while (!existsSync(progressPath)) {
    if (job.exitCode !== null) break;
    await sleep(5);
  }
  ranks = ranksOf(job.pid);
  check(Object.keys(ranks).length === 2, `found rank processes ${JSON.stringify(ranks)}`);
  signal([0, 1], 'SIGSTOP');
  const planned = JSON.parse(readFileSync(progressPath, 'utf8'));
  console.log(`paused at state ${planned.state}: ${planned.parent_cells.done}/${planned.parent_cells.planned} parent cells done`);
  check(planned.state === 'aggregating' && planned.planned_parents.length > 0, `progress file state ${planned.state}`);
  // The viewer shows the planned cells, each in its state as the file says now.
  const checkCells = async (progress, label) => {
    const before = await page.evaluate(() => window.healgridViewer.state.renderCount);
    await page.waitForFunction((done) => window.healgridViewer.state.progress?.parent_cells.done === done,
      progress.parent_cells.done, { timeout: 10000 });
    const frame = await renderedAfter(page, before - 1);
    const centres = pythonJson([join(VIEWER_DIR, 'test/output_reference.py'), '--parents', String(progress.parent_order),
      progress.latitude_convention, ...progress.planned_parents.map(String)]);
    // Each cell's state from the file: its range's, or done when a reported round covers it.
    const stateOf = [];
    for (const r of progress.ranges) {
      for (let i = r.first; i < r.first + r.count; i++) stateOf[i] = r.state;
      for (const [first, count] of r.done_spans) for (let i = first; i < first + count; i++) if (r.state === 'running') stateOf[i] = 'done';
    }
    const checked = { running: 0, done: 0 };
    for (let i = 0; i < progress.planned_parents.length; i++) {
      const [x, y] = screenOf(frame.view, frame.projection, centres.lon[i], centres.lat[i]);
      if (underFurniture(frame.view, x, y)) continue;
      const got = await pixelAt(page, x, y);
      check(sameColor(got, COLORS[stateOf[i]], 2), `${label}: parent ${progress.planned_parents[i]} (${stateOf[i]}) at (${x.toFixed(0)}, ${y.toFixed(0)}) is ${got}`);
      checked[stateOf[i]]++;
    }
    return checked;
  };
  const n1 = await checkCells(planned, 'paused');
  check(n1.running > 0, `paused: ${JSON.stringify(n1)} cells checked`);

  // Run on; stop again at the first state where a rank has some of its cells done but not all.
  signal([0, 1], 'SIGCONT');
  const seen = [planned.parent_cells.done];
  let partial = null;
  for (let i = 0; i < 4000 && !partial && job.exitCode === null; i++) {
    await sleep(5);
    let p;
    try { p = JSON.parse(readFileSync(progressPath, 'utf8')); } catch { continue; }
    if (p.parent_cells.done !== seen[seen.length - 1]) seen.push(p.parent_cells.done);
    if (p.ranges.some((r) => r.state === 'running' && r.done_parents > 0 && r.done_parents < r.count)) {
      signal([0, 1], 'SIGSTOP');
      partial = JSON.parse(readFileSync(progressPath, 'utf8'));
    }
  }
  check(partial !== null, 'no progress state with part of a rank\'s cells done (rounds not reported)');
  let n2 = {};
  if (partial) {
    const total = partial.parent_cells.planned;
    check(partial.parent_cells.done > 0 && partial.parent_cells.done < total, `intermediate state ${partial.parent_cells.done}/${total}`);
    n2 = await checkCells(partial, 'rounds done');
    check(n2.running > 0 && n2.done > 0, `rounds done: ${JSON.stringify(n2)} cells checked`);
    if (process.env.HEALGRID_VIEWER_SCREENSHOTS) await page.screenshot({ path: join(process.env.HEALGRID_VIEWER_SCREENSHOTS, 'live-partial.png') });
    const summary = await page.textContent('#progress-summary');
    check(summary.includes(`${partial.parent_cells.done} of ${total}`), `progress panel: ${summary}`);
    const legend = await page.textContent('#level-note');
    check(/reduced \(\d+\)/.test(legend) && /waiting \(\d+\)/.test(legend) && /failed/.test(legend), `legend during the run: "${legend}"`);
    check(!(await page.isVisible('#colorbar')), 'a value colour bar is shown during the run');
    signal([0, 1], 'SIGCONT');
  }
  // The rest of the run: every state the file goes through.
  while (job.exitCode === null) {
    await sleep(5);
    try {
      const p = JSON.parse(readFileSync(progressPath, 'utf8'));
      if (p.parent_cells.done !== seen[seen.length - 1]) seen.push(p.parent_cells.done);
    } catch { /* replaced or removed meanwhile */ }
  }
  const total = planned.parent_cells.planned;
  const between = new Set(seen.filter((d) => d > 0 && d < total));
  check(between.size >= 3, `the progress file showed ${between.size} intermediate done counts (${seen.join(' -> ')} of ${total})`);
  console.log(`progress file done counts: ${seen.join(' -> ')} of ${total}`);

  // The job completes, the progress file goes, and the viewer shows the data.
  check(await jobDone === 0, 'healgrid run failed');
  check(!existsSync(progressPath), 'progress file left after a complete run');
  await page.waitForFunction(() => window.healgridViewer.state.dataset, null, { timeout: 30000 });
  const frame = await renderedAfter(page, 0);
  check(frame.quads > 0, 'no cells drawn once the output is complete');
  // The panel says complete, not the last polled counts with cells still "waiting".
  const panel = await page.textContent('#progress');
  check(/^complete/.test(await page.textContent('#progress-summary')) && !/waiting \([1-9]/.test(panel), `progress panel after the output loaded: "${panel}"`);
  const history = await page.evaluate(() => window.healgridViewer.state.progressHistory);
  const dones = history.filter((h) => h.done != null).map((h) => h.done);
  check(dones.every((d, i) => i === 0 || d >= dones[i - 1]), `done counts went down: ${dones}`);
  check(dones.some((d) => d > 0 && d < total), `the viewer saw no intermediate state: ${dones}`);
  const ref = pythonJson([join(VIEWER_DIR, 'test/output_reference.py'), output]);
  check(ref.count === planned.planned_parents.length * 4 ** (ref.child_order - ref.parent_order), 'cells != planned parents x children');
  console.log(`checked parent cells: paused ${JSON.stringify(n1)}, rounds done ${JSON.stringify(n2)}; viewer saw ${history.length} progress states; ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (process.env.HEALGRID_VIEWER_SCREENSHOTS) await page.screenshot({ path: join(process.env.HEALGRID_VIEWER_SCREENSHOTS, 'live-complete.png') });
} finally {
  signal([0, 1], 'SIGCONT');
  await browser.close();
}
finish('viewer_live_progress');
