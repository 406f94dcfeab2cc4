#!/usr/bin/env python3
"""The output's documented metadata, and the command-line overrides, asserted end to end.

Granules from validity_granules.py, a granule holding none of the beam groups (read, empty), a
truncated copy (unreadable) and a file that is not HDF5; `--on-bad-granule skip`, 2 ranks.
Run A: `--parent-order 5 --child-order 11 --deflate-level 7 --metrics-json M.json`; run B:
`--latitude geodetic --deflate-level 0`.
Checks, each against an independent source (h5py, numpy + healpy reference, the files):
  - granules_skipped: one line per bad input, "NAME: skipped: <reason>", none for good ones;
    granule_status / granule_points_used of every row; granule_count every input and
    granules_used the granules read (README: the `used` and `empty` rows, not the skipped);
  - healgrid_overrides lists exactly the overrides given, in the documented key=value form, and
    parent_order / child_order / latitude_convention / output cells follow them;
  - every statistic's cell_methods is CF's method for its function ("cell_ids: maximum", none
    for count), its healgrid_statistic the function, units from the source dataset
    (^2 for variance), _FillValue NaN (count: 0);
  - every data variable's chunks are deflated at the requested level (h5py compression_opts)
    with shuffle; level 0: no compression;
  - --metrics-json: ranks, granules, points used, cells with data and parent cells equal to the
    reference's, output_bytes the file's size, non-negative phase seconds, one peak RSS per rank;
    each rank's own work (rank_busy_seconds) above 0 and within its phase's time, and the
    console's line of it (least-most, slowest rank) the same figures;
  - the values of both runs against the reference at the overridden orders / convention.
"""

import json
import os
import re
import shutil
import subprocess

import h5py
import numpy as np

import common  # isort: skip
from common import Checks  # isort: skip

import validity_granules as vg  # noqa: E402
from healgrid_reference import reference_grid  # noqa: E402


