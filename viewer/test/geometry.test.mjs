// The viewer's nested HEALPix geometry and latitude conversion against healpy (Debian's
// python3-healpy) and the exact authalic formula, over random cells of orders 0..29.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  nestedToFaceXY, cellCenter, cellCorners, lonLatToNested,
} from '../src/healpix.js';
import { authalicToGeodetic, geodeticToAuthalic } from '../src/latitude.js';

const PYTHON = process.env.HEALGRID_PYTHON || '/usr/bin/python3';
const reference = fileURLToPath(new URL('./healpy_reference.py', import.meta.url));

// Deterministic pseudo-random numbers (mulberry32) so a failure reproduces.
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// 53-bit uniform numbers: 32-bit ones put points exactly on fine cells' edges, where the last
// bit of rounding decides between two cells.
function rng53(seed) {
  const next = rng(seed);
  return () => (Math.floor(next() * 2 ** 21) * 2 ** 32 + Math.floor(next() * 2 ** 32)) / 2 ** 53;
}

function randomIds(order, count, random) {
  const npix = 12n * 4n ** BigInt(order);
  const ids = [0n, npix - 1n];
  while (ids.length < count) {
    const r = (BigInt(Math.floor(random() * 2 ** 31)) << 32n) | BigInt(Math.floor(random() * 2 ** 32));
    ids.push(r % npix);
  }
  return ids;
}

// Angular distance in degrees, robust for small separations.
function separation(lon1, lat1, lon2, lat2) {
  const r = Math.PI / 180;
  const dlat = (lat2 - lat1) * r, dlon = (lon2 - lon1) * r;
  const a = Math.sin(dlat / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dlon / 2) ** 2;
  return (2 * Math.asin(Math.min(1, Math.sqrt(a)))) / r;
}

test('cell centres, corners and point lookup match healpy for orders 0..29', () => {
  const random = rng53(20240611);
  const orders = [...Array(30).keys()];
  const cells = orders.map((o) => [o, randomIds(o, 60, random).map(String)]);
  const points = orders.map((o) => {
    const lons = [], lats = [];
    for (let i = 0; i < 60; i++) {
      lons.push(random() * 720 - 360);
      lats.push(Math.asin(2 * random() - 1) * (180 / Math.PI));
    }
    lons.push(0, 45, 90, -45, 180); lats.push(90, -90, 41.8103149, -41.8103149, 0);
    return [o, lons, lats];
  });
  const geodetic = Array.from({ length: 181 }, (_, i) => i - 90);
  const ref = JSON.parse(execFileSync(PYTHON, [reference], {
    input: JSON.stringify({ cells, points, geodetic }), maxBuffer: 1 << 28,
  }).toString());

  for (const r of ref.cells) {
    const pixelDeg = Math.sqrt(41253 / (12 * 4 ** r.order));
    const tol = Math.max(1e-11, pixelDeg * 1e-9);  // degrees
    r.ids.forEach((idText, i) => {
      const id = BigInt(idText);
      const { face, x, y } = nestedToFaceXY(Number(id >> 32n), Number(id & 0xffffffffn), r.order);
      const [lon, lat] = cellCenter(face, x, y, r.order);
      assert.ok(separation(lon, lat, r.lon[i], r.lat[i]) < tol,
        `order ${r.order} id ${idText}: centre ${lon},${lat} vs healpy ${r.lon[i]},${r.lat[i]}`);
      cellCorners(face, x, y, r.order).forEach(([clon, clat], k) => {
        assert.ok(separation(clon, clat, r.corner_lon[i][k], r.corner_lat[i][k]) < tol,
          `order ${r.order} id ${idText} corner ${k}`);
      });
    });
  }
  ref.points.forEach((r, i) => {
    const [, lons, lats] = points[i];
    lons.forEach((lon, k) => {
      assert.equal(String(lonLatToNested(lon, lats[k], r.order)), r.ids[k],
        `order ${r.order} point ${lon},${lats[k]}`);
    });
  });
});

test('authalic <-> geodetic latitude agrees with the exact formula (series: 3e-8 degrees)', () => {
  const geodetic = Array.from({ length: 181 }, (_, i) => i - 90);
  const ref = JSON.parse(execFileSync(PYTHON, [reference], {
    input: JSON.stringify({ cells: [], points: [], geodetic }),
  }).toString());
  geodetic.forEach((g, i) => {
    assert.ok(Math.abs(geodeticToAuthalic(g) - ref.authalic[i]) < 1e-9, `forward at ${g}`);
    assert.ok(Math.abs(authalicToGeodetic(ref.authalic[i]) - g) < 3e-8, `inverse at ${g}`);
  });
});
