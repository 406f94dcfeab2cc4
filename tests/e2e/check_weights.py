#!/usr/bin/env python3
"""`weight:` on weighted statistics: sum(w x) / sum(w) and 1 / sqrt(sum(w)) against numpy.

usage: check_weights.py --np N

A flat HDF5 file written here (h5py) holds heights h, their sigma s (some 0) and a count n
(some 0 and -1). The config grids a weighted mean with the inline expression `1/s^2` as weight,
a weighted mean and its sigma with the variable n as weight, and a plain mean and count. A point
whose weight is not > 0 and finite (s == 0 gives an infinite 1/s^2; n <= 0) has no data: it is
dropped from every statistic, as a fill is. Every statistic of every cell, and of the overview
level at order 6 (weighted sums merged across parent cells), equals numpy + healpy
(tests/reference) on the points that rule keeps. Then the bad `weight:` configs each exit 2
with a message naming the key.
"""

import os

import common  # isort: skip
from common import Checks  # isort: skip

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import netCDF4  # noqa: E402
from check_overviews import check_level  # noqa: E402
from check_products import run_case, write_yaml  # noqa: E402
from healgrid_reference import cell_index, grid_cells, load_config  # noqa: E402

OVERVIEW = 6  # an overview order: the weighted sums merged across parent cells

CONFIG = """\
product: weights
variables:
  h: /h
  s: /s
  n: /n
  e: /e
coordinates: {latitude: /lat, longitude: /lon}
grid: {parent_order: 4, child_order: 8}
statistics:
  - {name: count, function: count, variable: h}
  - {name: h_mean, function: mean, variable: h}
  - {name: h_wmean_inv, function: weighted_mean, variable: h, weight: "1/s^2"}
  - {name: h_wmean_n, function: weighted_mean, variable: h, weight: n}
  - {name: h_wsigma_n, function: weighted_mean_sigma, variable: h, weight: n}
  - {name: h_wsigma_e, function: weighted_mean_sigma, variable: h, sigma: e}
"""

BAD = [
    ("sigma and weight", "{name: w, function: weighted_mean, variable: h, sigma: s, weight: n}",
     "statistics[1].weight: give sigma or weight, not both"),
    ("neither", "{name: w, function: weighted_mean, variable: h}",
     "statistics[1].sigma: required for function weighted_mean (or weight"),
    ("weight on a mean", "{name: w, function: mean, variable: h, weight: n}",
     "statistics[1].weight: only weighted_mean and weighted_mean_sigma take a weight"),
    ("unknown name in the weight", "{name: w, function: weighted_mean, variable: h, "
     "weight: \"1/zz^2\"}", "statistics[1].weight: neither a variable nor an expression"),
]


def make_file(path, rng, n=20000):
    lat = rng.uniform(-75.0, -70.0, n)
    lon = rng.uniform(-60.0, -50.0, n)
    h = rng.normal(1000.0, 50.0, n)
    s = rng.uniform(0.05, 2.0, n)
    s[::97] = 0.0                          # 1/s^2 infinite: no data
    s[5::89] *= -1                         # 1/s^2 still > 0: used
    count = rng.integers(1, 6, n).astype(np.int16)
    count[::53] = 0                        # weight 0: no data
    count[7::61] = -1                      # negative weight: no data
    e = rng.uniform(1.0, 30.0, n)          # a sigma in other units than h's
    with h5py.File(path, "w") as h5:
        for name, data in (("lat", lat), ("lon", lon), ("h", h), ("s", s), ("n", count),
                           ("e", e)):
            h5.create_dataset(name, data=data)
        h5["h"].attrs["units"] = np.bytes_("m")
        h5["e"].attrs["units"] = np.bytes_("cm")
    with np.errstate(divide="ignore"):
        inv = 1.0 / s ** 2
    ok = np.isfinite(inv) & (inv > 0) & (count > 0)
    values = {"h": h[ok], "s": s[ok], "n": count[ok].astype(np.float64), "1/s^2": inv[ok],
              "e": e[ok]}
    return lat[ok], lon[ok], values, int(n - ok.sum())


def main():
    nprocs = common.ranks_from_args(__doc__)
    checks = Checks(f"check_weights --np {nprocs}")
    with common.temp_dir() as tmp:
        path = os.path.join(tmp, "weights.h5")
        lat, lon, values, dropped = make_file(path, np.random.default_rng(14))
        checks.check(dropped > 500, f"only {dropped} points without a usable weight")
        cfg = write_yaml(tmp, "weights.yaml", CONFIG)
        run_case(checks, "weights", cfg, [path], nprocs, tmp, (lat, lon, values),
                 extra=["--overviews", str(OVERVIEW)])
        conf = load_config(cfg)
        ref = grid_cells(conf, cell_index(lat, lon, OVERVIEW, "authalic"), values,
                         conf["grid"]["parent_order"], OVERVIEW, {}, layout="sparse")
        with netCDF4.Dataset(os.path.join(tmp, "weights.nc")) as nc:
            check_level(checks, "weights", nc, OVERVIEW, ref, conf)
            # 1/sqrt(sum n) is not in metres: no units; the weighted mean is; 1/sqrt(sum 1/e^2)
            # is in e's units, not h's.
            units = {v: getattr(nc[v], "units", None)
                     for v in ("h_wmean_n", "h_wsigma_n", "h_wsigma_e")}
            checks.check(units == {"h_wmean_n": "m", "h_wsigma_n": None, "h_wsigma_e": "cm"},
                         f"units of the weighted statistics: {units}")
        for label, statistic, needle in BAD:
            bad = write_yaml(tmp, "bad.yaml", CONFIG.split("statistics:")[0] + "statistics:\n"
                             "  - {name: count, function: count, variable: h}\n  - " +
                             statistic + "\n")
            rc, output = common.run_healgrid(["--config", bad, "--input", path, "--output",
                                              os.path.join(tmp, "bad.nc")], nprocs)
            checks.check(rc == 2 and needle in output,
                         f"{label}: exit {rc} (expected 2), message without {needle!r}:\n"
                         f"{output}")
            checks.check(not os.path.exists(os.path.join(tmp, "bad.nc")), f"{label}: output")
    checks.finish()


if __name__ == "__main__":
    main()
