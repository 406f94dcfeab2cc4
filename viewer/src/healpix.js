// Nested HEALPix geometry, written from the scheme's definition (Gorski et al. 2005, ApJ 622,
// 759), without a nested -> ring conversion:
//
//   nested id = face * nside^2 + interleave(x, y),  nside = 2^order,
//   x on the even bits and y on the odd bits of the in-face index, 0 <= x, y < nside.
//
// A point of face f has continuous face coordinates (u, v) in [0, 1]^2 (u = (x + dx) / nside).
// Its ring coordinate jr = JRLL[f] - u - v runs from 0 at the north pole to 4 at the south pole:
//   north cap (jr < 1):  nr = jr,      z = 1 - nr^2 / 3
//   south cap (jr > 3):  nr = 4 - jr,  z = nr^2 / 3 - 1
//   equatorial belt:     nr = 1,       z = (2 - jr) * 2 / 3
// and the longitude is phi = (pi / 4) * (JPLL[f] * nr + u - v) / nr  (mod 2 pi).
// A cell's centre is (u, v) = ((x + 0.5) / nside, (y + 0.5) / nside); its corners are the four
// integer points around it, listed like healpy.boundaries(step=1): N (x+1, y+1), W (x, y+1),
// S (x, y), E (x+1, y). Near the poles the latitude comes from atan2(z, sin(theta)) with
// sin(theta) = sqrt(t (2 - t)), t = nr^2 / 3, which keeps full precision where z -> +-1.
//
// Ids up to order 29 need 62 bits: callers hand them as (hi, lo) 32-bit halves (the layout of a
// little-endian uint64 array) or as Numbers when below 2^53 (order <= 24).

const JRLL = [2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4];
const JPLL = [1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7];
const DEG = 180 / Math.PI;
const TWO32 = 4294967296;

// The even bits of a 32-bit word, packed into 16 bits.
export function compactEvenBits(word) {
  let w = word & 0x55555555;
  w = (w | (w >>> 1)) & 0x33333333;
  w = (w | (w >>> 2)) & 0x0f0f0f0f;
  w = (w | (w >>> 4)) & 0x00ff00ff;
  w = (w | (w >>> 8)) & 0x0000ffff;
  return w;
}

// A 16-bit value spread onto the even bits of a 32-bit word.
export function spreadBits(value) {
  let v = value & 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v >>> 0;
}

// Interleaved in-face index of (x, y), both below 2^16, as a Number (x even bits, y odd bits).
export function interleave16(x, y) {
  return (spreadBits(x) | (spreadBits(y) << 1)) >>> 0;
}

// { face, x, y } of a nested id given as 32-bit halves.
export function nestedToFaceXY(hi, lo, order) {
  const bits = 2 * order;
  let face, pixHi, pixLo;
  if (bits < 32) {
    face = hi * 2 ** (32 - bits) + (bits === 0 ? lo : lo >>> bits);
    pixHi = 0;
    pixLo = bits === 0 ? 0 : lo & ((1 << bits) - 1);
  } else if (bits === 32) {
    face = hi;
    pixHi = 0;
    pixLo = lo;
  } else {
    const s = bits - 32;
    face = hi >>> s;
    pixHi = hi & ((1 << s) - 1);
    pixLo = lo;
  }
  const x = compactEvenBits(pixLo) + compactEvenBits(pixHi) * 65536;
  const y = compactEvenBits(pixLo >>> 1) + compactEvenBits(pixHi >>> 1) * 65536;
  return { face, x, y };
}

// { face, x, y } of a nested id given as a Number (exact below 2^53).
export function nestedNumberToFaceXY(id, order) {
  const hi = Math.floor(id / TWO32);
  return nestedToFaceXY(hi, id - hi * TWO32, order);
}

// The nested id of (face, x, y) as a BigInt (any order up to 29).
export function faceXYToNestedBigInt(face, x, y, order) {
  const xl = x % 65536, yl = y % 65536;
  const xh = Math.floor(x / 65536), yh = Math.floor(y / 65536);
  const low = BigInt(interleave16(xl, yl));
  const high = BigInt(interleave16(xh, yh));
  return (BigInt(face) << BigInt(2 * order)) + (high << 32n) + low;
}

