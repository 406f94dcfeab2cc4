// The viewer's map rules without a browser: the auto projection's thresholds are the ones of
// render/auto_projection.hpp (read from the header), its choices on known extents, the local
// equal-area projection against pyproj, overviews per statistic kind on known answers, the
// graticule's and the scale bar's round numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  chooseProjection, longitudeSpan, GLOBAL_LATITUDE_SPAN, GLOBAL_LONGITUDE_SPAN, POLAR_BEYOND_LATITUDE,
} from '../src/auto_view.js';
import { laea } from '../src/projections.js';
import { cellMethod, overviewLabel, overviewRule, reduceCells } from '../src/overview.js';
import { roundStep } from '../src/graticule.js';
import { roundLength } from '../src/scale_bar.js';

const PYTHON = process.env.HEALGRID_PYTHON || '/usr/bin/python3';
const header = readFileSync(fileURLToPath(new URL('../../include/healgrid/render/auto_projection.hpp', import.meta.url)), 'utf8');

test('auto projection thresholds are the header\'s', () => {
  const constant = (name) => Number(header.match(new RegExp(`${name} = ([0-9.]+)`))[1]);
  assert.equal(POLAR_BEYOND_LATITUDE, constant('kPolarBeyondLatitude'));
  assert.equal(GLOBAL_LATITUDE_SPAN, constant('kGlobalLatitudeSpan'));
  assert.equal(GLOBAL_LONGITUDE_SPAN, constant('kGlobalLongitudeSpan'));
});

test('auto projection choices', () => {
  assert.deepEqual(chooseProjection([-50, -49], [70, 72]), { key: 'north' });
  assert.deepEqual(chooseProjection([0, 120], [-80, -60]), { key: 'south' });
  assert.deepEqual(chooseProjection([-44.2, -44.0], [-13.8, -13.6]), { key: 'laea', centre: [-44.1, -13.7] });
  // Across the antimeridian: the arc 170 E .. 170 W is 20 degrees wide, centred on 180.
  const c = chooseProjection([170, -170], [10, 20]);
  assert.equal(c.key, 'laea');
  assert.equal(Math.abs(c.centre[0]), 180);
  assert.equal(longitudeSpan([170, -170]).span, 20);
  assert.deepEqual(chooseProjection([-100, 100], [0, 10]), { key: 'global' });  // 200 deg arc
  assert.deepEqual(chooseProjection([0, 1], [-60, 44]), { key: 'global' });  // 104 deg of latitude
});

test('local equal-area matches pyproj', () => {
  const pts = [[-44.1, -13.7], [-40, -10], [-50, -20], [10, 45], [-44.1, 60]];
  const script = `import json, sys, pyproj
t = pyproj.Transformer.from_crs("+proj=lonlat +R=1", "+proj=laea +lat_0=-13.7 +lon_0=-44.1 +R=1", always_xy=True)
print(json.dumps([t.transform(lon, lat) for lon, lat in json.loads(sys.argv[1])]))`;
  const ref = JSON.parse(execFileSync(PYTHON, ['-c', script, JSON.stringify(pts)]).toString());
  const p = laea(-44.1, -13.7);
  pts.forEach(([lon, lat], i) => {
    const [x, y] = p.forward(lon, lat);
    assert.ok(Math.abs(x - ref[i][0]) < 1e-12 && Math.abs(y - ref[i][1]) < 1e-12, `${lon},${lat}: ${x},${y} vs ${ref[i]}`);
    const [l2, p2] = p.inverse(x, y);
    assert.ok(Math.abs(l2 - lon) < 1e-9 && Math.abs(p2 - lat) < 1e-9, `inverse ${l2},${p2}`);
  });
});

