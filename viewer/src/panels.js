// Side panels: the hovered cell's readout, the job progress and the provenance summary.

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));

export function formatNumber(v) {
  if (v == null || Number.isNaN(v)) return '—';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e7) ? v.toExponential(5) : String(Number(v.toPrecision(7)));
}

const deg = (v) => `${v.toFixed(5)}°`;

// `cell`: null (off the map) or { id, order, index, pointer, centre, authalicLat, variables }.
export function renderReadout(el, cell) {
  if (!cell) {
    el.innerHTML = '<p class="note">Off the map.</p>';
    return;
  }
  const rows = [
    `<tr><th>cell id</th><td id="readout-cell-id" class="value">${cell.id}</td></tr>`,
    `<tr><th>order</th><td class="value">${cell.order}</td></tr>`,
    `<tr><th>centre lat, lon</th><td id="readout-centre" class="value">${deg(cell.centre[1])}, ${deg(cell.centre[0])}</td></tr>`,
  ];
  if (cell.authalicLat != null) rows.push(`<tr><th>authalic lat</th><td class="value">${deg(cell.authalicLat)}</td></tr>`);
  rows.push(`<tr><th>pointer lat, lon</th><td class="value">${deg(cell.pointer[1])}, ${deg(cell.pointer[0])}</td></tr>`);
  if (cell.index < 0) {
    rows.push('<tr><td colspan="2" id="readout-absent" class="note">not in the file (no data in its parent cell)</td></tr>');
  } else {
    for (const v of cell.variables) {
      // data-raw: the stored value exactly (float32 widened to double), for copying and tests.
      const shown = v.fill ? `fill (${formatNumber(v.raw)})` : formatNumber(v.raw);
      rows.push(`<tr data-var="${esc(v.name)}" data-raw="${String(v.raw)}" data-fill="${v.fill}"><th>${esc(v.name)}</th>` +
        `<td class="value">${esc(shown)}${v.units && v.units !== '1' ? ` ${esc(v.units)}` : ''}</td></tr>`);
    }
  }
  el.innerHTML = `<table>${rows.join('')}</table>`;
}

export function renderProgress(el, p, complete) {
  const pc = p.parent_cells || {};
  const ranges = (p.ranges || []).map((r) => `<tr class="${r.state === 'failed' ? 'failed' : ''}"><td>rank ${r.rank}</td>` +
    `<td class="value">${r.count} cells</td><td>${esc(r.state)}</td><td class="value">${r.done_seconds == null ? '' : `${r.done_seconds.toFixed(1)} s`}</td></tr>`);
  el.innerHTML =
    `<p id="progress-summary">${complete ? 'complete' : esc(p.state)}: <b>${pc.done ?? 0}</b> of <b>${pc.planned ?? 0}</b> parent cells done` +
    `${pc.failed ? `, <span class="failed">${pc.failed} failed</span>` : ''} (${Number(p.elapsed_seconds || 0).toFixed(1)} s, ${p.ranks} ranks)</p>` +
    `<p class="note">Grey: planned, green: done, red: failed. Each rank reports its parent cells together when it finishes its reads, so cells turn green one rank range at a time.</p>` +
    (p.errors?.length ? `<p class="failed">${p.errors.map(esc).join('<br>')}</p>` : '') +
    `<details><summary>ranks</summary><table>${ranges.join('')}</table></details>`;
}

export function renderProvenance(el, ds) {
  const a = ds.attrs;
  const keys = ['title', 'source', 'history', 'date_created', 'healgrid_version', 'parent_order', 'child_order',
    'latitude_convention', 'granule_count', 'granules_used', 'points_used', 'parent_cells', 'healgrid_overrides'];
  const rows = keys.filter((k) => a[k] !== undefined && a[k] !== '').map((k) => `<tr><th>${k}</th><td>${esc(a[k])}</td></tr>`);
  const p = ds.provenance;
  const statusCounts = {};
  for (const s of p.status) {
    const key = s.split(':')[0];
    statusCounts[key] = (statusCounts[key] || 0) + 1;
  }
  const shown = Math.min(p.name.length, 500);
  const granules = [];
  for (let i = 0; i < shown; i++) {
    granules.push(`<tr class="${String(p.status[i]).startsWith('skipped') ? 'failed' : ''}"><td>${esc(p.name[i])}</td>` +
      `<td class="value">${Number(p.points[i] ?? 0).toLocaleString()}</td><td>${esc(p.status[i] ?? '')}</td></tr>`);
  }
  el.innerHTML = `<table id="provenance-attrs">${rows.join('')}</table>` +
    `<p id="provenance-granules">${p.name.length} granules: ${Object.entries(statusCounts).map(([k, n]) => `${n} ${esc(k)}`).join(', ')}</p>` +
    `<details><summary>granules (points used, status)${shown < p.name.length ? `, first ${shown}` : ''}</summary><table>${granules.join('')}</table></details>`;
}
