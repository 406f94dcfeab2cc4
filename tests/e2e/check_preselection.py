#!/usr/bin/env python3
"""Segment pre-selection: a pass reads only the photon rows near its cells, same values.

usage: check_preselection.py --np N

On two `healgrid synth --product atl03` granules, gridded with config/atl03.yaml (child order
12), whose linked level declares the segments' reference_photon_lat/lon:
1. one pass (--metrics-json): nothing is restricted, every row is read once;
2. in passes (--memory-per-rank a third of the points' bytes per rank, --scratch none so that
   each pass indexes the granules again): each pass's cells cover
   only part of every beam, so each pass reads fewer rows than the beams hold (its log line and
   the metrics' index_rows_read < index_rows_in_beams), no beam falls back, the bytes equal the
   single pass's, every cell equals numpy + healpy (the segment broadcast done here) and each
   rank's peak RSS is at most its budget + OVERHEAD_MB; with the default scratch the passes
   read the binned points back instead (no pass indexes again) and the bytes are the same;
3. the same passes with a config without the segment positions read every row in every pass
   and give the same values in every variable;
4. granules whose segment positions lag three segments behind their photons (so the padding
   does not bound them where a track enters a pass's cells): the guard segments catch it, the
   beams are read whole (metrics preselection_fallbacks > 0) and the values are still the same;
5. `run --catalog` with a catalog planning the parent cells of half the photons: the first
   index pass reads fewer rows than the beams hold, every cell equals numpy + healpy on the
   photons of the planned cells, and a run without positions gives the same values.
"""

import glob
import json
import os
import re
import shlex
import shutil
import subprocess

import common  # isort: skip
from common import Checks  # isort: skip

import h5py  # noqa: E402
import netCDF4  # noqa: E402
import numpy as np  # noqa: E402
from check_photons import atl03_points  # noqa: E402
from check_products import config_file, variant, write_yaml  # noqa: E402
from check_synth_atl03 import RATE, run_synth  # noqa: E402
from healgrid_reference import cell_index, grid_points, load_config  # noqa: E402

BEAMS = ("gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r")
PARENT_ORDER = 6  # config/atl03.yaml's
# plan/pass_plan.hpp point_bytes: the binned point (4.5) for the whole pass, the aggregator's copy
# (4 + 3 variables x 12 + 4) for one of the eight rounds a tight budget cuts a pass into.
BYTES_PER_POINT = 4.5 + 44 / 8
# Peak RSS of a rank in passes <= its budget + this (check_memory_passes.py: process, MPI,
# HDF5, the read buffers of one 2^20-row block of seven photon columns: coordinates, two
# filters, h_ph, the broadcast geoid, h_geoid; check_memory_passes has 80 MB for ATL06's five).
OVERHEAD_MB = 128
POSITIONS = ("    latitude: /{group}/geolocation/reference_photon_lat\n"
             "    longitude: /{group}/geolocation/reference_photon_lon\n")


def run(checks, label, cfg, inputs, nprocs, cwd, extra=()):
    """Runs healgrid in `cwd` (out.nc, metrics.json; paths relative to it, so that the
    history attribute of two runs with the same arguments is the same); returns (log, metrics)
    or None."""
    os.makedirs(cwd)
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    cmd = mpiexec + ["-np", str(nprocs), "--oversubscribe", common.healgrid_bin(), "run",
                     "--config", os.path.relpath(cfg, cwd), "--output", "out.nc",
                     "--metrics-json", "metrics.json"] + list(extra)
    if inputs:
        cmd += ["--input", os.path.relpath(inputs, cwd)]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600,
                          check=False)
    log = f"$ {shlex.join(cmd)}\n{proc.stdout}{proc.stderr}"
    if not checks.check(proc.returncode == 0, f"{label}: exit {proc.returncode}\n{log}"):
        return None
    with open(os.path.join(cwd, "metrics.json"), encoding="utf-8") as f:
        return log, json.load(f)


def variables(path):
    """Every variable of every group: {group/name: values}."""
    out = {}

    def walk(group, prefix):
        for name, var in group.variables.items():
            var.set_auto_mask(False)
            out[prefix + name] = var[...]
        for name, sub in group.groups.items():
            walk(sub, prefix + name + "/")
    with netCDF4.Dataset(path) as ds:
        walk(ds, "")
    return out


def same_values(checks, label, path, expected, skip=()):
    """Every variable but those of `skip` equals `expected`'s."""
    have = {k: v for k, v in variables(path).items() if k not in skip}
    expected = {k: v for k, v in expected.items() if k not in skip}
    checks.check(sorted(have) == sorted(expected), f"{label}: variables {sorted(have)}")
    for name, values in expected.items():
        if name in have:
            floats = np.asarray(values).dtype.kind == "f"
            checks.check(np.array_equal(have[name], values, equal_nan=floats),
                         f"{label}: {name} differs from the single pass without pre-selection")