def bad_inputs(folder, good):
    """A truncated copy of a good granule and a text file named like a granule."""
    truncated = os.path.join(folder, "VALID_20200104000000_00040101_006_01.h5")
    with open(good, "rb") as src, open(truncated, "wb") as dst:
        dst.write(src.read(os.path.getsize(good) // 3))
    not_hdf5 = os.path.join(folder, "VALID_20200105000000_00050101_006_01.h5")
    with open(not_hdf5, "w", encoding="ascii") as dst:
        dst.write("not an HDF5 file\n")
    return [truncated, not_hdf5]


def empty_input(folder):
    """An HDF5 file named like a granule holding none of the config's beam groups: read, empty."""
    path = os.path.join(folder, "VALID_20200106000000_00060101_006_01.h5")
    with h5py.File(path, "w") as f:
        f["ancillary_data/start_delta_time"] = np.array([0.0])
    return path


def check_granule_counts(checks, ds, read, skipped, label):
    """granule_count: every input; granules_used: the granules read (used or empty)."""
    for key, want in (("granule_count", read + skipped), ("granules_used", read)):
        got = ds.attrs.get(key)
        checks.check(got is not None and int(got) == want, f"{label}: {key} {got}, expected {want}")


# CF-1.13 Appendix E's method for each statistic function; None: CF has none (no cell_methods).
CF_METHODS = {"min": "minimum", "max": "maximum", "sum": "sum", "mean": "mean",
              "variance": "variance", "std": "standard_deviation", "count": None,
              "weighted_mean_sigma": None}


def cf_cell_methods(stat):
    """The cell_methods a statistic of the config must carry (None: the attribute is absent)."""
    func = stat["function"]
    if func == "quantile":
        return "cell_ids: median" if float(stat["q"]) == 0.5 else None
    if func == "weighted_mean":
        weight = stat.get("weight") or f"1/{stat['sigma']}^2"
        if any(c in weight for c in "():"):  # CF's comment cannot hold them
            weight = "healgrid_weight"
        return f"cell_ids: mean (comment: weighted by {weight})"
    method = CF_METHODS[func]
    return None if method is None else f"cell_ids: {method}"


def text_attr(d, name):
    """A string attribute of `d`, or None when absent."""
    value = d.attrs.get(name)
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def check_attributes(checks, path, cfg, label, deflate_level):
    """cell_methods, units, fill values and compression of every statistic, read with h5py."""
    with h5py.File(path, "r") as f:
        for stat in cfg["statistics"]:
            name, func = stat["name"], stat["function"]
            if not checks.check(name in f, f"{label}: variable {name} missing"):
                continue
            d = f[name]
            methods = text_attr(d, "cell_methods")
            want_methods = cf_cell_methods(stat)
            checks.check(methods == want_methods,
                         f"{label}: {name} cell_methods {methods!r}, expected {want_methods!r}")
            statistic = text_attr(d, "healgrid_statistic")
            checks.check(statistic == func,
                         f"{label}: {name} healgrid_statistic {statistic!r}, expected {func!r}")
            fill = np.asarray(d.attrs.get("_FillValue", [])).ravel()
            if func == "count":
                checks.check(d.dtype == np.int32 and fill.size == 1 and fill[0] == 0,
                             f"{label}: {name} dtype {d.dtype}, _FillValue {fill}")
            else:
                checks.check(d.dtype == np.float32 and fill.size == 1 and np.isnan(fill[0]),
                             f"{label}: {name} dtype {d.dtype}, _FillValue {fill}")
                units = d.attrs.get("units", b"")
                units = units.decode() if isinstance(units, bytes) else str(units)
                base = "meters" if stat["variable"] in ("h", "s") else "m"
                want = base + "^2" if func == "variance" else base
                checks.check(units == want, f"{label}: {name} units {units!r}, expected {want!r}")
            if deflate_level == 0:
                checks.check(d.compression is None,
                             f"{label}: {name} compressed ({d.compression}) at --deflate-level 0")
            else:
                checks.check(d.compression == "gzip" and d.compression_opts == deflate_level
                             and d.shuffle, f"{label}: {name} compression {d.compression} "
                             f"level {d.compression_opts} shuffle {d.shuffle}, expected gzip "
                             f"{deflate_level} with shuffle")
            # The chunks decode (through HDF5's own zlib filter in h5py) to the stored values.
            checks.check(d[()].shape == f["cell_ids"].shape, f"{label}: {name} shape")


def check_overrides(checks, ds, want, label):
    """healgrid_overrides: exactly the given `key=value` overrides, space-separated."""
    overrides = str(ds.attrs.get("healgrid_overrides", ""))
    checks.check(sorted(overrides.split()) == sorted(want),
                 f"{label}: healgrid_overrides {overrides!r}, expected {sorted(want)}")


def check_commit(checks, ds, label):
    """healgrid_commit: the commit `healgrid --version` names (the build's source)."""
    proc = subprocess.run([common.healgrid_bin(), "--version"], stdout=subprocess.PIPE,
                          text=True, check=False)
    match = re.search(r"\(commit ([A-Za-z0-9._+-]+)\)", proc.stdout)
    commit = str(ds.attrs.get("healgrid_commit", ""))
    checks.check(match is not None and commit == match.group(1) and commit != "",
                 f"{label}: healgrid_commit {commit!r}, --version says {proc.stdout.strip()!r}")


def check_skipped(checks, ds, bad, label):
    text = str(ds.attrs.get("granules_skipped", ""))
    lines = [line for line in text.splitlines() if line.strip()]
    checks.check(len(lines) == len(bad),
                 f"{label}: granules_skipped has {len(lines)} lines, expected {len(bad)}: {text!r}")
    for path in bad:
        name = os.path.basename(path)
        line = next((ln for ln in lines if os.path.basename(ln.split(": ")[0]) == name), None)
        checks.check(line is not None and line.split(": ", 1)[1].startswith("skipped: ")
                     and len(line.split("skipped: ", 1)[1].strip()) > 0,
                     f"{label}: granules_skipped does not give {name} with a reason: {text!r}")


def check_metrics(checks, path, ref, ds, output, console, label):
    if not checks.check(os.path.isfile(path), f"{label}: --metrics-json file {path} missing"):
        return
    with open(path, encoding="utf-8") as stream:
        m = json.load(stream)
    data_cells = int((ref["count"] > 0).sum())
    expected = {"ranks": 2, "granules": 6, "points_used": ref["points_used"],
                "cells_with_data": data_cells,
                "parent_cells": int(ds.attrs.get("parent_cells", -1)),
                "output_bytes": os.path.getsize(output)}
    for key, want in expected.items():
        checks.check(m.get(key) == want, f"{label}: metrics {key} = {m.get(key)!r}, expected {want}")
    seconds = m.get("seconds", {})
    phases = ("resolve", "index", "plan", "read_bin", "reduce", "write", "total")
    checks.check(all(isinstance(seconds.get(p), (int, float)) and seconds[p] >= 0 for p in phases),
                 f"{label}: metrics seconds {seconds}")
    checks.check(seconds.get("total", 0) + 1e-3 >= max(seconds.get(p, 0) for p in phases[:-1]),
                 f"{label}: total seconds below a phase's: {seconds}")
    rss = m.get("peak_rss_bytes", [])
    checks.check(len(rss) == 2 and all(r > 10 * 2**20 for r in rss),
                 f"{label}: peak_rss_bytes {rss}")
    checks.check(m.get("rows_read", 0) >= ref["points_used"],
                 f"{label}: rows_read {m.get('rows_read')} below the points used")
    check_busy(checks, m, console, label)


def check_busy(checks, m, console, label):
    """Each rank's own work (common.check_rank_busy, read + aggregate within its phase's time
    too, none for passes in a run of one pass); the console's spread the same figures."""
    common.check_rank_busy(checks, m, 2, False, label, bound_read_aggregate=True)
    busy = m.get("rank_busy_seconds", {})
    line = next((text for text in console.splitlines() if "ranks' own work:" in text), "")
    found = re.findall(r"(\d+\.\d\d)-(\d+\.\d\d) s \(rank (\d+) slowest\)", line)
    if not checks.check(len(found) == 2 and "passes" not in line,
                        f"{label}: no line of the ranks' own work: {console!r}"):
        return
    for (low, high, rank), phase in zip(found, ("index", "read_aggregate")):
        values = busy.get(phase, [0, 0])
        want = (f"{min(values):.2f}", f"{max(values):.2f}", str(values.index(max(values))))
        checks.check((low, high, rank) == want,
                     f"{label}: console {phase} {low}-{high} s rank {rank}, metrics {values}")


def main():
    checks = Checks("check_output_metadata")
    with common.temp_dir("healgrid-metadata-") as tmp:
        paths, _ = vg.make_granules(os.path.join(tmp, "granules"))
        bad = bad_inputs(os.path.join(tmp, "granules"), paths[0])
        paths.append(empty_input(os.path.join(tmp, "granules")))
        config = vg.write_config(os.path.join(tmp, "validity.yaml"))
        cfg = common.load_config(config)
        inputs = [a for p in paths + bad for a in ("--input", p)]

        # Run A: grid orders and deflate level overridden, metrics written.
        out, metrics = os.path.join(tmp, "a.nc"), os.path.join(tmp, "metrics.json")
        args = ["--config", config, "--output", out, "--on-bad-granule", "skip",
                "--parent-order", "5", "--child-order", "11", "--deflate-level", "7",
                "--metrics-json", metrics] + inputs
        rc, console = common.run_healgrid(args, 2)
        if checks.check(rc == 0, f"run A: healgrid exited {rc}\n{console}"):
            ref = reference_grid(config, paths, parent_order=5, child_order=11)
            ds = common.open_output(out)
            common.compare_to_reference(checks, ds, ref, cfg, "run A")
            common.check_provenance(checks, ds, "run A", paths, ref, skipped_paths=bad)
            check_skipped(checks, ds, bad, "run A")
            check_granule_counts(checks, ds, len(paths), len(bad), "run A")
            check_overrides(checks, ds, {"grid.parent_order=5", "grid.child_order=11",
                                         "output.deflate_level=7"}, "run A")
            for key, value in (("parent_order", 5), ("child_order", 11)):
                checks.check(int(ds.attrs.get(key, -1)) == value,
                             f"run A: {key} attribute {ds.attrs.get(key)}")
            checks.check(ds["cell_ids"].attrs.get("level") == 11,
                         f"run A: cell_ids level {ds['cell_ids'].attrs.get('level')}")
            check_attributes(checks, out, cfg, "run A", 7)
            check_metrics(checks, metrics, ref, ds, out, console, "run A")
            check_commit(checks, ds, "run A")

        # Run B: geodetic latitude, no compression; the reference with that convention.
        out = os.path.join(tmp, "b.nc")
        args = ["--config", config, "--output", out, "--on-bad-granule", "skip",
                "--latitude", "geodetic", "--deflate-level", "0"] + inputs
        if common.run_healgrid_ok(args, 2, checks, "run B"):
            geodetic = common.write_config_variant(config, os.path.join(tmp, "geo.yaml"),
                                                   latitude="geodetic")
            ref = reference_grid(geodetic, paths)
            ds = common.open_output(out)
            common.compare_to_reference(checks, ds, ref, cfg, "run B")
            check_overrides(checks, ds, {"output.deflate_level=0", "grid.latitude=geodetic"},
                            "run B")
            checks.check(ds.attrs.get("latitude_convention") == "geodetic",
                         f"run B: latitude_convention {ds.attrs.get('latitude_convention')}")
            check_attributes(checks, out, cfg, "run B", 0)
            check_skipped(checks, ds, bad, "run B")
        shutil.rmtree(os.path.join(tmp, "granules"), ignore_errors=True)
    checks.finish()


if __name__ == "__main__":
    main()
