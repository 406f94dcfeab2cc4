// Reading a healgrid output's parts with h5wasm: attributes as plain values, and the per-cell
// variables of a group (the root, or a stored overview level) with their fill values as NaN.

function scalar(v) {
  if (v == null) return v;
  if (typeof v === 'bigint') return Number(v);
  if (ArrayBuffer.isView(v) || Array.isArray(v)) return v.length === 1 ? scalar(v[0]) : v;
  return v;
}

export function attributes(node) {
  const out = {};
  for (const [name, attr] of Object.entries(node.attrs)) {
    try {
      out[name] = scalar(attr.value);
    } catch (e) {
      out[name] = `(unreadable: ${e.message})`;
    }
  }
  return out;
}

// Whether the 1-D dataset `ds` lies on the cell_ids dimension (its attached dimension scale, as
// netCDF-4 writes it; a dataset without one is taken as a cell variable, as older files are).
function onCellIds(ds) {
  let scales;
  try {
    scales = ds.get_attached_scales(0);
  } catch {
    return true;
  }
  return !scales?.length || scales.some((s) => s === 'cell_ids' || s.endsWith('/cell_ids'));
}

// The data variables of `group` on its `count` cells: 1-D, neither cell_ids nor its CF copy
// (standard_name healpix_index). Each: { name, raw (as stored), values (Float32Array, NaN where
// the stored value is the fill value), fill, units, longName, integer, attrs }.
export function cellVariables(group, count) {
  const out = [];
  for (const key of group.keys()) {
    if (key === 'cell_ids') continue;
    const ds = group.get(key);
    if (!ds || !ds.shape || ds.shape.length !== 1 || ds.shape[0] !== count) continue;
    const a = attributes(ds);
    if (a.standard_name === 'healpix_index' || a.CLASS === 'DIMENSION_SCALE') continue;
    if (!onCellIds(ds)) continue;  // provenance on `granules` when there are as many granules as cells
    const raw = ds.value;
    const fill = a._FillValue;
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const v = Number(raw[i]);
      values[i] = fill !== undefined && (v === Number(fill) || (Number.isNaN(v) && Number.isNaN(Number(fill)))) ? NaN : v;
    }
    out.push({
      name: key, raw, values, fill, units: a.units ?? '', longName: a.long_name ?? key,
      integer: !(raw instanceof Float32Array || raw instanceof Float64Array), attrs: a,
    });
  }
  return out;
}

// Index of the cell `id` (BigInt) in `ids` (a group's cell_ids: 64-bit, strictly increasing),
// or -1.
export function indexOfId(ids, id) {
  let lo = 0, hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = ids[mid];
    if (v === id) return mid;
    if (v < id) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}
