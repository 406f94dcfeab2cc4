// Overviews: the values the viewer draws when a screen pixel holds many of the file's cells.
// At an order the file stores (output.overviews, stored_levels.js) a statistic the level holds
// is drawn from the level: the statistic of the points themselves, exact. Otherwise (no level
// at that order, or a statistic the level leaves out: quantiles below the parent order) a
// drawn cell at order `level` below the file's child order summarises its 4^(child - level)
// child cells by the statistic's kind, read from its `healgrid_statistic` ("count"; files before
// it: the function in `cell_methods`, "cell_ids: count"), with the same rules as `healgrid render --order` (render/coarsen.hpp):
//   count, sum   the sum of the children
//   min / max    the min of the minima / the max of the maxima
//   otherwise    the mean of the children with data, weighted by their point count (the file's
//                count statistic; equal weights when the file has none)
// Children without data (NaN) take no part; a drawn cell with none has no value.
import { storedFaceXY, storedLevel, storedVariable } from './stored_levels.js';

// The statistic function of variable `v`, e.g. "mean": its healgrid_statistic, or in files
// before it the function in its cell_methods, after the last colon.
export function cellMethod(v) {
  if (v.attrs?.healgrid_statistic != null) return String(v.attrs.healgrid_statistic);
  const m = String(v.attrs?.cell_methods ?? '');
  return m.slice(m.lastIndexOf(':') + 1).trim();
}

export function overviewRule(v) {
  const m = cellMethod(v);
  if (m === 'count' || m === 'sum') return 'sum';
  if (m === 'min' || m === 'max') return m;
  return 'mean';
}

// The count statistic of the dataset (Float32Array of point counts per cell) or null.
export function countWeights(dataset) {
  dataset.countWeightsCache ??= { v: (dataset.variables.find((v) => v.name === 'count' && cellMethod(v) === 'count') ||
    dataset.variables.find((v) => cellMethod(v) === 'count'))?.values ?? null };
  return dataset.countWeightsCache.v;
}

// Where the values of `name` drawn at `level` come from: 'file' (the file's own cells),
// 'stored' (the stored level) or 'computed' (from the file's cells, by the rules above).
export function overviewSource(dataset, name, level) {
  if (level >= dataset.childOrder) return 'file';
  return storedVariable(dataset, name, level) ? 'stored' : 'computed';
}

// What a drawn cell at `level` shows, e.g. "h_mean at order 9 (mean of 64 cells, weighted by
// point count)", "h_q50 at order 9 (stored level)", "h_q50 at order 4 (mean of 256 cells,
// weighted by point count; the stored level has no h_q50)", or "h_mean at order 12 (the
// file's cells)".
export function overviewLabel(dataset, name, level) {
  const source = overviewSource(dataset, name, level);
  if (source === 'file') return `${name} at order ${level} (the file's cells)`;
  if (source === 'stored') return `${name} at order ${level} (stored level)`;
  const rule = overviewRule(dataset.variable(name));
  const n = (4 ** (dataset.childOrder - level)).toLocaleString('en-US');
  const how = rule === 'mean'
    ? `mean of ${n} cells, weighted by ${countWeights(dataset) ? 'point count' : 'cell (the file has no count)'}`
    : `${rule} of ${n} cells`;
  const note = storedLevel(dataset, level) ? `; the stored level has no ${name}` : '';
  return `${name} at order ${level} (${how}${note})`;
}

// Reduces cells [begin, end) of `values` by `rule`: [value (NaN without data), cells with data].
export function reduceCells(values, weights, begin, end, rule) {
  let acc = rule === 'min' ? Infinity : rule === 'max' ? -Infinity : 0, wsum = 0, n = 0;
  for (let i = begin; i < end; i++) {
    const v = values[i];
    if (v !== v) continue;
    n++;
    if (rule === 'sum') acc += v;
    else if (rule === 'min') { if (v < acc) acc = v; }
    else if (rule === 'max') { if (v > acc) acc = v; }
    else {
      const w = weights ? weights[i] : 1;
      if (w > 0) { acc += w * v; wsum += w; }
    }
  }
  if (!n) return [NaN, 0];
  if (rule === 'mean') return [wsum > 0 ? acc / wsum : NaN, n];
  return [acc, n];
}