test('overviews per statistic kind', () => {
  const values = Float32Array.from([1, NaN, 4, 10]);
  const weights = Float32Array.from([3, 0, 1, 0]);  // a cell without points has no weight
  assert.deepEqual(reduceCells(values, weights, 0, 4, 'sum'), [15, 3]);
  assert.deepEqual(reduceCells(values, weights, 0, 4, 'min'), [1, 3]);
  assert.deepEqual(reduceCells(values, weights, 0, 4, 'max'), [10, 3]);
  assert.deepEqual(reduceCells(values, weights, 0, 4, 'mean'), [(3 * 1 + 1 * 4) / 4, 3]);
  assert.deepEqual(reduceCells(values, null, 0, 4, 'mean'), [5, 3]);
  assert.deepEqual(reduceCells(Float32Array.from([NaN, NaN]), null, 0, 2, 'sum'), [NaN, 0]);
  const ds = {
    childOrder: 12,
    variables: [{ name: 'count', attrs: { healgrid_statistic: 'count' }, values: new Float32Array(1) }, { name: 'h_mean', attrs: { cell_methods: 'cell_ids: mean (comment: weighted by 1/s^2)', healgrid_statistic: 'weighted_mean' } }],
    variable(n) { return this.variables.find((v) => v.name === n); },
  };
  assert.equal(overviewLabel(ds, 'h_mean', 9), 'h_mean at order 9 (mean of 64 cells, weighted by point count)');
  assert.equal(overviewLabel(ds, 'count', 10), 'count at order 10 (sum of 16 cells)');
  assert.equal(overviewLabel(ds, 'h_mean', 12), 'h_mean at order 12 (the file\'s cells)');
});

test('round graticule steps and scale bar lengths', () => {
  assert.equal(roundStep(0.1), 20);    // 10 deg would be 100 px apart, under 110: 20
  assert.equal(roundStep(0.01), 2);
  assert.equal(roundStep(1), 30);
  assert.equal(roundLength(1000), 100000);  // 160 km fit: 100 km
  assert.equal(roundLength(3.3), 500);      // 528 m fit: 500 m
  assert.equal(roundLength(1.2), 100);      // 192 m fit: 100 m
});

// A file of child order 4 with parent order 2 (16 children per parent) and two parents, 5 and
// 6: the overview of a cell above the parents (order 1: cell 1 holds parents 4..7) takes both;
// one between (order 3: cell 22 = parent 5's children 8..11) takes its 4 children.
test('overview cells cover the file\'s cells under them', async () => {
  const { childRange, fineLevel, coarseLevel } = await import('../src/overview.js');
  const values = new Float32Array(32).fill(NaN);
  values[8] = 1; values[10] = 3; values[16] = 5;
  const count = new Float32Array(32);
  count[8] = 1; count[10] = 3; count[16] = 2;
  const ds = {
    childOrder: 4, parentOrder: 2, block: 16, parentCount: 2, count: 32, parentIds: Float64Array.from([5, 6]),
    variables: [
      { name: 'count', attrs: { cell_methods: 'cell_ids: count' }, values: count },
      { name: 'h', attrs: { cell_methods: 'cell_ids: mean' }, values },
    ],
    variable(n) { return this.variables.find((v) => v.name === n); },
  };
  assert.deepEqual(childRange(ds, 1, 1), [0, 32]);
  assert.deepEqual(childRange(ds, 0, 1), [0, 0]);
  assert.deepEqual(childRange(ds, 22, 3), [8, 12]);
  assert.deepEqual(childRange(ds, 5 * 16 + 3, 4), [3, 4]);
  assert.deepEqual(childRange(ds, 7 * 4, 3), [0, 0]);  // a parent without data
  const fine = fineLevel(ds, 'h', 3);  // 8 cells of order 3
  assert.equal(fine[2], (1 * 1 + 3 * 3) / 4);
  assert.ok(Number.isNaN(fine[0]));
  assert.equal(fine[4], 5);
  const coarse = coarseLevel(ds, 'count', 1, () => ({ face: 0, x: 0, y: 0 }));
  assert.deepEqual(coarse.ids, [1]);
  assert.equal(coarse.values[0], 6);
});

