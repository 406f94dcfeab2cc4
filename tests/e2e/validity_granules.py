"""Small ATL06-like granules written with h5py in which every point-validity rule is exercised.

Used by check_point_validity.py and check_output_metadata.py. Each beam mixes valid points with
planted invalid rows of known kinds, so the number of used points is known by construction
(`Planted.valid`) as well as from the reference:

  polar      valid points beyond 89 N and 89 S (authalic binning near the poles)
  dense      300 valid points in one order-12 cell, their float64 variable `d` of both signs
             (~±1000 with sub-float32 differences: only float64 arithmetic gets the cell's
             sums, means and quantiles right), followed by ordinary cells
  ordinary   valid points clustered so that cells hold several points; longitudes beyond
             ±180 (wrapped) included
  invalid    quality_summary 1 or -1 (filter `== 0`), class 2 (filter `<= 1`; class 1 kept),
             h_li = _FillValue or NaN, h_li_sigma = _FillValue (h_li valid, quality 0),
             h_li_sigma 0 or negative, d NaN, longitude NaN / inf / = its _FillValue (-999),
             latitude 90.5 / -91 / NaN / = its _FillValue (-89.5, one granule only)
The config (`write_config`) reads groups gt1l and gt2r, variables h (float32), s (float32
sigma) and d (float64), and computes every statistic function.
"""

import os

import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from healgrid_reference import cell_index  # noqa: E402

GROUPS = ("gt1l", "gt2r")
FLOAT_FILL = np.float32(3.4028235e38)
LON_FILL = -999.0
LAT_FILL = -89.5  # a latitude inside [-90, 90] that one granule declares as its fill
INVALID_KINDS = ("quality1", "quality-1", "class2", "h_fill", "h_nan", "sigma_fill", "sigma0",
                 "sigma_neg", "d_nan", "lon_nan", "lon_inf", "lon_fill", "lon_9999", "lat_905", "lat_-91",
                 "lat_nan", "lat_fill")
ROWS_PER_KIND = 60

CONFIG = """product: VALIDITY-TEST
title: point validity end-to-end test
groups: [gt1l, gt2r]
coordinates:
  latitude: /{group}/land_ice_segments/latitude
  longitude: /{group}/land_ice_segments/longitude
  time: /{group}/land_ice_segments/delta_time
variables:
  h: /{group}/land_ice_segments/h_li
  s: /{group}/land_ice_segments/h_li_sigma
  d: /{group}/land_ice_segments/d_f64
filters:
  - {dataset: "/{group}/land_ice_segments/atl06_quality_summary", op: "==", value: 0}
  - {dataset: "/{group}/land_ice_segments/class", op: "<=", value: 1}
grid:
  parent_order: 6
  child_order: 12
  latitude: authalic
output:
  deflate_level: 4
statistics:
  - {name: count, function: count, variable: h}
  - {name: h_min, function: min, variable: h}
  - {name: h_max, function: max, variable: h}
  - {name: h_sum, function: sum, variable: h}
  - {name: h_mean, function: mean, variable: h}
  - {name: h_wmean, function: weighted_mean, variable: h, sigma: s}
  - {name: h_wsigma, function: weighted_mean_sigma, variable: h, sigma: s}
  - {name: h_variance, function: variance, variable: h}
  - {name: h_std, function: std, variable: h}
  - {name: h_q25, function: quantile, variable: h, q: 0.25}
  - {name: h_q50, function: quantile, variable: h, q: 0.5}
  - {name: d_sum, function: sum, variable: d}
  - {name: d_mean, function: mean, variable: d}
  - {name: d_std, function: std, variable: d}
  - {name: d_min, function: min, variable: d}
  - {name: d_max, function: max, variable: d}
  - {name: d_q10, function: quantile, variable: d, q: 0.1}
  - {name: d_q50, function: quantile, variable: d, q: 0.5}
"""


def write_config(path):
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(CONFIG)
    return path


class Planted:
    """What was written: valid point count, planted invalid rows per kind, dense cell centre."""

    def __init__(self):
        self.valid = 0
        self.invalid = {k: 0 for k in INVALID_KINDS}
        self.polar_lat = []
        self.polar_lon = []
        self.dense_centre = None
        self.dense_cell = None


def _signed_thousands(rng, n):
    """~±1000 float64 values that all round to ±1000 in float32 (ulp 6.1e-5 there)."""
    sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    return sign * (1000.0 + rng.uniform(2e-6, 3e-5, n))


def _valid_block(rng, lat, lon):
    n = lat.size
    return {
        "latitude": lat, "longitude": lon,
        "h_li": rng.normal(1500.0, 40.0, n).astype(np.float32),
        "h_li_sigma": rng.uniform(0.02, 0.5, n).astype(np.float32),
        "d_f64": _signed_thousands(rng, n),
        "atl06_quality_summary": np.zeros(n, np.int8),
        "class": rng.integers(0, 2, n).astype(np.int16),  # 0 or 1: both pass `<= 1`
    }


def _dense_block(rng, centre_lat, centre_lon):
    """300 points in one order-12 cell, 150 of d < 0 and 150 of d > 0 (a median ~1e-5), and
    that cell's id. Points are drawn near the centre and kept if in the most common cell."""
    lat = centre_lat + rng.uniform(-3e-4, 3e-4, 3000)
    lon = centre_lon + rng.uniform(-1e-3, 1e-3, 3000)
    cells = cell_index(lat, lon, 12, "authalic")
    values, counts = np.unique(cells, return_counts=True)
    dense_cell = values[np.argmax(counts)]
    keep = np.flatnonzero(cells == dense_cell)[:300]
    assert keep.size == 300, "dense cell: fewer than 300 points drawn in one cell"
    block = _valid_block(rng, lat[keep], lon[keep])
    # Negatives -(1000 + [1e-6, 3e-5)), positives 1000 + [2e-5, 3e-5): the median, between the
    # largest negative and the smallest positive, is ~1e-5; in float32 arithmetic it is 0.
    d = np.concatenate([-(1000.0 + rng.uniform(1e-6, 3e-5, 150)),
                        1000.0 + rng.uniform(2e-5, 3e-5, 150)])
    d[0] = -(1000.0 + 1e-6)
    block["d_f64"] = d[rng.permutation(300)]
    return block, dense_cell