def pass_lines(log):
    """(rows read, rows in beams) of each pass's index."""
    return [(int(a), int(b)) for a, b in re.findall(r"indexed again \((\d+) of (\d+) rows read\)",
                                                     log)]


def lag_positions(src, dst, segments=3):
    """Copies of the granules whose reference photon positions lag behind their photons."""
    os.makedirs(dst)
    for path in src:
        copy = shutil.copy(path, dst)
        with h5py.File(copy, "r+") as h5:
            for beam in BEAMS:
                for name in ("reference_photon_lat", "reference_photon_lon"):
                    d = h5[f"{beam}/geolocation/{name}"]
                    d[...] = np.roll(d[()], segments)


def main():
    nprocs = common.ranks_from_args(__doc__)
    checks = Checks(f"check_preselection --np {nprocs}")
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    with common.temp_dir() as tmp:
        granules = os.path.join(tmp, "granules")
        rc, output = run_synth(["--product", "atl03", "--granules", "2", "--photons-per-shot",
                                str(RATE), "--output-dir", granules], min(nprocs, 2))
        if not checks.check(rc == 0, f"synth exit {rc}\n{output}"):
            checks.finish()
        paths = sorted(glob.glob(os.path.join(granules, "ATL03_*.h5")))
        cfg = variant(config_file("atl03.yaml"), tmp, "atl03_12.yaml", "child_order: 14",
                      "child_order: 12")
        with open(cfg, encoding="utf-8") as f:
            text = f.read()
        checks.check(POSITIONS in text, "config/atl03.yaml declares no segment positions")
        no_positions = write_yaml(tmp, "atl03_no_positions.yaml", text.replace(POSITIONS, ""))

        # 1. One pass: the whole grid is wanted, every row read once.
        got = run(checks, "single pass", cfg, granules, nprocs, os.path.join(tmp, "single"))
        if got is None:
            checks.finish()
        log, single = got
        checks.check(single["index_rows_read"] == single["index_rows_in_beams"] > 0,
                     f"single pass: index read {single['index_rows_read']} of "
                     f"{single['index_rows_in_beams']} rows")
        planned = int(re.search(r"(\d+) points pass filters", log).group(1))
        expected = variables(os.path.join(tmp, "single", "out.nc"))
        scratch = os.path.join(tmp, "scratch")  # a directory of its own, whatever $TMPDIR is
        os.makedirs(scratch)
        spilled = ["--memory-per-rank", str(int(planned * BYTES_PER_POINT) // nprocs // 3),
                   "--scratch", scratch]
        budget = spilled[:2] + ["--scratch", "none"]

        # 2. In passes, with the segment pre-selection.
        got = run(checks, "passes", cfg, granules, nprocs, os.path.join(tmp, "passes"), budget)
        if got is None:
            checks.finish()
        log, metrics = got
        lines = pass_lines(log)
        checks.check(len(lines) >= 2, f"passes: expected >= 2 passes:\n{log}")
        for read, rows in lines:
            checks.check(0 < read < rows, f"passes: a pass read {read} of {rows} rows")
        checks.check(metrics["index_rows_read"] < metrics["index_rows_in_beams"],
                     f"passes: metrics {metrics}")
        checks.check(metrics["preselection_fallbacks"] == 0, f"passes: metrics {metrics}")
        for r, rss in enumerate(metrics["peak_rss_bytes"]):
            checks.check(rss <= int(budget[1]) + OVERHEAD_MB * 1e6,
                         f"passes: rank {r}'s peak RSS {rss / 1e6:.0f} MB > budget "
                         f"{int(budget[1]) / 1e6:.0f} MB + {OVERHEAD_MB} MB")
        with open(os.path.join(tmp, "single", "out.nc"), "rb") as a, \
                open(os.path.join(tmp, "passes", "out.nc"), "rb") as b:
            checks.check(a.read() == b.read(), "passes: bytes differ from the single pass's")
        lat, lon, values = atl03_points(paths, 3)
        conf = load_config(cfg)
        ref = grid_points(conf, lat, lon, values)
        ds = common.open_output(os.path.join(tmp, "passes", "out.nc"))
        common.compare_to_reference(checks, ds, ref, conf, "passes")
        checks.check(int(ds.attrs["points_used"]) == ref["points_used"] > 0,
                     f"passes: points_used {ds.attrs['points_used']} != {ref['points_used']}")
        print(f"np{nprocs}: {len(lines)} passes read {[r for r, _ in lines]} of "
              f"{lines[0][1] if lines else 0} rows each; index rows {metrics['index_rows_read']}"
              f" of {metrics['index_rows_in_beams']} (first index included)")

        # The same passes reading the spilled points back: no pass indexes again, same bytes.
        got = run(checks, "spilled passes", cfg, granules, nprocs, os.path.join(tmp, "spilled"),
                  spilled)
        if got is not None:
            checks.check(not pass_lines(got[0]) and re.search(
                r"\[memory\] pass: \d+ parent ranges read back from scratch", got[0]),
                f"spilled passes: a pass indexed again:\n{got[0]}")
            with open(os.path.join(tmp, "single", "out.nc"), "rb") as a, \
                    open(os.path.join(tmp, "spilled", "out.nc"), "rb") as b:
                checks.check(a.read() == b.read(), "spilled passes: bytes differ from one pass's")
            for r, rss in enumerate(got[1]["peak_rss_bytes"]):
                checks.check(rss <= int(budget[1]) + OVERHEAD_MB * 1e6,
                             f"spilled passes: rank {r}'s peak RSS {rss / 1e6:.0f} MB > budget")

        # 3. The same passes without positions: whole beams, same values.
        got = run(checks, "passes without positions", no_positions, granules, nprocs,
                  os.path.join(tmp, "whole"), budget)
        if got is not None:
            for read, rows in pass_lines(got[0]):
                checks.check(read == rows, f"without positions: a pass read {read} of {rows}")
            same_values(checks, "without positions", os.path.join(tmp, "whole", "out.nc"),
                        expected)

        # 4. Positions that do not bound the photons: the guards read the beams whole.
        lagging = os.path.join(tmp, "lagging")
        lag_positions(paths, lagging)
        got = run(checks, "lagging positions", cfg, lagging, nprocs,
                  os.path.join(tmp, "lagged"), budget)
        if got is not None:
            checks.check(got[1]["preselection_fallbacks"] > 0,
                         f"lagging positions: no fallback: {got[1]}")
            same_values(checks, "lagging positions", os.path.join(tmp, "lagged", "out.nc"),
                        expected, skip=("granule_bytes",))  # the edited copies' sizes
            print(f"np{nprocs}: lagging positions: {got[1]['preselection_fallbacks']} beams "
                  f"read whole after their guard")
        check_catalog(checks, tmp, paths, cfg, no_positions, nprocs)
    checks.finish()


def write_catalog(tmp, paths, planned):
    """A frozen catalog of the local granules (no footprints) planning only `planned`."""
    catalog = {"healgrid_catalog": 1, "source": "cmr", "endpoint": "http://127.0.0.1/none",
               "queried_at": "2026-01-01T00:00:00Z", "query": {},
               "grid": {"parent_order": PARENT_ORDER, "latitude": "authalic"},
               "cells": [int(c) for c in planned],
               "granules": [{"id": os.path.basename(p), "name": os.path.basename(p),
                             "path": os.path.abspath(p), "footprint": None, "cells": None}
                            for p in paths]}
    path = os.path.join(tmp, "catalog.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(catalog, f)
    return path


def check_catalog(checks, tmp, paths, cfg, no_positions, nprocs):
    """5. A catalog planning the parent cells of the northern half of the photons: the first
    index pass itself reads only the rows near them, same values as without positions and as
    numpy + healpy on the photons of those cells."""
    lat, lon, values = atl03_points(paths, 3)
    parents = cell_index(lat, lon, PARENT_ORDER, "authalic")
    planned = np.unique(parents[lat > np.median(lat)])
    catalog = write_catalog(tmp, paths, planned)
    got = run(checks, "catalog", cfg, None, nprocs, os.path.join(tmp, "catalog"),
              ["--catalog", catalog])
    if got is None:
        return
    m = got[1]
    checks.check(0 < m["index_rows_read"] < m["index_rows_in_beams"] and
                 m["preselection_fallbacks"] == 0, f"catalog: metrics {m}")
    print(f"np{nprocs}: catalog of {planned.size} parent cells: index read "
          f"{m['index_rows_read']} of {m['index_rows_in_beams']} rows")
    keep = np.isin(parents, planned)
    conf = load_config(cfg)
    ref = grid_points(conf, lat[keep], lon[keep], {k: v[keep] for k, v in values.items()})
    ds = common.open_output(os.path.join(tmp, "catalog", "out.nc"))
    common.compare_to_reference(checks, ds, ref, conf, "catalog")
    got = run(checks, "catalog without positions", no_positions, None, nprocs,
              os.path.join(tmp, "catalog_whole"), ["--catalog", catalog])
    if got is not None:
        checks.check(got[1]["index_rows_read"] == got[1]["index_rows_in_beams"],
                     f"catalog without positions: {got[1]}")
        same_values(checks, "catalog without positions",
                    os.path.join(tmp, "catalog_whole", "out.nc"),
                    variables(os.path.join(tmp, "catalog", "out.nc")))


if __name__ == "__main__":
    main()