// The same file with stored levels (output.overviews): order 3 holds h and count for cells 22
// and 24, order 1 holds the count only (a level below the parent order without the quantile-like
// statistic h). A stored statistic replaces the computed one; one the level leaves out is
// computed and the label says so.
test('stored overview levels replace computed overviews for the statistics they hold', async () => {
  const { fineLevel, coarseLevel, overviewSource } = await import('../src/overview.js');
  const { OVERVIEWS_GROUP, OVERVIEW_ORDER_PREFIX, storedIndexOf } = await import('../src/stored_levels.js');
  const schema = readFileSync(fileURLToPath(new URL('../../include/healgrid/io/output_schema.hpp', import.meta.url)), 'utf8');
  assert.equal(OVERVIEWS_GROUP, schema.match(/kOverviewsGroup\[\] = "([^"]*)"/)[1]);
  assert.equal(OVERVIEW_ORDER_PREFIX, schema.match(/kOverviewOrderPrefix\[\] = "([^"]*)"/)[1]);
  const values = new Float32Array(32).fill(NaN);
  values[8] = 1; values[10] = 3; values[16] = 5;
  const count = new Float32Array(32);
  count[8] = 1; count[10] = 3; count[16] = 2;
  const level = (order, ids, vars) => ({
    order, path: `overviews/order_0${order}`, cellIds: BigUint64Array.from(ids), count: ids.length,
    variables: new Map(Object.entries(vars).map(([name, v]) => [name, { name, values: Float32Array.from(v), raw: Float32Array.from(v) }])),
  });
  const ds = {
    childOrder: 4, parentOrder: 2, block: 16, parentCount: 2, count: 32, parentIds: Float64Array.from([5, 6]),
    variables: [
      { name: 'count', attrs: { cell_methods: 'cell_ids: count' }, values: count },
      { name: 'h', attrs: { cell_methods: 'cell_ids: median' }, values },
    ],
    storedLevels: new Map([[3, level(3, [22n, 24n], { count: [4, 2], h: [2, 5] })], [1, level(1, [1n], { count: [6] })]]),
    variable(n) { return this.variables.find((v) => v.name === n); },
  };
  const fine = fineLevel(ds, 'h', 3);
  assert.equal(fine[2], 2);  // the stored median, not the count-weighted mean (1 + 9) / 4
  assert.equal(fine[4], 5);
  assert.equal(fine.filter((v) => v === v).length, 2);
  assert.equal(overviewSource(ds, 'h', 3), 'stored');
  assert.equal(overviewLabel(ds, 'h', 3), 'h at order 3 (stored level)');
  assert.equal(overviewSource(ds, 'h', 1), 'computed');
  assert.equal(overviewLabel(ds, 'h', 1), 'h at order 1 (mean of 64 cells, weighted by point count; the stored level has no h)');
  assert.equal(overviewLabel(ds, 'h', 2), 'h at order 2 (mean of 16 cells, weighted by point count)');
  const coarse = coarseLevel(ds, 'count', 1, () => assert.fail('stored cells take their geometry from their ids'));
  assert.deepEqual(coarse.ids, [1]);
  assert.equal(coarse.values[0], 6);
  assert.deepEqual(coarse.fxy, [{ face: 0, x: 1, y: 0 }]);
  const computed = coarseLevel(ds, 'h', 1, () => ({ face: 0, x: 1, y: 0 }));
  assert.equal(computed.values[0], Math.fround((1 * 1 + 3 * 3 + 2 * 5) / 6));
  assert.equal(storedIndexOf(ds.storedLevels.get(3), 24n), 1);
  assert.equal(storedIndexOf(ds.storedLevels.get(3), 23n), -1);
});

