// Side panels: the hovered cell's readout, the job progress and the provenance summary.
import { PROGRESS_COLORS } from './renderer.js';

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));

export function formatNumber(v) {
  if (v == null || Number.isNaN(v)) return '—';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e7) ? v.toExponential(5) : String(Number(v.toPrecision(7)));
}

const deg = (v) => `${v.toFixed(5)}°`;

// Lets a long name wrap only after its separators (_ / . -), never inside a word.
const breakable = (s) => esc(s).replace(/([_/.\-])/g, '$1<wbr>');

// `cell`: null (off the map) or { id, order, index, pointer, centre, authalicLat, variables,
// overview } (hover.js): an overview cell shows each statistic from the stored level, or its
// summary of the file's cells under it, and says which (data-source: stored / computed).
export function renderReadout(el, cell) {
  if (!cell) {
    el.innerHTML = '<p class="note">Off the map.</p>';
    return;
  }
  const o = cell.overview;
  const rows = [
    `<tr><th>cell id</th><td id="readout-cell-id" class="value">${cell.id}</td></tr>`,
    `<tr><th>order</th><td id="readout-order" class="value">${cell.order}${o ? ' (drawn cell)' : ''}</td></tr>`,
  ];
  if (o) {
    rows.push(`<tr><th>${esc(o.variable)} data</th><td id="readout-children" class="value" data-with-data="${o.withData}" data-cells="${o.cells}">` +
      `${o.withData.toLocaleString('en-US')} of ${o.cells.toLocaleString('en-US')} cells of order ${o.childOrder}</td></tr>`);
    rows.push(`<tr><th>values</th><td id="readout-source" class="note" data-stored="${o.stored ?? ''}">` +
      `${o.stored ? `the stored level ${esc(o.stored)}, where it holds the statistic` : 'computed from the file\'s cells'}</td></tr>`);
  }
  rows.push(`<tr><th>centre lat, lon</th><td id="readout-centre" class="value">${deg(cell.centre[1])}, ${deg(cell.centre[0])}</td></tr>`);
  if (cell.authalicLat != null) rows.push(`<tr><th>authalic lat</th><td class="value">${deg(cell.authalicLat)}</td></tr>`);
  rows.push(`<tr><th>pointer lat, lon</th><td class="value">${deg(cell.pointer[1])}, ${deg(cell.pointer[0])}</td></tr>`);
  if (cell.index < 0) {
    rows.push(`<tr><td colspan="2" id="readout-absent" class="note">${o ? 'no data under this cell' : 'not in the file (no data in its parent cell)'}</td></tr>`);
  } else {
    for (const v of cell.variables) {
      // data-raw: the value exactly (a stored float32 widened to double, or the overview's
      // double), for copying and tests.
      const shown = v.fill ? (o ? 'no data' : `fill (${formatNumber(v.raw)})`) : formatNumber(v.raw);
      // An overview value says where it comes from: the stored level, or its rule over cells.
      const source = o ? (v.rule === 'stored' ? 'stored' : 'computed') : 'file';
      const how = o ? ` <span class="note">(${v.rule === 'stored' ? 'stored level' : `${v.rule} of cells${o.stored ? ', not stored' : ''}`})</span>` : '';
      rows.push(`<tr data-var="${esc(v.name)}" data-raw="${String(v.raw)}" data-fill="${v.fill}" data-source="${source}"><th>${esc(v.name)}</th>` +
        `<td class="value">${esc(shown)}${v.units && v.units !== '1' ? ` ${esc(v.units)}` : ''}${how}</td></tr>`);
    }
  }
  el.innerHTML = `<table>${rows.join('')}</table>`;
}

const swatch = (rgb) => `<span class="swatch" style="background: rgb(${rgb.join(',')})"></span>`;

