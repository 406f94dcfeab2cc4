// What the pointer is on: the cell drawn under it, at the order the map is drawn at (the file's
// cell when drawn at its own order, else the overview cell: each statistic from the stored
// level when the file has one there that holds it, else its summary per statistic kind,
// overview.js), with the number of the file's cells with data under it.
import { cellCenter, lonLatToNested, nestedToFaceXY } from './healpix.js';
import { authalicToGeodetic, geodeticToAuthalic } from './latitude.js';
import { childRange, countWeights, overviewRule, reduceCells } from './overview.js';
import { storedIndexOf, storedLevel } from './stored_levels.js';

// The readout of geodetic (lon, lat) for `variable` drawn at `level` (see panels.renderReadout).
export function drawnCellAt(ds, level, variable, lon, lat) {
  const id = lonLatToNested(lon, ds.authalic ? geodeticToAuthalic(lat) : lat, level);
  const { face, x, y } = nestedToFaceXY(Number(id >> 32n), Number(id & 0xffffffffn), level);
  const [clon, clat] = cellCenter(face, x, y, level);
  const base = {
    id: id.toString(), order: level, pointer: [lon, lat],
    centre: [clon, ds.authalic ? authalicToGeodetic(clat) : clat], authalicLat: ds.authalic ? clat : null,
  };
  if (level >= ds.childOrder) {
    const index = ds.indexOf(id);
    return {
      ...base, index, overview: null,
      variables: ds.variables.map((v) => ({ name: v.name, units: v.units, integer: v.integer, raw: index >= 0 ? Number(v.raw[index]) : null, fill: index >= 0 && Number.isNaN(v.values[index]) })),
    };
  }
  const [begin, end] = childRange(ds, Number(id), level);
  const weights = countWeights(ds);
  const cells = 4 ** (ds.childOrder - level);
  const withData = end > begin ? reduceCells(ds.variable(variable).values, weights, begin, end, 'sum')[1] : 0;
  const stored = storedLevel(ds, level);
  const storedIndex = stored ? storedIndexOf(stored, id) : -1;
  return {
    ...base, index: (end > begin && withData > 0) || storedIndex >= 0 ? begin : -1,
    overview: { cells, withData, variable, childOrder: ds.childOrder, stored: stored ? stored.path : null },
    variables: ds.variables.map((v) => {
      const sv = stored?.variables.get(v.name);
      if (sv) {
        const value = storedIndex >= 0 ? sv.values[storedIndex] : NaN;
        const raw = storedIndex >= 0 && !Number.isNaN(value) ? Number(sv.raw[storedIndex]) : NaN;
        return { name: v.name, units: v.units, integer: sv.integer, raw, fill: Number.isNaN(value), rule: 'stored' };
      }
      const rule = overviewRule(v);
      const [value] = end > begin ? reduceCells(v.values, weights, begin, end, rule) : [NaN];
      return { name: v.name, units: v.units, integer: v.integer && rule !== 'mean', raw: value, fill: Number.isNaN(value), rule };
    }),
  };
}