// Reading the levels from a real HDF5 file (h5py writes it, h5wasm reads it): a usable level,
// and broken groups left out with a warning naming the group (the viewer computes that order).
test('stored levels are read, and broken ones named and left out', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { readStoredLevels } = await import('../src/stored_levels.js');
  const h5wasm = (await import('h5wasm/node')).default;
  await h5wasm.ready;
  const dir = mkdtempSync(join(tmpdir(), 'healgrid-levels-'));
  try {
    const path = join(dir, 'levels.nc');
    execFileSync(PYTHON, ['-c', `
import h5py, numpy as np
with h5py.File(${JSON.stringify(path)}, "w") as f:
    g = f.create_group("overviews/order_03")
    g["cell_ids"] = np.array([5, 9, 700], np.uint64)
    g["healpix_index"] = np.array([5, 9, 700], np.uint64)
    g["healpix_index"].attrs["standard_name"] = "healpix_index"
    g["h_q50"] = np.array([1.5, np.nan, 3.0], np.float32)
    g["h_q50"].attrs["_FillValue"] = np.float32(np.nan)
    g["count"] = np.array([2, 0, 7], np.int32)
    g["count"].attrs["_FillValue"] = np.int32(0)
    g.attrs["healgrid_overview_method"] = "points"
    f.create_group("overviews/order_05")["count"] = np.array([1], np.int32)
    f.create_group("overviews/order_06")["cell_ids"] = np.array([4, 4], np.uint64)
    f.create_group("overviews/order_01")["cell_ids"] = np.array([48], np.uint64)
    f.create_group("overviews/order_12")["cell_ids"] = np.array([1], np.uint64)
    f.create_group("overviews/other")
`]);
    const f = new h5wasm.File(path, 'r');
    const { levels, warnings } = readStoredLevels(f, 12);
    f.close();
    assert.deepEqual([...levels.keys()], [3]);
    const level = levels.get(3);
    assert.deepEqual(Array.from(level.cellIds, Number), [5, 9, 700]);
    assert.deepEqual([...level.variables.keys()].sort(), ['count', 'h_q50']);
    assert.deepEqual(Array.from(level.variables.get('count').values), [2, NaN, 7]);
    assert.deepEqual(Array.from(level.variables.get('h_q50').values), [1.5, NaN, 3]);
    assert.equal(level.method, 'points');
    assert.deepEqual(warnings.sort(), [
      'overviews/order_01/cell_ids: an id beyond order 1',
      'overviews/order_05: no cell_ids',
      'overviews/order_06/cell_ids: not strictly increasing',
      'overviews/order_12: order 12 is not below the file\'s child order 12',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the statistic comes from healgrid_statistic, else from an older file\'s cell_methods', () => {
  // Since CF-valid cell_methods ("maximum", "mean (comment: ...)"), healgrid_statistic decides.
  assert.equal(cellMethod({ attrs: { cell_methods: 'cell_ids: maximum', healgrid_statistic: 'max' } }), 'max');
  assert.equal(overviewRule({ attrs: { cell_methods: 'cell_ids: maximum', healgrid_statistic: 'max' } }), 'max');
  assert.equal(overviewRule({ attrs: { healgrid_statistic: 'count' } }), 'sum');
  assert.equal(overviewRule({ attrs: { cell_methods: 'time: cell_ids: min' } }), 'min');
  assert.equal(cellMethod({ attrs: {} }), '');
});

// A sparse file of more than FIT_CELLS cells (as setupParents leaves it: one cell per "parent"):
// the fit covers all of them at a coarser order, not the first 20,001 ids. 25,000 cells of face 0
// (by the north pole: its last ids) come first in id order, then 5,000 of face 8 (by the south
// pole: its first ids): render would choose the globe.
test('the opening fit of a large sparse file uses all its cells', async () => {
  const { cellsForFit, centresOf } = await import('../src/auto_view.js');
  const { nestedNumberToFaceXY } = await import('../src/healpix.js');
  const order = 12, face = 4 ** order;
  const ids = [];
  for (let i = 24999; i >= 0; i--) ids.push(face - 1 - i * 7);
  for (let i = 0; i < 5000; i++) ids.push(8 * face + i * 11);
  const cellIds = BigUint64Array.from(ids, BigInt);
  const values = Float32Array.from(ids, () => 1);
  const ds = {
    variables: [{ values }], cellIds, count: ids.length, childOrder: order,
    parentOrder: order, block: 1, parentCount: ids.length, parentIds: Float64Array.from(ids),
  };
  const { level, ids: fit } = cellsForFit(ds);
  assert.ok(level < order && fit.length <= 20000, `level ${level}, ${fit.length} cells`);
  const faces = new Set(fit.map((id) => Math.floor(id / 4 ** level)));
  assert.deepEqual([...faces].sort(), [0, 8]);
  const c = centresOf(fit, level, false, nestedNumberToFaceXY);
  assert.deepEqual(chooseProjection(c.lons, c.lats), { key: 'global' });
});

// render's colour range rule: percentiles of the finite values only; +-inf take the end colours.
test('the default colour range leaves out infinities', async () => {
  const { defaultRange, colorIndex } = await import('../src/colormap.js');
  const values = new Float32Array(103);
  for (let i = 0; i < 100; i++) values[i] = i + 1;  // 1..100
  values[100] = Infinity; values[101] = -Infinity; values[102] = NaN;
  // numpy's reference: the 2nd and 98th percentiles (lower) of 1..100 are 2.98 -> 2 (index
  // floor(0.02 * 99) = 1) and 98 (index floor(0.98 * 99) = 97).
  assert.deepEqual(defaultRange(values), [2, 98]);
  assert.deepEqual(defaultRange(Float32Array.of(Infinity, 5, Infinity)), [4.5, 5.5]);
  assert.equal(colorIndex(Infinity, 2, 98), 255);
  assert.equal(colorIndex(-Infinity, 2, 98), 0);
  assert.equal(colorIndex(Infinity, 0, Infinity), 255);
});

// A file with as many granules as cells (netCDF4 writes it): the provenance on `granules` is not
// a map variable, only the statistics on cell_ids.
test('only variables on cell_ids are map variables', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { cellVariables } = await import('../src/h5_read.js');
  const h5wasm = (await import('h5wasm/node')).default;
  await h5wasm.ready;
  const dir = mkdtempSync(join(tmpdir(), 'healgrid-dims-'));
  try {
    const path = join(dir, 'one.nc');
    execFileSync(PYTHON, ['-c', `
import netCDF4, numpy as np
with netCDF4.Dataset(${JSON.stringify(path)}, "w") as f:
    f.createDimension("cell_ids", 1)
    f.createDimension("granules", 1)
    f.createVariable("cell_ids", "u8", ("cell_ids",))[:] = [7]
    f.createVariable("h_mean", "f4", ("cell_ids",))[:] = [1.5]
    f.createVariable("granule_bytes", "u8", ("granules",))[:] = [1000]
    f.createVariable("granule_points_used", "u8", ("granules",))[:] = [3]
`]);
    const f = new h5wasm.File(path, 'r');
    const names = cellVariables(f, 1).map((v) => v.name);
    f.close();
    assert.deepEqual(names, ['h_mean']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The ?file= parameter, decoded once by URLSearchParams, is fetched with each segment encoded
// again (encodeURIComponent, as the server's printed URL encodes it) and named as it is.
test('file names with #, ? and % are fetched encoded and named once decoded', async () => {
  const { fileName, fileUrl } = await import('../src/view_state.js');
  const file = new URLSearchParams('file=data/a%23b%3F%20100%25.nc').get('file');
  assert.equal(file, 'data/a#b? 100%.nc');
  assert.equal(fileUrl(file), 'data/a%23b%3F%20100%25.nc');
  assert.equal(fileName(file), 'a#b? 100%.nc');
  assert.equal(new URL(fileUrl(file), 'http://h/').pathname, '/data/a%23b%3F%20100%25.nc');
});

// Files the viewer cannot draw are named with the reason (netCDF4 writes them): not HDF5
// (netCDF-3, text), truncated HDF5, only cell_ids, a time-windowed output; an all-missing
// variable opens and is reported as such.
test('files that cannot be drawn say why', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { HealgridDataset, notHdf5 } = await import('../src/dataset.js');
  const dir = mkdtempSync(join(tmpdir(), 'healgrid-bad-'));
  try {
    execFileSync(PYTHON, ['-c', `
import netCDF4, numpy as np
d = ${JSON.stringify(dir)}
def base(path, fmt="NETCDF4"):
    f = netCDF4.Dataset(path, "w", format=fmt)
    f.createDimension("cell_ids", 3)
    f.createVariable("cell_ids", "u8" if fmt == "NETCDF4" else "i4", ("cell_ids",))[:] = [4, 5, 6]
    f.child_order = np.int32(3)
    return f
base(d + "/classic.nc", "NETCDF3_CLASSIC").close()
base(d + "/ids.nc").close()
with base(d + "/tw.nc") as f:
    f.createDimension("time", 2)
    f.createVariable("h_mean", "f4", ("time", "cell_ids"))[:] = np.ones((2, 3))
    f.healgrid_time_windows = "a/b,b/c"
with base(d + "/nan.nc") as f:
    v = f.createVariable("h_mean", "f4", ("cell_ids",), fill_value=np.float32(np.nan))
    v[:] = [np.nan] * 3
    f.createVariable("count", "i4", ("cell_ids",))[:] = [1, 2, 3]
data = open(d + "/nan.nc", "rb").read()
open(d + "/trunc.nc", "wb").write(data[:len(data) // 2])
open(d + "/text.nc", "w").write("hello")
`]);
    const open = (n) => HealgridDataset.fromBuffer(readFileSync(join(dir, n)), n);
    await assert.rejects(open('classic.nc'), { message: 'classic.nc is not an HDF5/NetCDF-4 file (it is netCDF-3: convert it with nccopy -k nc4)' });
    await assert.rejects(open('text.nc'), { message: 'text.nc is not an HDF5/NetCDF-4 file (netCDF-3? convert with nccopy -k nc4)' });
    await assert.rejects(open('trunc.nc'), /trunc\.nc starts as an HDF5 file but cannot be read \(truncated/);
    await assert.rejects(open('ids.nc'), { message: 'ids.nc: no statistics (no variable on cell_ids)' });
    await assert.rejects(open('tw.nc'), { message: 'tw.nc: time-windowed outputs are not drawn yet: use healgrid render --time N' });
    const ds = await open('nan.nc');
    assert.deepEqual(ds.variables.map((v) => v.name).sort(), ['count', 'h_mean']);
    assert.equal(ds.allMissing('h_mean'), true);
    assert.equal(ds.allMissing('count'), false);
    const user = new Uint8Array(1100);
    user.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 1024);
    assert.equal(notHdf5(user, 'u.h5'), null);  // after a 1024-byte user block
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
