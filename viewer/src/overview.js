// Overviews: the values the viewer draws when a screen pixel holds many of the file's cells.
// A drawn cell at order `level` below the file's child order summarises its 4^(child - level)
// child cells by the statistic's kind, read from its CF `cell_methods` ("cell_ids: count"),
// with the same rules as `healgrid render --order` (render/coarsen.hpp):
//   count, sum   the sum of the children
//   min / max    the min of the minima / the max of the maxima
//   otherwise    the mean of the children with data, weighted by their point count (the file's
//                count statistic; equal weights when the file has none)
// Children without data (NaN) take no part; a drawn cell with none has no value.

// The statistic function of variable `v` (its cell_methods after the colon), e.g. "mean".
export function cellMethod(v) {
  const m = String(v.attrs?.cell_methods ?? '');
  return m.slice(m.indexOf(':') + 1).trim();
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

// What a drawn cell at `level` shows, e.g. "h_mean at order 9 (mean of 64 cells, weighted by
// point count)", or "h_mean at order 12 (the file's cells)".
export function overviewLabel(dataset, name, level) {
  if (level >= dataset.childOrder) return `${name} at order ${level} (the file's cells)`;
  const rule = overviewRule(dataset.variable(name));
  const n = (4 ** (dataset.childOrder - level)).toLocaleString('en-US');
  const how = rule === 'mean'
    ? `mean of ${n} cells, weighted by ${countWeights(dataset) ? 'point count' : 'cell (the file has no count)'}`
    : `${rule} of ${n} cells`;
  return `${name} at order ${level} (${how})`;
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
  let out = v.values;
  if (group > 1) {
    const rule = overviewRule(v), weights = countWeights(dataset);
    out = new Float32Array(dataset.count / group);
    for (let g = 0; g < out.length; g++) out[g] = reduceCells(v.values, weights, g * group, (g + 1) * group, rule)[0];
  }
  dataset.overviewCache.set(key, out);
  return out;
}

// Cells at display `level` < parentOrder: { ids (Numbers), values, fxy } of the coarse cells
// covering parent cells with data.
export function coarseLevel(dataset, name, level, toFaceXY) {
  const key = `coarse:${name}@${level}`;
  dataset.overviewCache ??= new Map();
  if (dataset.overviewCache.has(key)) return dataset.overviewCache.get(key);
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