// First index in the sorted Float64Array `ids` whose value is >= `id`.
function lowerBound(ids, id) {
  let lo = 0, hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid] < id) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// Cell index range [begin, end) of the file's cells under the cell `id` (a Number) at `level`.
export function childRange(dataset, id, level) {
  if (level >= dataset.parentOrder) {
    const d = 4 ** (level - dataset.parentOrder);
    const parent = Math.floor(id / d);
    const k = lowerBound(dataset.parentIds, parent);
    if (k >= dataset.parentCount || dataset.parentIds[k] !== parent) return [0, 0];
    const group = dataset.block / d;
    const begin = k * dataset.block + (id - parent * d) * group;
    return [begin, begin + group];
  }
  const d = 4 ** (dataset.parentOrder - level);
  const k0 = lowerBound(dataset.parentIds, id * d), k1 = lowerBound(dataset.parentIds, (id + 1) * d);
  return [k0 * dataset.block, k1 * dataset.block];
}

// Values at display `level` in parentOrder..childOrder: Float32Array, parent k's sub-cell j
// (nested order within the parent) at k * 4^(level - parentOrder) + j.
export function fineLevel(dataset, name, level) {
  const key = `fine:${name}@${level}`;
  dataset.overviewCache ??= new Map();
  if (dataset.overviewCache.has(key)) return dataset.overviewCache.get(key);
  const v = dataset.variable(name);
  const group = 4 ** (dataset.childOrder - level);
  const stored = storedVariable(dataset, name, level);
  let out = v.values;
  if (stored) {
    out = storedFineLevel(dataset, storedLevel(dataset, level), stored);
  } else if (group > 1) {
    const rule = overviewRule(v), weights = countWeights(dataset);
    out = new Float32Array(dataset.count / group);
    for (let g = 0; g < out.length; g++) out[g] = reduceCells(v.values, weights, g * group, (g + 1) * group, rule)[0];
  }
  dataset.overviewCache.set(key, out);
  return out;
}

// The stored level's values in fineLevel's layout (NaN where the level has no cell).
function storedFineLevel(dataset, level, stored) {
  const perParent = 4 ** (level.order - dataset.parentOrder);
  const shift = BigInt(2 * (level.order - dataset.parentOrder));
  const out = new Float32Array(dataset.parentCount * perParent).fill(NaN);
  for (let i = 0, k = 0; i < level.count; i++) {
    const id = BigInt(level.cellIds[i]);
    const parent = Number(id >> shift);
    while (k < dataset.parentCount && dataset.parentIds[k] < parent) k++;
    if (k === dataset.parentCount) break;
    if (dataset.parentIds[k] !== parent) continue;  // not in the file's parents: nothing to draw on
    out[k * perParent + Number(id - (BigInt(parent) << shift))] = stored.values[i];
  }
  return out;
}

// Cells at display `level` < parentOrder: { ids (Numbers), values, fxy } of the coarse cells
// covering parent cells with data; at a stored level, the level's cells.
export function coarseLevel(dataset, name, level, toFaceXY) {
  const key = `coarse:${name}@${level}`;
  dataset.overviewCache ??= new Map();
  if (dataset.overviewCache.has(key)) return dataset.overviewCache.get(key);
  const stored = storedVariable(dataset, name, level);
  if (stored) {
    const lvl = storedLevel(dataset, level);
    const out = { ids: Array.from(lvl.cellIds, Number), values: stored.values, fxy: storedFaceXY(lvl) };
    dataset.overviewCache.set(key, out);
    return out;
  }
  const v = dataset.variable(name);
  const rule = overviewRule(v), weights = countWeights(dataset);
  const div = 4 ** (dataset.parentOrder - level);
  const ids = [], values = [];
  for (let k = 0; k < dataset.parentCount;) {
    const id = Math.floor(dataset.parentIds[k] / div);
    let k1 = k;
    while (k1 < dataset.parentCount && Math.floor(dataset.parentIds[k1] / div) === id) k1++;
    ids.push(id);
    values.push(reduceCells(v.values, weights, k * dataset.block, k1 * dataset.block, rule)[0]);
    k = k1;
  }
  const out = { ids, values: Float32Array.from(values), fxy: ids.map((id) => toFaceXY(id, level)) };
  dataset.overviewCache.set(key, out);
  return out;
}
