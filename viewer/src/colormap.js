// Colormaps as 256-entry RGB tables. viridis is interpolated linearly between its ten published
// stops (matplotlib's viridis at 0, 1/9, ..., 1), which is within a few levels of the full table.
const STOPS = {
  viridis: ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779',
    '#6ece58', '#b5de2b', '#fde725'],
  gray: ['#000000', '#ffffff'],
};

function hex(c) {
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
}

const cache = new Map();

// Uint8Array(256 * 3) of the colormap `name`.
export function colormapTable(name) {
  if (cache.has(name)) return cache.get(name);
  const stops = (STOPS[name] || STOPS.viridis).map(hex);
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(t));
    const f = t - k;
    for (let c = 0; c < 3; c++) table[i * 3 + c] = Math.round(stops[k][c] * (1 - f) + stops[k + 1][c] * f);
  }
  cache.set(name, table);
  return table;
}

export const COLORMAPS = Object.keys(STOPS);

// Table index of `value` in [vmin, vmax] (clamped), or -1 for NaN.
export function colorIndex(value, vmin, vmax) {
  if (Number.isNaN(value)) return -1;
  if (value === Infinity) return 255;
  if (value === -Infinity) return 0;
  const t = vmax > vmin ? (value - vmin) / (vmax - vmin) : 0.5;
  return Math.max(0, Math.min(255, Math.floor(t * 256)));
}

// A robust default colour range, render's rule: the 2nd and 98th percentiles of a sample of the
// FINITE values (NaN is missing; +-inf are drawn with the end colours, never stretch the range).
export function defaultRange(src) {
  const step = Math.max(1, Math.floor(src.length / 200000));
  const sample = [];
  for (let i = 0; i < src.length; i += step) if (Number.isFinite(src[i])) sample.push(src[i]);
  if (!sample.length) return [0, 1];
  sample.sort((a, b) => a - b);
  const at = (q) => sample[Math.min(sample.length - 1, Math.floor(q * (sample.length - 1)))];
  let lo = at(0.02), hi = at(0.98);
  if (!(hi > lo)) { lo = sample[0]; hi = sample[sample.length - 1]; }
  if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
  return [lo, hi];
}