// What the colours of the map mean while a job runs (parent cells by state, not a value scale).
export function progressLegend(pc) {
  const c = PROGRESS_COLORS;
  const waiting = (pc.planned ?? 0) - (pc.done ?? 0) - (pc.failed ?? 0);
  return `<div id="progress-legend" class="legend">` +
    `<span>${swatch(c.done)} reduced (${pc.done ?? 0})</span>` +
    `<span>${swatch(c.running)} waiting (${waiting})</span>` +
    `<span>${swatch(c.failed)} failed (${pc.failed ?? 0})</span></div>`;
}

// `complete`: the output is loaded. `stale`: the job finished after the last report the page
// saw (the progress file goes at completion), so its counts are not the job's final ones and are
// shown as the last report only, without the waiting legend.
export function renderProgress(el, p, complete, stale = false) {
  const pc = p.parent_cells || {};
  const ranges = (p.ranges || []).map((r) => `<tr class="${r.state === 'failed' ? 'failed' : ''}"><td>rank ${r.rank}</td>` +
    `<td class="value">${r.count} cells</td><td>${esc(r.state)}</td><td class="value">${r.done_seconds == null ? '' : `${r.done_seconds.toFixed(1)} s`}</td></tr>`);
  if (complete && stale) {
    el.innerHTML = `<p id="progress-summary">complete: the job finished and its output is loaded ` +
      `(the last progress report seen, before the end: ${pc.done ?? 0} of ${pc.planned ?? 0} parent cells done` +
      `${pc.failed ? `, <span class="failed">${pc.failed} failed</span>` : ''})</p>`;
    return;
  }
  el.innerHTML =
    `<p id="progress-summary">${complete ? 'complete' : esc(p.state)}: <b>${pc.done ?? 0}</b> of <b>${pc.planned ?? 0}</b> parent cells done` +
    `${pc.failed ? `, <span class="failed">${pc.failed} failed</span>` : ''} (${Number(p.elapsed_seconds || 0).toFixed(1)} s, ${p.ranks} ranks)</p>` +
    progressLegend(pc) +
    `<p class="note">Each rank reports every round of its parent cells as it completes it (\`run --rounds\`), so cells turn green round by round.</p>` +
    (p.errors?.length ? `<p class="failed">${p.errors.map(esc).join('<br>')}</p>` : '') +
    `<details><summary>ranks</summary><table>${ranges.join('')}</table></details>`;
}

export function renderProvenance(el, ds) {
  const a = ds.attrs;
  const keys = ['title', 'source', 'history', 'date_created', 'healgrid_version', 'parent_order', 'child_order',
    'latitude_convention', 'granule_count', 'granules_used', 'points_used', 'parent_cells', 'healgrid_overrides'];
  const rows = keys.filter((k) => a[k] !== undefined && a[k] !== '').map((k) => `<tr><th>${k}</th><td>${breakable(a[k])}</td></tr>`);
  const p = ds.provenance;
  const statusCounts = {};
  for (const s of p.status) {
    const key = s.split(':')[0];
    statusCounts[key] = (statusCounts[key] || 0) + 1;
  }
  const shown = Math.min(p.name.length, 500);
  const granules = [];
  for (let i = 0; i < shown; i++) {
    granules.push(`<tr class="${String(p.status[i]).startsWith('skipped') ? 'failed' : ''}"><td>${breakable(p.name[i])}</td>` +
      `<td class="value">${Number(p.points[i] ?? 0).toLocaleString()}</td><td>${esc(p.status[i] ?? '')}</td></tr>`);
  }
  el.innerHTML = `<table id="provenance-attrs">${rows.join('')}</table>` +
    `<p id="provenance-granules">${p.name.length} granules: ${Object.entries(statusCounts).map(([k, n]) => `${n} ${esc(k)}`).join(', ')}</p>` +
    `<details><summary>granules (points used, status)${shown < p.name.length ? `, first ${shown}` : ''}</summary><table>${granules.join('')}</table></details>`;
}
