#!/usr/bin/env python3
"""Time windows (config `time_windows`, `run --time-windows`) at --np N ranks.

Cases:
  - synthetic ATL06 granules of `healgrid synth` (RGTs 1 and 1001: October and December 2018,
    November empty) with `--time-windows month` (the CLI override) and explicit windows with a
    gap between them and an empty window;
  - the real ATL06 granules of the shared data (October 2018, April and June 2019) with
    `time_windows: month` (the config key: nine windows, five of them empty) and
    `--time-windows cycle` (cycles 1 to 3, each granule's points in the cycle of its name).
For every window of every output: the statistics of every cell equal (a) a separate healgrid
run restricted to the window with --start/--end (bit for bit) and (b) the independent numpy +
healpy reference (tests/reference/healgrid_reference.py) on the points whose time, computed
here from the granule's GPS epoch and the leap seconds, lies in the window; the cells are the
union of the windows' (reference) cells and a cell without points in a window holds the fill;
`time`/`time_bnds` hold each window's [start, end) (expected bounds computed here from the
calendar, or from the cycle of each synthetic granule's name) and xarray decodes them to
datetime64; `time_points_used` holds the points per window; the file has the same bytes at N
ranks as at 1 (compressed and not). The synthetic months run in both layouts (`--layout
sparse`: the union of the windows' cells with data; `dense`: every child of their parents; the
dense file holds the sparse one's values bit for bit), each also with `--memory-per-rank`
forcing several passes (the one-pass file's bytes), and sparse at child order 14 (~97,000
cells: chunks of 2^16 cells crossing rank boundaries) with the same bytes at N ranks as at 1.
With overview levels (orders 3 and 7 around the parent order 5) every level of every window
equals that level of a separate --start/--end run, on the union of the windows' cells, with the
same bytes at N ranks as at 1 and in passes. Then bad `time_windows` values give their errors
(exit 2, naming the key or the option).
"""

import argparse
import calendar
import datetime
import glob
import json
import os
import re
import subprocess
import sys

import common  # isort: skip
from common import Checks  # isort: skip

import h5py  # noqa: E402
import netCDF4  # noqa: E402
import numpy as np  # noqa: E402
import output_schema as schema  # noqa: E402
import xarray  # noqa: E402
import yaml  # noqa: E402
from healgrid_reference import grid_points, load_config, read_points_with_time  # noqa: E402

# ICESat-2 cycle N starts at CYCLE1 + (N - 1) * CYCLE seconds (docs/reliability.md, resolve
# --cycle: fitted to real granule names); the synthetic granules carry their cycle in the name.
CYCLE1_START = 1538148720  # 2018-09-28T15:32:00Z
CYCLE_SECONDS = 7846727
SPARSE_CHUNK_CELLS = 1 << 16  # write/cell_layout.hpp kSparseChunkCells