def _outside(lat, lon, cell):
    """The points not in order-12 cell `cell` (the dense cell holds its 300 points only)."""
    keep = cell_index(lat, lon, 12, "authalic") != cell
    return lat[keep], lon[keep]


def _invalid_block(rng, kind, lat_fill_declared):
    """ROWS_PER_KIND rows that each break exactly one rule, near 75 S 100 E."""
    n = ROWS_PER_KIND
    block = _valid_block(rng, -75.0 + rng.uniform(-0.2, 0.2, n), 100.0 + rng.uniform(-0.5, 0.5, n))
    column, value = {
        "quality1": ("atl06_quality_summary", 1), "quality-1": ("atl06_quality_summary", -1),
        "class2": ("class", 2), "h_fill": ("h_li", FLOAT_FILL), "h_nan": ("h_li", np.nan),
        "sigma_fill": ("h_li_sigma", FLOAT_FILL), "sigma0": ("h_li_sigma", 0.0),
        "sigma_neg": ("h_li_sigma", -0.1), "d_nan": ("d_f64", np.nan),
        "lon_nan": ("longitude", np.nan), "lon_inf": ("longitude", np.inf),
        "lon_fill": ("longitude", LON_FILL), "lon_9999": ("longitude", -9999.0),
        "lat_905": ("latitude", 90.5),
        "lat_-91": ("latitude", -91.0), "lat_nan": ("latitude", np.nan),
        "lat_fill": ("latitude", LAT_FILL),
    }[kind]
    if kind == "lat_fill" and not lat_fill_declared:
        return None
    block[column] = np.full(n, value, dtype=block[column].dtype)
    return block


def _write_beam(group, blocks, rng, lat_fill_declared):
    cols = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    order = rng.permutation(cols["latitude"].size)  # valid and invalid rows interleaved
    lis = group.create_group("land_ice_segments")
    for name, values in cols.items():
        values = values[order]
        d = lis.create_dataset(name, data=values, chunks=(min(4000, values.size),),
                               compression="gzip", compression_opts=6, maxshape=(None,))
        if name in ("h_li", "h_li_sigma"):
            d.attrs["_FillValue"] = FLOAT_FILL
            d.attrs["units"] = np.bytes_("meters")
        elif name == "d_f64":
            d.attrs["_FillValue"] = np.float64(-9.0e9)
            d.attrs["units"] = np.bytes_("m")
        elif name == "longitude":
            d.attrs["_FillValue"] = np.float64(LON_FILL)
        elif name == "latitude" and lat_fill_declared:
            d.attrs["_FillValue"] = np.float64(LAT_FILL)
    lis.create_dataset("delta_time", data=np.arange(order.size, dtype=np.float64) * 0.003)


def make_granules(folder, seed=19):
    """Three granules in `folder` (names sort in this order); returns (paths, Planted)."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    planted = Planted()
    planted.dense_centre = (-75.1234, 100.4321)
    dense, dense_cell = _dense_block(rng, *planted.dense_centre)
    planted.dense_cell = int(dense_cell)
    names = ["VALID_20200101000000_00010101_006_01.h5", "VALID_20200102000000_00020101_006_01.h5",
             "VALID_20200103000000_00030101_006_01.h5"]
    paths = []
    for g, name in enumerate(names):
        lat_fill_declared = g == 1
        path = os.path.join(folder, name)
        with h5py.File(path, "w") as f:
            for b, group in enumerate(GROUPS):
                if g == 2 and group == "gt2r":
                    continue  # a granule without one of the groups
                blocks = []
                if b == 0 and g < 2:  # polar points: north in granule 0, south in granule 1
                    sign = 1.0 if g == 0 else -1.0
                    lat = sign * rng.uniform(89.0, 89.9999, 600)
                    lon = rng.uniform(-180.0, 180.0, 600)
                    blocks.append(_valid_block(rng, lat, lon))
                    planted.polar_lat.append(lat)
                    planted.polar_lon.append(lon)
                if g == 1 and b == 1:
                    blocks.append(dense)
                # ordinary clustered points, some longitudes beyond +-180
                lat, lon = _outside(-75.1 + rng.uniform(-0.12, 0.12, 1500),
                                    100.4 + rng.uniform(-0.3, 0.3, 1500), dense_cell)
                blocks.append(_valid_block(rng, lat, lon + (360.0 if g == 0 else 0.0)))
                lat = 70.0 + rng.uniform(-0.05, 0.05, 300)
                lon = -180.0 + rng.uniform(-0.1, 0.1, 300)  # across the antimeridian
                blocks.append(_valid_block(rng, lat, lon))
                planted.valid += sum(bl["latitude"].size for bl in blocks)
                for kind in INVALID_KINDS:
                    block = _invalid_block(rng, kind, lat_fill_declared)
                    if block is not None:
                        blocks.append(block)
                        planted.invalid[kind] += block["latitude"].size
                _write_beam(f.create_group(group), blocks, rng, lat_fill_declared)
        paths.append(path)
    planted.polar_lat = np.concatenate(planted.polar_lat)
    planted.polar_lon = np.concatenate(planted.polar_lon)
    return paths, planted
