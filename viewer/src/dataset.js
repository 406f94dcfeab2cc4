// A healgrid output read with h5wasm (the NetCDF-4 file is HDF5): cell ids, every per-cell
// variable, global attributes, the provenance and the stored overview levels (stored_levels.js).
// The values drawn at overview zoom levels come from overview.js.
import h5wasm from 'h5wasm';
import { nestedNumberToFaceXY } from './healpix.js';
import { attributes, cellVariables, indexOfId } from './h5_read.js';
import { readStoredLevels } from './stored_levels.js';
import { defaultRange } from './colormap.js';

let fileCounter = 0;

// NetCDF classic char arrays (granules x strlen) as one string per row.
function charRows(ds) {
  const v = ds.value;
  const [rows, width] = ds.shape.length === 2 ? ds.shape : [ds.shape[0], 1];
  const out = [];
  for (let r = 0; r < rows; r++) {
    let s = '';
    for (let c = 0; c < width; c++) {
      const ch = v[r * width + c];
      s += typeof ch === 'string' ? ch : String.fromCharCode(ch);
    }
    out.push(s.replace(/\0+$/, ''));
  }
  return out;
}

function column(f, name) {
  if (!f.keys().includes(name)) return null;
  const ds = f.get(name);
  if (ds.shape.length === 2 || typeof ds.value?.[0] === 'string') {
    return ds.shape.length === 2 ? charRows(ds) : Array.from(ds.value);
  }
  return Array.from(ds.value, Number);
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

// Why the bytes of `name` are no HDF5 file (so no NetCDF-4 file), or null when they start like
// one: the HDF5 signature at offset 0, 512, 1024, 2048, ... (after a user block).
export function notHdf5(bytes, name) {
  for (let at = 0; at + 8 <= bytes.length; at = at ? at * 2 : 512) {
    if (HDF5_SIGNATURE.every((b, i) => bytes[at + i] === b)) return null;
  }
  const cdf = bytes[0] === 0x43 && bytes[1] === 0x44 && bytes[2] === 0x46 && bytes[3] >= 1 && bytes[3] <= 5;
  return `${name} is not an HDF5/NetCDF-4 file (${cdf ? 'it is netCDF-3: convert it' : 'netCDF-3? convert'} with nccopy -k nc4)`;
}

export class HealgridDataset {
  // Parses the file's bytes. Throws an Error naming what is missing.
  static async fromBuffer(buffer, name) {
    const bytes = new Uint8Array(buffer);
    const why = notHdf5(bytes, name);
    if (why) throw new Error(why);
    const { FS } = await h5wasm.ready;
    const path = `/healgrid-${++fileCounter}.nc`;
    FS.writeFile(path, bytes);
    let f;
    try {
      f = new h5wasm.File(path, 'r');
      f.keys();
    } catch {
      FS.unlink(path);
      throw new Error(`${name} starts as an HDF5 file but cannot be read (truncated or damaged?)`);
    }
    try {
      return new HealgridDataset(f, name);
    } finally {
      f.close();
      FS.unlink(path);
    }
  }

  constructor(f, name) {
    this.name = name;
    if (!f.keys().includes('cell_ids')) throw new Error(`${name}: no cell_ids variable: not a healgrid output`);
    const ids = f.get('cell_ids');
    this.cellIds = ids.value;  // BigUint64Array, strictly increasing
    this.cellAttrs = attributes(ids);
    this.attrs = attributes(f);
    this.count = this.cellIds.length;
    this.childOrder = Number(this.attrs.child_order ?? this.cellAttrs.level);
    this.parentOrder = Number(this.attrs.parent_order ?? this.childOrder);
    this.fileParentOrder = this.parentOrder;  // the file's attribute (setupParents may draw per cell)
    this.authalic = String(this.attrs.latitude_convention ?? 'geodetic') === 'authalic';
    // (hi, lo) halves of each id, little-endian as stored.
    this.idWords = new Uint32Array(this.cellIds.buffer, this.cellIds.byteOffset, this.count * 2);

    this.variables = cellVariables(f, this.count);
    if (!this.variables.length) {
      if (this.attrs.healgrid_time_windows !== undefined) {
        throw new Error(`${name}: time-windowed outputs are not drawn yet: use healgrid render --time N`);
      }
      throw new Error(`${name}: no statistics (no variable on cell_ids)`);
    }
    if (!Number.isInteger(this.childOrder)) throw new Error(`${name}: no child_order attribute (nor a level on cell_ids): not a healgrid output`);
    // Coarser orders the run wrote (output.overviews), drawn in place of computed overviews.
    const stored = readStoredLevels(f, this.childOrder);
    this.storedLevels = stored.levels;
    this.warnings = stored.warnings;
    this.provenance = {
      name: column(f, 'granule_name') || [],
      bytes: column(f, 'granule_bytes') || [],
      points: column(f, 'granule_points_used') || [],
      status: column(f, 'granule_status') || [],
    };
    this.setupParents();
  }

  // Parent blocks: a dense file (healgrid_layout "dense", or absent in older files) holds
  // 4^(child - parent) consecutive children per parent. A sparse file (only cells with data),
  // or one that breaks the dense contract, is drawn with every cell as its own "parent".
  setupParents() {
    this.sparse = String(this.attrs.healgrid_layout ?? 'dense') === 'sparse';
    let block = 4 ** (this.childOrder - this.parentOrder);
    const ok = !this.sparse && this.count % block === 0 && (() => {
      for (let k = 0; k < this.count; k += block) {
        const first = this.cellIds[k], last = this.cellIds[k + block - 1];
        if (first % BigInt(block) !== 0n || last - first !== BigInt(block - 1)) return false;
      }
      return true;
    })();
    if (!ok) {
      this.parentOrder = this.childOrder;
      block = 1;
    }
    this.block = block;
    this.parentCount = this.count / block;
    this.parentIds = new Float64Array(this.parentCount);
    const b = BigInt(block);
    for (let k = 0; k < this.parentCount; k++) this.parentIds[k] = Number(this.cellIds[k * block] / b);
    this.parentFXY = this.parentCount ? Array.from(this.parentIds, (id) => nestedNumberToFaceXY(id, this.parentOrder)) : [];
  }

  variable(name) {
    return this.variables.find((v) => v.name === name);
  }

  // Index of the cell with nested id `id` (BigInt) at child order, or -1.
  indexOf(id) {
    return indexOfId(this.cellIds, id);
  }

  // Whether every cell of `name` is missing (fill value or NaN).
  allMissing(name) {
    return this.variable(name).values.every((x) => x !== x);
  }

  // The default colour range (colormap.defaultRange of the variable's values).
  defaultRange(name) {
    return defaultRange(this.variable(name).values);
  }
}
