#!/usr/bin/env python3
"""Every point-validity rule and every statistic function, end to end, against numpy + healpy.

Granules from validity_granules.py (h5py): valid points beyond 89 N and 89 S, a 300-point cell of
float64 values, ordinary clustered cells, and planted rows that each break one rule (filters,
_FillValue of h_li and of the sigma variable, sigma <= 0, NaN, coordinates out of range or equal
to their _FillValue). healgrid runs them with 2 and 3 ranks; checks:
  - points used = the valid rows written (known by construction) = the reference's count, and
    granule_points_used per granule;
  - cell_ids and every statistic of every cell against tests/reference (count, min, max, sum,
    mean, weighted_mean, weighted_mean_sigma, variance, std, quantiles), the float64 variable's
    statistics to float32 precision with 1e-9 of absolute slack (its cells' sums and medians
    are ~1e-5 from values of ~±1000: float32 arithmetic anywhere gets them wrong);
  - the polar points: each in the cell of its authalic latitude (healpy), and the test is
    meaningful (hundreds of them would be in another cell binned by geodetic latitude);
  - the dense cell: count 300 and its median against numpy;
  - 2 and 3 ranks give the same values.
"""

import json
import os
import shutil

import h5py
import numpy as np

import common  # isort: skip
from common import Checks  # isort: skip

import validity_granules as vg  # noqa: E402
from healgrid_reference import cell_index, reference_grid  # noqa: E402


# Absolute slack of the float64 variable's statistics: double rounding of sums of ~300 values of
# ~±1000 in another order (numpy sums pairwise) stays below 1e-10; the values' parts below
# float32 resolution are 2e-6..3e-5 each, so float32 arithmetic anywhere is off by far more.
D_ATOL = 1e-9


def strict_compare(checks, label, cell_ids, out, ref):
    """NaN positions equal; values equal to float32 output precision plus D_ATOL."""
    out = np.asarray(out, dtype=np.float64)
    nan_out, nan_ref = np.isnan(out), np.isnan(ref)
    bad = np.flatnonzero(nan_out != nan_ref)
    checks.check(bad.size == 0, f"{label}: NaN positions differ at {bad.size} cells "
                 f"(first {cell_ids[bad[:5]].tolist()})")
    both = ~nan_out & ~nan_ref
    ok = np.isclose(out[both], ref[both], rtol=1.2e-7, atol=D_ATOL)
    bad = np.flatnonzero(both)[~ok]
    checks.check(bad.size == 0, f"{label}: {bad.size} of {both.sum()} cells differ: " + "; ".join(
        f"cell {cell_ids[i]}: expected {ref[i]!r}, got {out[i]!r}" for i in bad[:5]))


def check_run(checks, ds, ref, cfg, planted, paths, label):
    h_cfg = dict(cfg, statistics=[s for s in cfg["statistics"] if s["variable"] != "d"])
    if ds.attrs.get(common.schema.LAYOUT) == common.schema.SPARSE:
        ref = common.with_data_only(ref, cfg)  # the cells a sparse file lists
    common.compare_to_reference(checks, ds, ref, h_cfg, label)
    ids = np.asarray(ds["cell_ids"].values)
    if ids.shape == ref["cell_ids"].shape and np.array_equal(ids, ref["cell_ids"]):
        for stat in cfg["statistics"]:
            if stat["variable"] == "d":
                strict_compare(checks, f"{label} {stat['name']}", ids,
                               ds[stat["name"]].values, ref[stat["name"]])
    used = int(ds.attrs.get("points_used", -1))
    checks.check(used == planted.valid == ref["points_used"],
                 f"{label}: points_used {used}, valid rows written {planted.valid}, "
                 f"reference {ref['points_used']}")
    common.check_provenance(checks, ds, label, paths, ref)

    # Polar points: every one counted in the cell healpy gives its authalic latitude.
    polar_cells = cell_index(planted.polar_lat, planted.polar_lon, 12, "authalic")
    where = np.searchsorted(ids, polar_cells)
    inside = (where < ids.size) & (ids[np.minimum(where, ids.size - 1)] == polar_cells)
    counts = np.nan_to_num(np.asarray(ds["count"].values, dtype=np.float64))
    checks.check(inside.all() and (counts[where[inside]] > 0).all(),
                 f"{label}: {(~inside).sum()} polar points' cells missing from cell_ids")
    # The dense cell: 300 points, its float64 median from numpy.
    k = np.searchsorted(ids, planted.dense_cell)
    r = np.searchsorted(ref["cell_ids"], planted.dense_cell)
    if checks.check(k < ids.size and ids[k] == planted.dense_cell, f"{label}: dense cell missing"):
        checks.check(counts[k] == 300, f"{label}: dense cell count {counts[k]}, expected 300")
        got, want = float(ds["d_q50"].values[k]), ref["d_q50"][r]
        checks.check(5e-6 < abs(want) < 2e-5 and np.isclose(got, want, rtol=1.2e-7, atol=D_ATOL),
                     f"{label}: dense cell float64 median {got!r}, numpy {want!r}")