// Geocentric (spherical) [lonDeg, latDeg] of face coordinates (u, v) in [0, 1] of `face`.
// The longitude is wrapped to [-180, 180).
export function faceUVToLonLat(face, u, v) {
  const jr = JRLL[face] - u - v;
  let nr, z, sinTheta = -1;
  if (jr < 1) {
    nr = jr;
    const t = (nr * nr) / 3;
    z = 1 - t;
    sinTheta = Math.sqrt(t * (2 - t));
  } else if (jr > 3) {
    nr = 4 - jr;
    const t = (nr * nr) / 3;
    z = t - 1;
    sinTheta = Math.sqrt(t * (2 - t));
  } else {
    nr = 1;
    z = ((2 - jr) * 2) / 3;
    sinTheta = Math.sqrt((1 - z) * (1 + z));
  }
  let phiQuarter = nr < 1e-15 ? 0 : (JPLL[face] * nr + u - v) / nr;  // in units of pi/4
  let lon = phiQuarter * 45;
  lon = ((lon + 180) % 360 + 360) % 360 - 180;
  return [lon, Math.atan2(z, sinTheta) * DEG];
}

// Centre [lon, lat] (spherical degrees) of cell (face, x, y) at `order`.
export function cellCenter(face, x, y, order) {
  const nside = 2 ** order;
  return faceUVToLonLat(face, (x + 0.5) / nside, (y + 0.5) / nside);
}

// The four corners [[lon, lat] x4] of cell (face, x, y): N, W, S, E as healpy.boundaries.
export function cellCorners(face, x, y, order) {
  const n = 2 ** order;
  return [
    faceUVToLonLat(face, (x + 1) / n, (y + 1) / n),
    faceUVToLonLat(face, x / n, (y + 1) / n),
    faceUVToLonLat(face, x / n, y / n),
    faceUVToLonLat(face, (x + 1) / n, y / n),
  ];
}

// { face, x, y } of the cell holding spherical (lonDeg, latDeg) at `order`: the inverse map,
// solving the cap / belt relations above for the face's two edge-line indices.
export function lonLatToFaceXY(lonDeg, latDeg, order) {
  const nside = 2 ** order;
  const lat = latDeg / DEG;
  const z = Math.sin(lat);
  const za = Math.abs(z);
  let tt = (((lonDeg % 360) + 360) % 360) / 90;  // phi / (pi/2) in [0, 4)
  if (tt >= 4) tt = 0;
  if (za <= 2 / 3) {
    const t1 = nside * (0.5 + tt);
    const t2 = nside * z * 0.75;
    const jp = Math.floor(t1 - t2);  // ascending edge-line index
    const jm = Math.floor(t1 + t2);  // descending edge-line index
    const ifp = Math.floor(jp / nside), ifm = Math.floor(jm / nside);
    const face = ifp === ifm ? (ifp % 4) + 4 : ifp < ifm ? ifp % 4 : (ifm % 4) + 8;
    const x = ((jm % nside) + nside) % nside;
    const y = nside - (((jp % nside) + nside) % nside) - 1;
    return { face, x, y };
  }
  const ntt = Math.min(3, Math.floor(tt));
  const tp = tt - ntt;
  // nside * sqrt(3 (1 - |z|)), from cos(lat) to stay exact near the poles.
  const cosLat = Math.cos(lat);
  const tmp = nside * cosLat * Math.sqrt(3 / (1 + za));
  const jp = Math.min(nside - 1, Math.floor(tp * tmp));
  const jm = Math.min(nside - 1, Math.floor((1 - tp) * tmp));
  if (z > 0) return { face: ntt, x: nside - jm - 1, y: nside - jp - 1 };
  return { face: ntt + 8, x: jp, y: jm };
}

// Nested id (BigInt) of the cell holding spherical (lonDeg, latDeg).
export function lonLatToNested(lonDeg, latDeg, order) {
  const { face, x, y } = lonLatToFaceXY(lonDeg, latDeg, order);
  return faceXYToNestedBigInt(face, x, y, order);
}