def utc_text(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def month_bounds(first_time, last_time):
    """[start, end) of every calendar month from the one holding first_time to last_time's."""
    day = datetime.datetime.fromtimestamp(first_time, datetime.timezone.utc)
    last = datetime.datetime.fromtimestamp(last_time, datetime.timezone.utc)
    year, month = day.year, day.month
    bounds = []
    while (year, month) <= (last.year, last.month):
        nyear, nmonth = (year + 1, 1) if month == 12 else (year, month + 1)
        bounds.append((calendar.timegm((year, month, 1, 0, 0, 0)),
                       calendar.timegm((nyear, nmonth, 1, 0, 0, 0))))
        year, month = nyear, nmonth
    return bounds


def write_config(base, path, **keys):
    """The YAML config `base` with top-level keys set (None removes one)."""
    with open(base, encoding="utf-8") as stream:
        cfg = yaml.safe_load(stream)
    for key, value in keys.items():
        if value is None:
            cfg.pop(key, None)
        else:
            cfg[key] = value
    with open(path, "w", encoding="utf-8") as stream:
        yaml.safe_dump(cfg, stream, sort_keys=False)
    return path


def fill_mask(values, function):
    values = np.asarray(values)
    if function == "count":
        return np.nan_to_num(values.astype(np.float64), nan=0.0) == 0
    return np.isnan(values)


class WindowedRun:
    """One time-windowed output and the points (with times) of its granules."""

    def __init__(self, label, cfg_path, files, points, bounds, nprocs, tmp, layout=None):
        self.label, self.cfg_path, self.files = label, cfg_path, files
        self.cfg = load_config(cfg_path)
        self.points, self.bounds, self.nprocs, self.tmp = points, bounds, nprocs, tmp
        self.layout = layout  # --layout of the windowed run (None: the config's, auto)

    def inputs(self):
        layout = ["--layout", self.layout] if self.layout else []
        return [a for f in self.files for a in ("--input", f)] + layout

    def check(self, checks, out, separate_runs=True):
        with netCDF4.Dataset(out) as nc:
            self.check_cf_time(checks, nc)
        ds = common.open_output(out)
        self.check_axis(checks, ds)
        layout = ds.attrs.get(schema.LAYOUT)
        sparse = layout == schema.SPARSE
        lat, lon, values, times, _ = self.points
        ref_ids = []
        for w, (start, end) in enumerate(self.bounds):
            sel = (times >= start) & (times < end)
            label = f"{self.label} window {w} [{utc_text(start)}, {utc_text(end)})"
            used = int(np.asarray(ds[schema.TIME_POINTS_USED].values)[w])
            checks.check(used == int(sel.sum()), f"{label}: time_points_used {used}, "
                         f"reference {int(sel.sum())}")
            window = ds.isel({schema.TIME_DIM: w})
            if not sel.any():
                self.check_all_fill(checks, label, window, np.zeros(0, np.uint64))
                # Drawn coarser, its map says the window has no data (it said "the file has no
                # count", which the file has).
                order = int(ds.attrs["child_order"]) - 1
                rc, text = healgrid_tool(["render", out, "--time", w, "--order", order, "--png",
                                          f"{out}-{w}-empty.png", "--var", "h_mean",
                                          "--projection", "south-polar-stereo", "--extent",
                                          "-180,-90,180,-60", "--coastlines", "none"])
                checks.check(rc == 0 and "no cell holds data" in text and "no count" not in text,
                             f"{label}: render of the empty window: exit {rc}, {text!r}")
                continue
            ref = grid_points(self.cfg, lat[sel], lon[sel], {k: v[sel] for k, v in values.items()})
            # The cells a file of this layout lists for the window: every child of its parents
            # with data (dense), or only its cells with data (sparse).
            ids = common.with_data_only(ref, self.cfg)["cell_ids"] if sparse else ref["cell_ids"]
            ref_ids.append(ids)
            missing = np.setdiff1d(ids, ds[schema.CELL_IDS].values)
            if not checks.check(missing.size == 0, f"{label}: {missing.size} reference cells "
                                f"missing from cell_ids (first {missing[:5].tolist()})"):
                continue
            common.compare_to_reference(checks, window.sel({schema.CELL_DIM: ids}), ref, self.cfg,
                                        label)
            self.check_all_fill(checks, label, window, ids)
            if separate_runs:
                separate = self.compare_separate_run(checks, label, window, start, end, w)
                if separate:
                    compare_render_and_info(checks, label, out, w, separate, len(self.bounds))
        union = np.unique(np.concatenate(ref_ids)) if ref_ids else np.zeros(0, np.uint64)
        got = np.asarray(ds[schema.CELL_IDS].values)
        checks.check(np.array_equal(got, union), f"{self.label}: cell_ids ({got.size}) are not "
                     f"the union of the windows' cells ({union.size}, {layout} layout)")
        checks.check(self.layout in (None, layout), f"{self.label}: {schema.LAYOUT} = {layout}, "
                     f"asked for {self.layout}")
        in_windows = sum(int(((times >= s) & (times < e)).sum()) for s, e in self.bounds)
        checks.check(int(ds.attrs[schema.POINTS_USED]) == in_windows,
                     f"{self.label}: points_used {ds.attrs[schema.POINTS_USED]}, reference "
                     f"{in_windows}")
        return ds

    def check_cf_time(self, checks, nc):
        """The CF time coordinate and its bounds on the raw file."""
        time = nc[schema.TIME]
        attrs = {k: time.getncattr(k) for k in time.ncattrs()}
        checks.check(time.dimensions == (schema.TIME_DIM,) and
                     attrs.get("standard_name") == "time" and
                     attrs.get(schema.UNITS) == schema.TIME_UNITS and
                     attrs.get(schema.CALENDAR) == schema.STANDARD_CALENDAR and
                     attrs.get(schema.BOUNDS) == schema.TIME_BOUNDS,
                     f"{self.label}: time {time.dimensions} attributes {attrs}")
        bnds = nc[schema.TIME_BOUNDS]
        checks.check(bnds.dimensions == (schema.TIME_DIM, schema.BOUNDS_DIM) and
                     bnds.shape == (len(self.bounds), 2),
                     f"{self.label}: time_bnds {bnds.dimensions} {bnds.shape}")
        raw = np.asarray(time[:], np.float64)
        want = np.array([b[0] for b in self.bounds], np.float64)
        checks.check(np.array_equal(raw, want), f"{self.label}: time {raw.tolist()}, expected "
                     f"the window starts {want.tolist()}")
        checks.check(np.array_equal(np.asarray(bnds[:], np.float64),
                                    np.array(self.bounds, np.float64)),
                     f"{self.label}: time_bnds {bnds[:].tolist()}, expected {self.bounds}")
        for name in (s["name"] for s in self.cfg["statistics"]):
            v = nc[name]
            checks.check(v.dimensions == (schema.TIME_DIM, schema.CELL_DIM) and
                         v.chunking() != "contiguous" and v.chunking()[0] == 1,
                         f"{self.label}: {name} dimensions {v.dimensions}, chunks {v.chunking()}")
        checks.check(nc.getncattr(schema.TIME_WINDOWS) != "",
                     f"{self.label}: global {schema.TIME_WINDOWS} missing")

    def check_axis(self, checks, ds):
        """xarray decodes time and time_bnds to datetime64 at the window bounds."""
        want = np.array([b[0] for b in self.bounds], "datetime64[s]").astype("datetime64[ns]")
        got = ds[schema.TIME].values
        checks.check(np.issubdtype(got.dtype, np.datetime64) and np.array_equal(got, want),
                     f"{self.label}: xarray time {got}, expected {want}")
        bnds = ds[schema.TIME_BOUNDS].values
        want_b = np.array(self.bounds, "datetime64[s]").astype("datetime64[ns]")
        checks.check(np.issubdtype(bnds.dtype, np.datetime64) and np.array_equal(bnds, want_b),
                     f"{self.label}: xarray time_bnds {bnds}, expected {want_b}")

    def check_all_fill(self, checks, label, window, data_cells):
        """Cells of the slice not in `data_cells` hold the fill in every statistic."""
        ids = np.asarray(window[schema.CELL_IDS].values)
        outside = ~np.isin(ids, data_cells)
        for stat in self.cfg["statistics"]:
            values = np.asarray(window[stat["name"]].values)[outside]
            bad = int((~fill_mask(values, stat["function"])).sum())
            checks.check(bad == 0, f"{label}: {stat['name']} has {bad} values in cells without "
                         "points in the window (expected the fill)")

    def compare_separate_run(self, checks, label, window, start, end, w):
        """A run restricted to [start, end) with --start/--end, without time windows: the same
        values, bit for bit, on its cells."""
        plain = write_config(self.cfg_path, os.path.join(self.tmp, f"plain-{w}.yaml"),
                             time_windows=None)
        out = os.path.join(self.tmp, f"separate-{w}.nc")
        args = ["--config", plain, "--start", utc_text(start), "--end", utc_text(end),
                "--output", out] + self.inputs()
        if not common.run_healgrid_ok(args, self.nprocs, checks, f"{label}: separate run"):
            return None
        alone = common.open_output(out)
        # The run's time range is recorded (ACDD attributes; render titles the map with it).
        coverage = (alone.attrs.get(schema.TIME_COVERAGE_START),
                    alone.attrs.get(schema.TIME_COVERAGE_END))
        checks.check(coverage == (utc_text(start), utc_text(end)),
                     f"{label}: time_coverage_start/end {coverage} != "
                     f"({utc_text(start)}, {utc_text(end)})")
        ids = np.asarray(alone[schema.CELL_IDS].values)
        if not checks.check(np.isin(ids, window[schema.CELL_IDS].values).all(),
                            f"{label}: the separate run's cells are not in the windowed output"):
            return None
        part = window.sel({schema.CELL_DIM: ids})
        for stat in self.cfg["statistics"]:
            a = np.asarray(part[stat["name"]].values)
            b = np.asarray(alone[stat["name"]].values)
            same = a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
            checks.check(same, f"{label}: {stat['name']} differs from the separate run "
                         f"--start {utc_text(start)} --end {utc_text(end)} "
                         f"({int((a != b).sum())} cells)")
        print(f"{label}: equal to the separate run on {ids.size} cells")
        return out


def healgrid_tool(args):
    proc = subprocess.run([common.healgrid_bin()] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def compare_render_and_info(checks, label, windowed, w, separate, windows):
    """`render --time w` and `info --time w` of the windowed file show what they show of the
    separate run's file: the same map pixels (fixed extent and range, so that the union of the
    windows' cells does not move the auto extent) and the same statistics summary."""
    pngs = []
    for path, extra in ((windowed, ["--time", w]), (separate, [])):
        png = f"{path}-{w}.png"
        rc, text = healgrid_tool(["render", path, "--png", png, "--size", "300", "--extent",
                                  "-180,-90,180,-60", "--range", "0,3000", "--coastlines", "none",
                                  "--var", "h_mean"] + extra)
        checks.check(rc == 0, f"{label}: render {' '.join(map(str, extra))} exit {rc}: {text}")
        pngs.append(png)
    if all(os.path.exists(p) for p in pngs):
        with open(pngs[0], "rb") as a, open(pngs[1], "rb") as b:
            checks.check(a.read() == b.read(), f"{label}: render --time {w} differs from the "
                         "separate run's map")
    summaries, docs = [], []
    for path, extra in ((windowed, ["--time", w]), (separate, [])):
        rc, text = healgrid_tool(["info", path, "--json"] + extra)
        checks.check(rc == 0, f"{label}: info exit {rc}: {text}")
        docs.append(json.loads(text) if rc == 0 else {})
        summaries.append(docs[-1].get("variables"))
    checks.check(summaries[0] == summaries[1], f"{label}: info --time {w} variables differ from "
                 "the separate run's")
    # ... and the window it shows, with the window's points (the separate run's points used).
    shown = docs[0].get("time_window") or {}
    checks.check(shown.get("index") == int(w) and
                 shown.get("points_used") == docs[1].get("granules", {}).get("points_used") and
                 docs[1].get("time_window") is None,
                 f"{label}: info --time {w} window {shown}, the separate run used "
                 f"{docs[1].get('granules', {}).get('points_used')} points")
    rc, text = healgrid_tool(["info", windowed])
    checks.check(rc == 2 and f"--time 0..{windows - 1}" in text and "0: " in text,
                 f"{label}: info without --time: exit {rc}, {text!r} (expected 2, the windows "
                 "listed)")
    rc, text = healgrid_tool(["render", windowed, "--png", windowed + ".x.png", "--time", windows])
    checks.check(rc != 0 and "out of range" in text,
                 f"{label}: render --time {windows}: exit {rc}, {text!r}")


def synthetic(checks, tmp, nprocs):
    granules = os.path.join(tmp, "granules")
    proc = subprocess.run([common.healgrid_bin(), "synth", "--region", "antarctica",
                           "--granules", "4", "--rgt-step", "1000", "--output-dir", granules],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False)
    if not checks.check(proc.returncode == 0, f"synth failed: {proc.stdout}"):
        return
    files = files_in(granules)
    cfg_path = common.write_config_variant(common.config_path(), os.path.join(tmp, "synth.yaml"),
                                           parent_order=5, child_order=10)
    points = read_points_with_time(files, load_config(cfg_path))
    times = points[3]

    # Months, by the command-line override, in both layouts.
    bounds = month_bounds(times.min(), times.max())
    by_layout = {}
    for layout in (schema.SPARSE, schema.DENSE):
        months = WindowedRun(f"synthetic months {layout} np{nprocs}", cfg_path, files,
                             points, bounds, nprocs, tmp, layout)
        args = ["--config", cfg_path, "--time-windows", "month"] + months.inputs()
        out = os.path.join(tmp, f"months-{layout}.nc")
        rc, output = common.run_healgrid(args + ["--output", out], nprocs)
        if checks.check(rc == 0, f"{months.label}: healgrid exited {rc}\n{output}"):
            # The restart journal is off with time windows, and the log says so.
            checks.check("[journal] off: time windows" in output and
                         not os.path.exists(out + ".journal"),
                         f"{months.label}: journal note missing or journal left:\n{output}")
            # info/render refuse a windowed file clearly instead of showing it empty.
            rc, text = common.run_as([common.healgrid_bin(), "info", out])
            checks.check(rc == 2 and "time-windowed output" in text,
                         f"healgrid info on a windowed file: exit {rc}: {text}")
            # Separate --start/--end runs once (the values do not depend on the layout: the
            # dense file is compared with the sparse one below).
            ds = months.check(checks, out, separate_runs=layout == schema.SPARSE)
            by_layout[layout] = ds
            empty = [w for w, (s, e) in enumerate(bounds)
                     if not ((times >= s) & (times < e)).any()]
            checks.check(len(bounds) >= 3 and empty, f"{months.label}: the granules should span "
                         f"three months or more with an empty one between: {bounds}, "
                         f"empty {empty}")
            checks.check(ds.attrs[schema.TIME_WINDOWS] == "month",
                         f"{months.label}: healgrid_time_windows "
                         f"{ds.attrs[schema.TIME_WINDOWS]!r}")
        same_bytes_as_one_rank(checks, args, nprocs, tmp, layout)
        passes_same_bytes(checks, args, nprocs, tmp, layout)
    # Sparse chunks of 2^16 cells that cross rank boundaries (child order 14: ~97,000 cells).
    same_bytes_as_one_rank(checks, ["--config", cfg_path, "--time-windows", "month", "--layout",
                                    schema.SPARSE, "--child-order", "14"] +
                           [a for f in files for a in ("--input", f)], nprocs, tmp,
                           "sparse child 14", min_cells=SPARSE_CHUNK_CELLS + 1)
    dense_holds_sparse(checks, by_layout, load_config(cfg_path), f"synthetic months np{nprocs}")
    overview_levels(checks, tmp, nprocs, cfg_path, files, bounds)

    # Explicit windows with a gap between them and one without points: all kept, in order.
    t0 = int(times.min()) - 3600
    gap = (int(np.quantile(times, 0.25)), int(np.quantile(times, 0.5)))
    bounds = [(t0, gap[0]), (gap[1], int(times.max()) + 1), (int(times.max()) + 86400,
                                                             int(times.max()) + 2 * 86400)]
    spec = ",".join(f"{utc_text(s)}/{utc_text(e)}" for s, e in bounds)
    explicit = WindowedRun(f"synthetic explicit np{nprocs}", cfg_path, files, points, bounds,
                           nprocs, tmp)
    out = os.path.join(tmp, "explicit.nc")
    if common.run_healgrid_ok(["--config", cfg_path, "--time-windows", spec, "--output", out]
                              + explicit.inputs(), nprocs, checks, explicit.label):
        ds = explicit.check(checks, out, separate_runs=False)
        in_gap = int(((times >= gap[0]) & (times < gap[1])).sum())
        checks.check(in_gap > 0 and int(ds.attrs[schema.POINTS_USED]) ==
                     int(np.asarray(ds[schema.TIME_POINTS_USED].values).sum()),
                     f"{explicit.label}: points in the gap {in_gap} must be left out")

    # Months cut by --start/--end: each window holds, and its time and time_bnds state, only
    # the part of its month inside the range (they used to state the whole month).
    lo, hi = int(np.quantile(times, 0.2)), int(np.quantile(times, 0.8))
    cut = [(max(s, lo), min(e, hi)) for s, e in month_bounds(times.min(), times.max())
           if min(e, hi) > max(s, lo)]
    clipped = WindowedRun(f"synthetic months cut by --start/--end np{nprocs}", cfg_path, files,
                          points, cut, nprocs, tmp)
    out = os.path.join(tmp, "months-cut.nc")
    if common.run_healgrid_ok(["--config", cfg_path, "--time-windows", "month", "--start",
                               utc_text(lo), "--end", utc_text(hi), "--output", out]
                              + clipped.inputs(), nprocs, checks, clipped.label):
        clipped.check(checks, out, separate_runs=False)

    # Explicit windows and --start/--end: windows outside the range are left out (one before,
    # one after; they used to be written with time_bnds running backwards and a repeated
    # time), the others cut to the range.
    mid = int(np.quantile(times, 0.5))
    given = [(lo - 7200, lo - 3600), (lo - 3600, mid), (mid, hi + 86400), (hi + 86400, hi + 2 * 86400)]
    spec = ",".join(f"{utc_text(s)}/{utc_text(e)}" for s, e in given)
    kept = WindowedRun(f"synthetic explicit windows cut by --start/--end np{nprocs}", cfg_path,
                       files, points, [(lo, mid), (mid, hi)], nprocs, tmp)
    out = os.path.join(tmp, "explicit-cut.nc")
    args = ["--config", cfg_path, "--time-windows", spec, "--output", out]
    rc, output = common.run_healgrid(args + ["--start", utc_text(lo), "--end", utc_text(hi)]
                                     + kept.inputs(), nprocs)
    named = (f"2 of the 4 time windows lie outside the time range, left out: 0 ["
             f"{utc_text(lo - 7200)}, {utc_text(lo - 3600)}), 3 [")
    checks.check(rc == 0 and named in output,
                 f"{kept.label}: exit {rc}\n{output}")
    if rc == 0:
        kept.check(checks, out, separate_runs=False)
    # The budget counts the dense blocks of the 2 windows held, not of the 4 given.
    rc, output = common.run_healgrid(args + ["--start", utc_text(lo), "--end", utc_text(hi),
                                             "--layout", "dense", "--memory-per-rank", "50K"]
                                     + kept.inputs(), nprocs)
    checks.check(rc == 1 and ("in each of 2 time windows" in output or
                              "(one per time window, 2:" in output),
                 f"{kept.label}: a budget too small for 2 windows' blocks: exit {rc}\n{output}")
    # No window meeting the range: a config error before any work.
    rc, output = common.run_healgrid(args + ["--start", utc_text(hi + 3 * 86400)]
                                     + kept.inputs(), nprocs)
    checks.check(rc == 2 and "time_windows: none of the windows meets the time range" in output,
                 f"{kept.label}: windows all before --start: exit {rc}\n{output}")


OVERVIEW_ORDERS = (3, 7)  # below and above the parent order 5 of the synthetic case


def overview_levels(checks, tmp, nprocs, cfg_path, files, bounds):
    """Monthly windows with overview levels: every level's group has the time axis and its
    statistics on (time, cell_ids); window w of each level equals, bit for bit, that level of a
    separate --start/--end run of the window (check_overviews checks those against numpy +
    healpy), the level's cells are the union of the windows' and the others hold the fill; the
    file has the same bytes at N ranks as at 1 and in passes as in one."""
    label = f"synthetic months overviews np{nprocs}"
    overviews = ["--overviews", ",".join(str(o) for o in OVERVIEW_ORDERS)]
    inputs = [a for f in files for a in ("--input", f)] + ["--layout", schema.SPARSE]
    args = ["--config", cfg_path, "--time-windows", "month"] + overviews + inputs
    out = os.path.join(tmp, "months-overviews.nc")
    if not common.run_healgrid_ok(args + ["--output", out], nprocs, checks, label):
        return
    separate = {}
    for w, (start, end) in enumerate(bounds):
        path = os.path.join(tmp, f"separate-overviews-{w}.nc")
        plain = write_config(cfg_path, os.path.join(tmp, "plain-overviews.yaml"),
                             time_windows=None)
        rc, output = common.run_healgrid(["--config", plain, "--start", utc_text(start), "--end",
                                          utc_text(end), "--output", path] + overviews + inputs,
                                         nprocs)
        if rc == 0:
            separate[w] = path
        else:  # a window without points: nothing to grid
            checks.check("no valid points" in output, f"{label}: separate run of window {w}: "
                         f"exit {rc}\n{output}")
    checks.check(len(separate) >= 2, f"{label}: {len(separate)} windows with points")
    # info names each level's statistics as for the separate run (not the groups' time axis).
    if separate:
        w, path = next(iter(separate.items()))
        levels = []
        for f, extra in ((out, ["--time", str(w)]), (path, [])):
            rc, text = healgrid_tool(["info", f, "--json"] + extra)
            levels.append(json.loads(text)["overview_levels"] if rc == 0 else text)
        named = [[(lv["order"], lv["variables"]) for lv in x] if isinstance(x, list) else x
                 for x in levels]
        checks.check(named[0] == named[1] and isinstance(named[0], list) and named[0],
                     f"{label}: info's overview levels {named[0]} != the separate run's "
                     f"{named[1]}")
    for order in OVERVIEW_ORDERS:
        group = f"{schema.OVERVIEWS_GROUP}/{schema.OVERVIEW_ORDER_PREFIX}{order:02d}"
        with xarray.open_dataset(out, group=group) as ds:
            level = ds.load()
        checks.check(np.issubdtype(level[schema.TIME].dtype, np.datetime64) and
                     level[schema.TIME].size == len(bounds) and
                     level["count"].dims == (schema.TIME_DIM, schema.CELL_DIM),
                     f"{label} {group}: time {level[schema.TIME].dtype}, count {level['count'].dims}")
        union = []
        for w in range(len(bounds)):
            window = level.isel({schema.TIME_DIM: w})
            if w not in separate:
                checks.check(int(np.nansum(window["count"].values)) == 0,
                             f"{label} {group} window {w}: points in an empty window")
                continue
            with xarray.open_dataset(separate[w], group=group) as alone_ds:
                alone = alone_ds.load()
            ids = np.asarray(alone[schema.CELL_IDS].values)
            union.append(ids)
            if not checks.check(np.isin(ids, level[schema.CELL_IDS].values).all(),
                                f"{label} {group} window {w}: cells missing"):
                continue
            part = window.sel({schema.CELL_DIM: ids})
            for name, var in alone.data_vars.items():
                if var.dims != (schema.CELL_DIM,) or name == schema.HEALPIX_INDEX:
                    continue
                a, b = np.asarray(part[name].values), np.asarray(var.values)
                checks.check(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"),
                             f"{label} {group} window {w}: {name} differs from the separate "
                             "run's level")
            rest = window.drop_sel({schema.CELL_DIM: ids})
            filled = np.isnan(np.asarray(rest["count"].values, np.float64))  # fill 0, masked
            checks.check(filled.all(), f"{label} {group} window {w}: {int((~filled).sum())} "
                         "cells without points hold values")
        got = np.asarray(level[schema.CELL_IDS].values)
        want = np.unique(np.concatenate(union)) if union else got[:0]
        checks.check(np.array_equal(got, want), f"{label} {group}: {got.size} cells, the union "
                     f"of the windows' is {want.size}")
        print(f"{label} {group}: {got.size} cells, every window equal to its separate run")
    same_bytes_as_one_rank(checks, args, nprocs, tmp, "sparse overviews")
    passes_same_bytes(checks, args, nprocs, tmp, "sparse overviews")


def files_in(directory):
    return sorted(glob.glob(os.path.join(directory, "*.h5")))


def dense_holds_sparse(checks, files, cfg, label):
    """The dense windowed file holds the sparse one's cells with the same values, bit for bit,
    in every window (its other cells hold the fill: WindowedRun.check_all_fill)."""
    if len(files) != 2:
        return
    dense, sparse = files[schema.DENSE], files[schema.SPARSE]
    ids = np.asarray(sparse[schema.CELL_IDS].values)
    if not checks.check(np.isin(ids, dense[schema.CELL_IDS].values).all(),
                        f"{label}: sparse cells missing from the dense file"):
        return
    part = dense.sel({schema.CELL_DIM: ids})
    for stat in cfg["statistics"]:
        a, b = np.asarray(part[stat["name"]].values), np.asarray(sparse[stat["name"]].values)
        checks.check(a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"),
                     f"{label}: {stat['name']} differs between the dense and the sparse file")
    print(f"{label}: dense ({dense[schema.CELL_IDS].size} cells) equals sparse ({ids.size} "
          f"cells) in {sparse[schema.TIME_DIM].size} windows")


def passes_same_bytes(checks, args, nprocs, tmp, layout):
    """--memory-per-rank forcing several passes (a quarter of the points' 40 bytes per rank,
    as check_memory_passes): the windowed file has the one-pass file's bytes."""
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    files, outputs = [], []
    for extra in ([], None):
        out = os.path.join(tmp, "passes.nc")  # the same name: it is in the history
        if extra is None:  # the budget from the first run's planned points
            planned = int(re.search(r"(\d+) points pass filters", outputs[0]).group(1))
            extra = ["--memory-per-rank", str(planned * 40 // nprocs // 4)]
        rc, output = common.run_healgrid(args + extra + ["--output", out], nprocs, env=env)
        if not checks.check(rc == 0, f"time windows {layout}, passes {extra}: exit {rc}\n"
                            f"{output}"):
            return
        outputs.append(output)
        with open(out, "rb") as stream:
            files.append(stream.read())
    m = re.search(r"\[memory\] (\d+) pass(?:es)? over the parent cells", outputs[1])
    npasses = int(m.group(1)) if m else 0
    checks.check(npasses >= 2, f"time windows {layout}: expected passes:\n{outputs[1]}")
    checks.check(files[0] == files[1], f"time windows {layout} np{nprocs}: the file in "
                 f"{npasses} passes differs from the one-pass file")
    print(f"time windows {layout} np{nprocs}: {npasses} passes, the one-pass bytes "
          f"({len(files[0])} bytes)")


def same_bytes_as_one_rank(checks, args, nprocs, tmp, layout, min_cells=0):
    """The windowed file has the same bytes at N ranks as at 1, compressed (direct chunk
    writes, one chunk row per window) and not (netCDF's collective writes); its cells are at
    least `min_cells`."""
    if nprocs == 1:
        return
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    out = os.path.join(tmp, f"bytes-{layout}.nc")
    for level in ("4", "0"):
        files = []
        for n in (nprocs, 1):
            rc, output = common.run_healgrid(args + ["--deflate-level", level, "--output", out],
                                             n, env=env)
            if not checks.check(rc == 0, f"bytes run at {n} ranks: exit {rc}\n{output}"):
                return
            with open(out, "rb") as stream:
                files.append(stream.read())
            with netCDF4.Dataset(out) as nc:
                cells = nc.dimensions[schema.CELL_DIM].size
            checks.check(cells >= min_cells, f"time windows {layout}: {cells} cells, fewer "
                         f"than the {min_cells} the case needs")
        checks.check(files[0] == files[1], f"time windows {layout}, deflate {level}: the file "
                     f"at {nprocs} ranks differs from the file at 1 rank")
        print(f"time windows {layout}, deflate {level}: same bytes at {nprocs} ranks and 1 rank "
              f"({len(files[0])} bytes)")


def real(checks, tmp, nprocs):
    files = common.real_atl06_files()
    cfg_path = write_config(common.config_path(), os.path.join(tmp, "real.yaml"),
                            time_windows="month")
    points = read_points_with_time(files, load_config(cfg_path))
    times = points[3]
    bounds = month_bounds(times.min(), times.max())
    run = WindowedRun(f"real ATL06 months np{nprocs}", cfg_path, files, points, bounds, nprocs,
                      tmp)
    out = os.path.join(tmp, "real-months.nc")
    if common.run_healgrid_ok(["--config", cfg_path, "--output", out] + run.inputs(), nprocs,
                              checks, run.label):
        run.check(checks, out)
        print(f"{run.label}: {len(bounds)} monthly windows from {utc_text(bounds[0][0])} to "
              f"{utc_text(bounds[-1][1])}")

    # Cycles, by the command line; each granule's points lie in the cycle of its name.
    cycle_of_name = {os.path.basename(f): int(os.path.basename(f).split("_")[-3][4:6])
                     for f in files}
    cycles = sorted(set(cycle_of_name.values()))
    bounds = [(CYCLE1_START + (c - 1) * CYCLE_SECONDS, CYCLE1_START + c * CYCLE_SECONDS)
              for c in range(cycles[0], cycles[-1] + 1)]
    by_cycle = WindowedRun(f"real ATL06 cycles np{nprocs}", cfg_path, files, points, bounds,
                           nprocs, tmp)
    out = os.path.join(tmp, "real-cycles.nc")
    if common.run_healgrid_ok(["--config", cfg_path, "--time-windows", "cycle", "--output", out]
                              + by_cycle.inputs(), nprocs, checks, by_cycle.label):
        ds = by_cycle.check(checks, out, separate_runs=False)
        names = points[4]
        per_cycle = [int(sum((names == n).sum() for n, c in cycle_of_name.items() if c == cyc))
                     for cyc in range(cycles[0], cycles[-1] + 1)]
        used = np.asarray(ds[schema.TIME_POINTS_USED].values).tolist()
        checks.check(len(cycles) >= 2 and used == per_cycle,
                     f"{by_cycle.label}: points per cycle {used}, from the granule names "
                     f"{per_cycle} (cycles {cycles})")


BAD_CONFIGS = [
    ("fortnight", ["time_windows", "fortnight"]),
    ([["2019-01-01", "2019-03-01"], ["2019-02-01", "2019-04-01"]], ["time_windows", "overlap"]),
    ([["2019-03-01", "2019-01-01"]], ["time_windows[0]", "not before"]),
    ([["2019-13-01", "2019-14-01"]], ["time_windows[0]"]),
    ([["2019-01-01"]], ["time_windows[0]", "[start, end]"]),
    ([], ["time_windows"]),
    ({"start": "2019-01-01"}, ["time_windows"]),
]


def bad_configs(checks, tmp):
    files = common.real_atl06_files()[:1]
    inputs = ["--input", files[0]]
    for i, (value, words) in enumerate(BAD_CONFIGS):
        path = write_config(common.config_path(), os.path.join(tmp, f"bad{i}.yaml"),
                            time_windows=value)
        rc, output = common.run_healgrid(["--config", path, "--output",
                                          os.path.join(tmp, "bad.nc")] + inputs)
        checks.check(rc == 2 and all(w in output for w in words),
                     f"time_windows: {value!r}: exit {rc} (expected 2), message should name "
                     f"{words}:\n{output}")
    # time_windows needs each point's time.
    with open(common.config_path(), encoding="utf-8") as stream:
        cfg = yaml.safe_load(stream)
    cfg["coordinates"].pop("time")
    cfg["time_windows"] = "month"
    path = os.path.join(tmp, "no-time.yaml")
    with open(path, "w", encoding="utf-8") as stream:
        yaml.safe_dump(cfg, stream)
    rc, output = common.run_healgrid(["--config", path, "--output", os.path.join(tmp, "bad.nc")]
                                     + inputs)
    checks.check(rc == 2 and "coordinates.time" in output and "time_windows" in output,
                 f"time_windows without coordinates.time: exit {rc}:\n{output}")
    for value, words in (("2019-01-01", ["--time-windows", "interval"]),
                         ("2019-01-01/tomorrow", ["--time-windows"]),
                         ("weekly", ["--time-windows", "weekly"])):
        rc, output = common.run_healgrid(["--time-windows", value, "--output",
                                          os.path.join(tmp, "bad.nc")] + inputs)
        checks.check(rc == 2 and all(w in output for w in words),
                     f"--time-windows {value}: exit {rc} (expected 2) naming {words}:\n{output}")
    checks.check(not os.path.exists(os.path.join(tmp, "bad.nc")), "a bad config left an output")


OLD_CONFIG = """product: old times
coordinates: {latitude: /lat, longitude: /lon, time: /time}
variables: {h: /h}
grid: {parent_order: 2, child_order: 6, latitude: geodetic}
statistics:
  - {name: count, function: count, variable: h}
"""


def before_gregorian(checks, tmp):
    """Windows of 1500 are months of the proleptic Gregorian calendar: the time variable says
    so (it said "standard", which CF, cftime and xarray read as Julian before 1582-10-15, so
    the starts decoded to 1500-01-23, ...). An epoch on the Julian leap day 1500-02-29 is read."""
    path = os.path.join(tmp, "old.h5")
    with h5py.File(path, "w") as f:
        f["lat"], f["lon"] = np.array([10.0, 20.0]), np.array([10.0, 20.0])
        f["h"] = np.array([1.0, 2.0])
        f["time"] = np.array([60.0, 0.0])  # Julian 1500-04-29 and 1500-02-29
        f["time"].attrs["units"] = np.bytes_("days since 1500-02-29")
        f["time"].attrs["calendar"] = np.bytes_("standard")
    cfg = os.path.join(tmp, "old.yaml")
    with open(cfg, "w", encoding="ascii") as stream:
        stream.write(OLD_CONFIG)
    out = os.path.join(tmp, "old.nc")
    rc, text = common.run_healgrid(["--config", cfg, "--input", path, "--output", out,
                                    "--time-windows", "month"], 1)
    if not checks.check(rc == 0, f"times of 1500: exit {rc}\n{text}"):
        return
    with xarray.open_dataset(out, use_cftime=True) as ds:
        starts = [(t.year, t.month, t.day) for t in ds[schema.TIME].values]
        checks.check(ds[schema.TIME].encoding.get("calendar") == "proleptic_gregorian",
                     f"times of 1500: calendar {ds[schema.TIME].encoding.get('calendar')}")
        # Julian 1500-02-29 and 1500-04-29 are Gregorian 1500-03-10 and 1500-05-09.
        checks.check(starts == [(1500, 3, 1), (1500, 4, 1), (1500, 5, 1)],
                     f"times of 1500: window starts {starts}")


def just_before_midnight(checks, tmp):
    """Times 1e-6, 1e-7 and 3e-8 s before 2018-10-14T00:00:00Z (seconds since 2018-01-01, as
    ICESat-2 stores them, nanoseconds apart) are in 2018-10-13's window and inside --end
    2018-10-14; one exactly at midnight is not. In POSIX seconds (1.5e9, steps of 2.4e-7 s) the
    first two used to round onto midnight: the next day's window, and cut by --end."""
    path = os.path.join(tmp, "midnight.h5")
    at = 24710400.0  # 2018-10-14T00:00:00Z
    with h5py.File(path, "w") as f:
        f["lat"], f["lon"] = np.full(4, 10.0), np.full(4, 20.0)
        f["h"] = np.arange(4.0)
        f["time"] = np.array([at - 1e-6, at - 1e-7, at - 3e-8, at])
        f["time"].attrs["units"] = np.bytes_("seconds since 2018-01-01")
    cfg = os.path.join(tmp, "midnight.yaml")
    with open(cfg, "w", encoding="ascii") as stream:
        stream.write(OLD_CONFIG)
    out = os.path.join(tmp, "midnight.nc")
    rc, text = common.run_healgrid(["--config", cfg, "--input", path, "--output", out,
                                    "--time-windows", "day"], 1)
    if checks.check(rc == 0, f"just before midnight: exit {rc}\n{text}"):
        with netCDF4.Dataset(out) as nc:
            used = list(nc[schema.TIME_POINTS_USED][:])
            checks.check(used == [3, 1], f"just before midnight: points per day window {used}, "
                         "expected [3, 1]")
    rc, text = common.run_healgrid(["--config", cfg, "--input", path, "--output", out,
                                    "--start", "2018-10-13", "--end", "2018-10-14"], 1)
    if checks.check(rc == 0, f"just before midnight --end: exit {rc}\n{text}"):
        with netCDF4.Dataset(out) as nc:
            kept = int(nc.getncattr(schema.POINTS_USED))
            checks.check(kept == 3, f"just before midnight: --end 2018-10-14 kept "
                         f"{kept} points, expected 3")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--np", type=int, default=2)
    args = parser.parse_args()
    common.real_atl06_files()  # skip (77) without the shared data
    checks = Checks(f"time windows np{args.np}")
    with common.temp_dir() as tmp:
        synthetic(checks, tmp, args.np)
        real(checks, tmp, args.np)
        if args.np == 1:  # errors at setup do not depend on the rank count
            bad_configs(checks, tmp)
            before_gregorian(checks, tmp)
            just_before_midnight(checks, tmp)
    checks.finish()


if __name__ == "__main__":
    sys.exit(main())
