#!/usr/bin/env python3
"""The baseline a scientist would write instead of healgrid: numpy + h5py + healpy, vectorised.

Computes the default ATL06 statistics (count, min, max, weighted mean and its sigma, variance,
q25/q50/q75) on the same granules with the same rules (quality filter, fill values, sigma > 0,
authalic latitude, HEALPix nested cells) and writes the same NetCDF layout (cell_ids = every
child of every parent cell with data), so the benchmark can check that both agree.

Vectorised properly: one read per beam dataset, ang2pix on whole arrays, one lexsort by
(cell, height), np.add.reduceat for sums, and quantiles by index arithmetic on the sorted
heights (no per-cell Python loop). Single process, like a notebook.

usage: baseline_numpy.py --output OUT.nc [--parent-order 6] [--child-order 12] GRANULE...
"""

import argparse
import json
import sys
import time

import h5py
import healpy
import netCDF4
import numpy as np

BEAMS = ["gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"]
E2 = 0.00669437999014  # WGS84 first eccentricity squared
E = np.sqrt(E2)


def authalic_z(lat_deg):
    """sin(authalic latitude) = q(phi) / q(90 deg) for geodetic latitude phi (WGS84)."""
    s = np.sin(np.radians(lat_deg))
    q = (1 - E2) * (s / (1 - E2 * s * s) + np.arctanh(E * s) / E)
    qp = (1 - E2) * (1 / (1 - E2) + np.arctanh(E) / E)
    return q / qp


def read_points(paths, nside):
    """Cells, heights and sigmas of every used point of every granule."""
    cells, heights, sigmas = [], [], []
    for path in paths:
        with h5py.File(path, "r") as f:
            for beam in BEAMS:
                seg = f"/{beam}/land_ice_segments"
                if seg + "/latitude" not in f:
                    continue
                g = f[seg]
                lat, lon = g["latitude"][:], g["longitude"][:]
                h, s = g["h_li"][:], g["h_li_sigma"][:]
                quality = g["atl06_quality_summary"][:]
                ok = (quality == 0) & (lat >= -90) & (lat <= 90) & np.isfinite(lon)
                for ds, values in (("h_li", h), ("h_li_sigma", s)):
                    ok &= np.isfinite(values)
                    fill = g[ds].attrs.get("_FillValue")
                    if fill is not None:
                        ok &= values != fill
                ok &= s > 0
                z = authalic_z(lat[ok])
                theta = np.arccos(np.clip(z, -1, 1))
                cells.append(healpy.ang2pix(nside, theta, np.radians(lon[ok]), nest=True))
                heights.append(h[ok].astype(np.float64))
                sigmas.append(s[ok].astype(np.float64))
    return np.concatenate(cells), np.concatenate(heights), np.concatenate(sigmas)


def reduce_cells(cells, h, s):
    """Per-cell statistics of sorted groups, without a Python loop over cells."""
    order = np.lexsort((h, cells))
    cells, h, s = cells[order], h[order], s[order]
    uniq, start, count = np.unique(cells, return_index=True, return_counts=True)
    w = 1.0 / (s * s)
    sum_w = np.add.reduceat(w, start)
    mean_w = np.add.reduceat(w * h, start) / sum_w
    mean = np.add.reduceat(h, start) / count
    dev = h - np.repeat(mean, count)
    stats = {
        "count": count.astype(np.int32),
        "h_min": h[start],
        "h_max": h[start + count - 1],
        "h_mean": mean_w,
        "h_sigma": 1.0 / np.sqrt(sum_w),
        "h_variance": np.add.reduceat(dev * dev, start) / count,
    }
    for name, q in (("h_q25", 0.25), ("h_q50", 0.5), ("h_q75", 0.75)):
        pos = q * (count - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, count - 1)
        t = pos - lo
        a, b = h[start + lo], h[start + hi]
        stats[name] = np.where(t >= 0.5, b - (b - a) * (1 - t), a + (b - a) * t)
    return uniq, stats


def write_netcdf(path, uniq, stats, parent_order, child_order):
    """Dense over every child of every parent with data, as healgrid writes it."""
    shift = 2 * (child_order - parent_order)
    parents = np.unique(uniq >> shift)
    per_parent = 1 << shift
    cell_ids = (parents[:, None] * per_parent + np.arange(per_parent)[None, :]).ravel()
    index = np.searchsorted(cell_ids, uniq)
    with netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
        nc.createDimension("cell_ids", cell_ids.size)
        v = nc.createVariable("cell_ids", "u8", ("cell_ids",), zlib=True, complevel=4,
                              shuffle=True, chunksizes=(min(per_parent, cell_ids.size),))
        v[:] = cell_ids.astype(np.uint64)
        for name, values in stats.items():
            is_count = name == "count"
            var = nc.createVariable(name, "i4" if is_count else "f4", ("cell_ids",), zlib=True,
                                    complevel=4, shuffle=True,
                                    chunksizes=(min(per_parent, cell_ids.size),),
                                    fill_value=0 if is_count else np.float32(np.nan))
            dense = np.zeros(cell_ids.size, np.int32) if is_count else \
                np.full(cell_ids.size, np.nan, np.float32)
            dense[index] = values
            var[:] = dense


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("granules", nargs="+")
    parser.add_argument("--output", required=True)
    parser.add_argument("--parent-order", type=int, default=6)
    parser.add_argument("--child-order", type=int, default=12)
    parser.add_argument("--metrics-json")
    args = parser.parse_args()
    t0 = time.perf_counter()
    cells, h, s = read_points(sorted(args.granules), 2 ** args.child_order)
    t1 = time.perf_counter()
    uniq, stats = reduce_cells(cells, h, s)
    t2 = time.perf_counter()
    write_netcdf(args.output, uniq, stats, args.parent_order, args.child_order)
    t3 = time.perf_counter()
    metrics = {"points_used": int(cells.size), "cells_with_data": int(uniq.size),
               "seconds": {"read_bin": t1 - t0, "reduce": t2 - t1, "write": t3 - t2,
                           "total": t3 - t0}}
    if args.metrics_json:
        with open(args.metrics_json, "w", encoding="utf-8") as out:
            json.dump(metrics, out)
    print(json.dumps(metrics))
    return 0


if __name__ == "__main__":
    sys.exit(main())