def main():
    checks = Checks("check_point_validity")
    with common.temp_dir("healgrid-validity-") as tmp:
        paths, planted = vg.make_granules(os.path.join(tmp, "granules"))
        config = vg.write_config(os.path.join(tmp, "validity.yaml"))
        cfg = common.load_config(config)
        ref = reference_grid(config, paths)
        print(f"written: {planted.valid} valid rows, planted invalid rows {planted.invalid}")

        # The test data is meaningful: every rule has rows that only it drops, the polar
        # points straddle cells of the two latitude conventions, and the reference drops
        # exactly the planted rows.
        checks.check(all(v > 0 for v in planted.invalid.values()),
                     f"a kind of invalid row was not planted: {planted.invalid}")
        checks.check(ref["points_used"] == planted.valid,
                     f"reference uses {ref['points_used']} points, {planted.valid} valid written")
        geodetic = cell_index(planted.polar_lat, planted.polar_lon, 12, "geodetic")
        authalic = cell_index(planted.polar_lat, planted.polar_lon, 12, "authalic")
        moved = int((geodetic != authalic).sum())
        checks.check(moved > 150, f"only {moved} polar points change cell with the convention")
        print(f"{planted.polar_lat.size} points beyond 89 degrees, {moved} in another cell if "
              "binned by geodetic latitude")

        outputs = {}
        for nprocs in (2, 3):
            out = os.path.join(tmp, f"np{nprocs}.nc")
            if common.run_healgrid_ok(["--config", config, "--output", out,
                                       "--metrics-json", out + ".json"] +
                                      [a for p in paths for a in ("--input", p)],
                                      nprocs, checks, f"{nprocs} ranks"):
                outputs[nprocs] = common.open_output(out)
                # The rows dropped for their position are counted apart from the filters'.
                with open(out + ".json", encoding="utf-8") as stream:
                    unpositioned = json.load(stream)["rows_without_position"]
                want = sum(n for kind, n in planted.invalid.items()
                           if kind.startswith(("lat_", "lon_")))
                checks.check(unpositioned == want, f"{nprocs} ranks: rows_without_position "
                             f"{unpositioned}, planted {want}")
                check_run(checks, outputs[nprocs], ref, cfg, planted, paths, f"{nprocs} ranks")
        # Every value of the variables missing (NaN): the points pass the filters, no cell has
        # data; the run completes (an empty output) and says so.
        allnan = os.path.join(tmp, "allnan.h5")
        shutil.copy(paths[0], allnan)
        with h5py.File(allnan, "r+") as h5:
            for group in ("gt1l", "gt2r"):
                for name in ("h_li", "h_li_sigma", "d_f64"):
                    path = f"{group}/land_ice_segments/{name}"
                    if path in h5:
                        h5[path][...] = np.nan
        rc, output = common.run_healgrid(["--config", config, "--input", allnan, "--output",
                                          os.path.join(tmp, "allnan.nc")], 1)
        checks.check(rc == 0 and "warning: no cell has data in" in output,
                     f"every value missing: exit {rc}, no warning\n{output}")
        if len(outputs) == 2:
            for stat in cfg["statistics"]:
                a, b = outputs[2][stat["name"]].values, outputs[3][stat["name"]].values
                checks.check(np.array_equal(a, b, equal_nan=True),
                             f"{stat['name']}: 2 and 3 ranks differ")
    checks.finish()


if __name__ == "__main__":
    main()
