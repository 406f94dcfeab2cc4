// Stored overview levels: the coarser orders a run wrote with `output.overviews`, each in group
// `overviews/order_NN` with its own `cell_ids` (only cells with data, strictly increasing) and
// the statistics at that order (docs/conventions.md#overview-levels; the names are those of
// io/output_schema.hpp). Their values are the statistics of the points themselves (a median is
// the points' median, a variance the points' variance), where an overview computed from the
// file's cells can only combine the cells' values. A level may leave a statistic out (quantiles
// below the parent order): that statistic is computed as for an order without a level.
import { attributes, cellVariables, indexOfId } from './h5_read.js';
import { nestedToFaceXY } from './healpix.js';

export const OVERVIEWS_GROUP = 'overviews';
export const OVERVIEW_ORDER_PREFIX = 'order_';

// "order_08" -> 8, else -1.
function orderOf(name) {
  const m = name.match(new RegExp(`^${OVERVIEW_ORDER_PREFIX}(\\d\\d)$`));
  return m ? Number(m[1]) : -1;
}

function strictlyIncreasing(ids) {
  for (let i = 1; i < ids.length; i++) if (!(ids[i] > ids[i - 1])) return false;
  return true;
}

// One level: { order, path, cellIds (BigUint64Array), count, variables, method }, or a string
// saying why the group cannot be used.
function readLevel(group, path, order, childOrder) {
  if (order >= childOrder) return `${path}: order ${order} is not below the file's child order ${childOrder}`;
  if (!group.keys().includes('cell_ids')) return `${path}: no cell_ids`;
  const cellIds = group.get('cell_ids').value;
  if (!(cellIds instanceof BigUint64Array) && !(cellIds instanceof BigInt64Array)) return `${path}/cell_ids: not 64-bit integers`;
  if (!strictlyIncreasing(cellIds)) return `${path}/cell_ids: not strictly increasing`;
  if (cellIds.length && BigInt(cellIds[cellIds.length - 1]) >= 12n << BigInt(2 * order)) return `${path}/cell_ids: an id beyond order ${order}`;
  const count = cellIds.length;
  const variables = new Map(cellVariables(group, count).map((v) => [v.name, v]));
  return { order, path, cellIds, count, variables, method: String(attributes(group).healgrid_overview_method ?? '') };
}

// Every usable level of the h5wasm file `f`: { levels: Map order -> level, warnings: [text] }.
// A broken group is left out with a warning (the viewer then computes that order).
export function readStoredLevels(f, childOrder) {
  const levels = new Map(), warnings = [];
  if (!f.keys().includes(OVERVIEWS_GROUP)) return { levels, warnings };
  const root = f.get(OVERVIEWS_GROUP);
  if (typeof root?.keys !== 'function') return { levels, warnings: [`${OVERVIEWS_GROUP} is not a group`] };
  for (const name of root.keys()) {
    const order = orderOf(name);
    if (order < 0) continue;
    const path = `${OVERVIEWS_GROUP}/${name}`;
    const group = root.get(name);
    let level;
    try {
      level = typeof group?.keys === 'function' ? readLevel(group, path, order, childOrder) : `${path}: not a group`;
    } catch (e) {
      level = `${path}: ${e.message || e}`;
    }
    if (typeof level === 'string') warnings.push(level); else levels.set(order, level);
  }
  return { levels, warnings };
}

// The stored level at `order`, or null.
export function storedLevel(dataset, order) {
  return dataset.storedLevels?.get(order) ?? null;
}

// The stored variable `name` at `order` ({ values, raw, integer, ... } of cellVariables), or null
// when the file has no level there or the level does not hold that statistic.
export function storedVariable(dataset, name, order) {
  return storedLevel(dataset, order)?.variables.get(name) ?? null;
}

// Index of the cell `id` (BigInt) in `level`, or -1.
export function storedIndexOf(level, id) {
  return indexOfId(level.cellIds, id);
}

// { face, x, y } of every cell of `level`, from the ids' exact 32-bit halves (any order).
export function storedFaceXY(level) {
  if (!level.fxyCache) {
    // (lo, hi) 32-bit halves of each id, little-endian as stored.
    const words = new Uint32Array(level.cellIds.buffer, level.cellIds.byteOffset, level.count * 2);
    level.fxyCache = new Array(level.count);
    for (let i = 0; i < level.count; i++) level.fxyCache[i] = nestedToFaceXY(words[2 * i + 1], words[2 * i], level.order);
  }
  return level.fxyCache;
}
