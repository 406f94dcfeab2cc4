#!/usr/bin/env python3
"""Overview levels (`output.overviews`, `run --overviews`) against an independent calculation.

The real ATL06 granules are gridded at parent order 5 / child order 9 with `--overviews all`
(orders 0..8) at the rank count given (--np), compressed, and once more uncompressed
(`--deflate-level 0`, the other write path). For every order o the reference
(tests/reference/healgrid_reference.py, numpy + healpy) bins the same points directly at order o
(healpy, not the nested shift healgrid uses) and computes every statistic per cell; the group
`overviews/order_0o` must hold exactly the reference's cells with data, counts equal, min/max
equal to float32 of the reference, the other statistics within float32 precision, quantiles
present and exact from the parent order up and absent below it. Every group passes the xdggs
(both decoders) and CF-1.13 checks of check_conventions.py at its own order. With --np 3 the
1-, 2- and 3-rank files are compared byte for byte (SOURCE_DATE_EPOCH set, each run in its own
directory with the same relative output name), a run without overviews is checked to hold
no group and the same root values, and an order at the child order or a malformed list is a
usage error (exit 2) naming the key. `healgrid info` lists the levels, and `healgrid render
--order o` says it draws the stored level.
"""

import json
import os
from fractions import Fraction
import shlex
import subprocess
import sys

import common  # isort: skip
from common import Checks  # isort: skip
import check_conventions  # isort: skip

import h5py  # noqa: E402
import healpy as hp  # noqa: E402
import netCDF4  # noqa: E402
import numpy as np  # noqa: E402
import output_schema as schema  # noqa: E402
from healgrid_reference import reference_grid  # noqa: E402

PARENT, CHILD = 5, 9
EPOCH = "1700000000"


def run(nprocs, cwd, args):
    """healgrid run in `cwd` (so that `history` is the same for any rank count)."""
    os.makedirs(cwd, exist_ok=True)
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    p = subprocess.run(mpiexec + ["-np", str(nprocs), "--oversubscribe", common.healgrid_bin(),
                                  "run"] + args + ["--output", "out.nc"],
                       cwd=cwd, env=dict(os.environ, SOURCE_DATE_EPOCH=EPOCH), text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600, check=False)
    return p.returncode, p.stdout, os.path.join(cwd, "out.nc")


def points_config(product, variables, statistics):
    """The config of run_points' granule: /lat, /lon and `variables` ("v: /v, s: /s"), orders
    3/6 on the sphere, a count of v then `statistics` (flow mappings without their braces)."""
    return (f"product: {product}\n"
            "coordinates: {latitude: /lat, longitude: /lon}\n"
            f"variables: {{{variables}}}\n"
            "grid: {parent_order: 3, child_order: 6, latitude: geodetic}\n"
            "statistics:\n"
            "  - {name: count, function: count, variable: v}\n" +
            "".join(f"  - {{{s}}}\n" for s in statistics))


def run_points(nprocs, cwd, config, columns):
    """healgrid run --overviews 0 in `cwd` over one flat granule points.h5 holding `columns`
    (name -> values) with the config text `config`; (exit status, output, output path)."""
    os.makedirs(cwd, exist_ok=True)
    with h5py.File(os.path.join(cwd, "points.h5"), "w") as f:
        for name, data in columns.items():
            f[name] = np.asarray(data)
    with open(os.path.join(cwd, "points.yaml"), "w", encoding="ascii") as f:
        f.write(config)
    return run(nprocs, cwd, ["--config", "points.yaml", "--input", "points.h5",
                             "--overviews", "0"])


def check_level(checks, label, nc, order, ref, cfg):
    group = check_conventions.overview_group(order)
    try:
        g = nc[group]
    except (IndexError, KeyError):
        checks.fail(f"{label}: no group {group}")
        return
    ids = g[schema.CELL_IDS][:].astype(np.uint64)
    ref_ids = ref["cell_ids"]
    if not checks.check(np.array_equal(ids, ref_ids),
                        f"{label} {group}: {ids.size} cells, reference {ref_ids.size} "
                        f"(only in output {np.setdiff1d(ids, ref_ids)[:5].tolist()}, only in "
                        f"reference {np.setdiff1d(ref_ids, ids)[:5].tolist()})"):
        return
    for stat in cfg["statistics"]:
        name, function = stat["name"], stat["function"]
        present = name in g.variables
        if function == "quantile" and order < PARENT:
            checks.check(not present, f"{label} {group}: quantile {name} below the parent order")
            continue
        if not checks.check(present, f"{label} {group}: no variable {name}"):
            continue
        values = np.ma.filled(g[name][:], np.nan if function != "count" else 0)
        if function == "count":
            common.compare_count(checks, f"{label} {group} {name}", ids, values, ref[name])
        else:
            common.compare_float(checks, f"{label} {group} {name}", function, ids, values,
                                 ref[name])


def check_run(checks, label, path, refs, cfg):
    with netCDF4.Dataset(path) as nc:
        levels = sorted(nc[schema.OVERVIEWS_GROUP].groups) if schema.OVERVIEWS_GROUP in \
            nc.groups else []
        want = [check_conventions.overview_group(o).split("/")[1] for o in range(CHILD)]
        checks.check(levels == want, f"{label}: overview groups {levels}, expected {want}")
        for order in range(CHILD):
            check_level(checks, label, nc, order, refs[order], cfg)
    check_conventions.check_overview_groups(checks, label, path, range(CHILD), True)


def check_tools(checks, path):
    """info lists the stored levels; render --order uses the stored level."""
    binary = common.healgrid_bin()
    p = subprocess.run([binary, "info", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, check=False)
    checks.check(p.returncode == 0 and "overview levels" in p.stdout and
                 "order 0" in p.stdout.replace("orders 0", "order 0"),
                 f"info does not list the overview levels:\n{p.stdout}")
    p = subprocess.run([binary, "info", "--json", path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, check=False)
    with netCDF4.Dataset(path) as nc:
        want = [{"order": o, "cells": len(nc[check_conventions.overview_group(o)].dimensions[
            schema.CELL_DIM])} for o in range(CHILD)]
    try:
        got = [{"order": l["order"], "cells": l["cells"]}
               for l in json.loads(p.stdout)["overview_levels"]]
    except (ValueError, KeyError, TypeError) as e:
        got = f"not readable: {e}"
    checks.check(got == want, f"info --json overview_levels {got}, expected {want}")
    png = os.path.join(os.path.dirname(path), "map.png")
    p = subprocess.run([binary, "render", path, "--var", "h_q50", "--order", "6", "--png", png,
                        "--coastlines", "none"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, check=False)
    checks.check(p.returncode == 0 and "stored overview level" in p.stdout,
                 f"render --order 6 does not draw the stored level:\n{p.stdout}")

EXTREME_CONFIG = points_config("EXTREME", "v: /v, s: /s", [
    "name: v_mean, function: mean, variable: v",
    "name: v_var, function: variance, variable: v",
    "name: v_wmean, function: weighted_mean, variable: v, sigma: s"])


def extreme_values_case(checks, tmp, nprocs):
    """Order 0 merged from 4 parents whose values are 1e9 + U(0, 1e-4) (a mean large against
    its spread: the merge must not take the means' rounding for spread) and whose weights
    1/s^2 include one of ~1e308 per parent (their sum overflows a double) and one sigma of
    1e-160 (its weight overflows: dropped). Against exact rational arithmetic."""
    rng = np.random.default_rng(18)
    lat, lon, v, s = [], [], [], []
    for parent in (2, 5, 17, 40):  # order-3 cells inside the order-0 cell 0
        for i in range(20):
            lo, la = hp.pix2ang(2 ** 6, parent * 4 ** 3 + i, nest=True, lonlat=True)
            lat.append(la)
            lon.append(lo)
            v.append(1e9 + rng.uniform(0, 1e-4))
            s.append(1.5e-154 if i == 3 else 1e-160 if (parent, i) == (5, 7) else 1.0)
    rc, out, path = run_points(nprocs, os.path.join(tmp, "extreme"), EXTREME_CONFIG,
                               {"lat": lat, "lon": lon, "v": v, "s": s})
    if not checks.check(rc == 0, f"extreme values: healgrid exited {rc}\n{out}"):
        return
    kept = [(Fraction(x), Fraction(1.0 / (si * si))) for x, si in zip(v, s) if si > 1e-155]
    n = len(kept)
    mean = sum(x for x, _ in kept) / n
    want = {"count": n, "v_mean": mean, "v_var": sum((x - mean) ** 2 for x, _ in kept) / n,
            "v_wmean": sum(w * x for x, w in kept) / sum(w for _, w in kept)}
    with netCDF4.Dataset(path) as nc:
        level = nc["overviews/order_00"]
        for name, exact in want.items():
            got = np.ma.filled(level[name][:], np.nan)
            expected = np.float32(float(exact))
            ok = got.shape == (1,) and (got[0] == expected or
                                        abs(float(got[0]) - float(exact)) <= abs(float(exact)) * 2e-7)
            checks.check(ok, f"extreme values: order 0 {name} {got} against exact {float(exact)}")
        print(f"extreme values: order 0 count {level['count'][:]}, variance "
              f"{level['v_var'][:]} (exact {float(want['v_var']):.7g}), weighted mean "
              f"{level['v_wmean'][:]} (exact {float(want['v_wmean']):.10g})")


TINY_CONFIG = points_config("TINY", "v: /v, w: /w", [
    "name: v_wmean, function: weighted_mean, variable: v, weight: w"])


def tiny_weights_case(checks, tmp, nprocs):
    """Weights so small that every product w x falls below DBL_MIN (subnormal weights ~1e-320,
    a few bits each): the weighted mean in each cell and at order 0 is exact, as the weights
    taken relative to the largest give it. It used to lose ~200 float32 steps. Against exact
    rational arithmetic of the stored weights."""
    rng = np.random.default_rng(19)
    cells = [c for parent in (2, 5, 17, 40) for c in [parent * 64 + 1] * 3 + [parent * 64 + 9] * 2]
    lon, lat = hp.pix2ang(2 ** 6, np.array(cells), nest=True, lonlat=True)
    v = rng.uniform(1, 4, len(cells))
    w = np.array([1e-320, 2e-320, 1e-320, 3e-320, 1e-320] * 4)
    rc, out, path = run_points(nprocs, os.path.join(tmp, "tiny"), TINY_CONFIG,
                               {"lat": lat, "lon": lon, "v": v, "w": w})
    if not checks.check(rc == 0, f"tiny weights: healgrid exited {rc}\n{out}"):
        return

    def exact(members):
        return float(sum(Fraction(w[i]) * Fraction(v[i]) for i in members) /
                     sum(Fraction(w[i]) for i in members))

    with netCDF4.Dataset(path) as nc:
        ids = list(nc[schema.CELL_IDS][:])
        got = np.ma.filled(nc["v_wmean"][:], np.nan)
        for cell in sorted(set(cells)):
            want = np.float32(exact([i for i, c in enumerate(cells) if c == cell]))
            checks.check(cell in ids and got[ids.index(cell)] == want,
                         f"tiny weights: cell {cell} weighted mean "
                         f"{got[ids.index(cell)] if cell in ids else 'absent'}, exact {want}")
        top = np.ma.filled(nc["overviews/order_00"]["v_wmean"][:], np.nan)
        want = np.float32(exact(range(len(cells))))
        checks.check(top.shape == (1,) and top[0] == want,
                     f"tiny weights: order 0 weighted mean {top}, exact {want}")
        print(f"tiny weights: order 0 weighted mean {top}, exact {want}")


CANCEL_CONFIG = points_config("CANCEL", "v: /v", [
    "name: v_sum, function: sum, variable: v", "name: v_mean, function: mean, variable: v"])


def cancelling_sums_case(checks, tmp, nprocs):
    """Sums whose terms cancel: [1e300, 1, -1e300] summed to 0 (a plain running sum), its mean
    0; [1.7e308, 1.7e308, -1.7e308, -1.7e308, 4] overflowed at order 0 (exit 1, "beyond the
    range of float32") though its sum is 4. Sums are compensated (Neumaier), the overview
    partials keep their compensation, and an overflowing one is taken scaled: each cell and
    order 0 against exact rational arithmetic."""
    groups = {2 * 64 + 1: [1e300, 1.0, -1e300], 5 * 64 + 3: [1e16, 1.0, -1e16, 1.0, 1.0, 1.0],
              17 * 64: [1.7e308, 1.7e308, -1.7e308, -1.7e308, 4.0],
              40 * 64 + 7: [1e15, 0.1, -1e15, 0.2, 0.3]}
    cells = [c for c, vs in groups.items() for _ in vs]
    values = [v for vs in groups.values() for v in vs]
    lon, lat = hp.pix2ang(2 ** 6, np.array(cells), nest=True, lonlat=True)
    rc, out, path = run_points(nprocs, os.path.join(tmp, "cancel"), CANCEL_CONFIG,
                               {"lat": lat, "lon": lon, "v": values})
    if not checks.check(rc == 0, f"cancelling sums: healgrid exited {rc}\n{out}"):
        return
    with netCDF4.Dataset(path) as nc:
        ids = list(nc[schema.CELL_IDS][:])
        for cell, vs in groups.items():
            exact = sum(Fraction(v) for v in vs)
            for name, want in (("v_sum", exact), ("v_mean", exact / len(vs))):
                got = np.ma.filled(nc[name][:], np.nan)[ids.index(cell)]
                checks.check(got == np.float32(float(want)), f"cancelling sums: cell {cell} "
                             f"{name} {got}, exact {float(want)}")
        total = sum(Fraction(v) for v in values)
        top = nc["overviews/order_00"]
        for name, want in (("v_sum", total), ("v_mean", total / len(values))):
            got = np.ma.filled(top[name][:], np.nan)
            checks.check(got.shape == (1,) and got[0] == np.float32(float(want)),
                         f"cancelling sums: order 0 {name} {got}, exact {float(want)}")
    print("cancelling sums: cells and order 0 equal exact arithmetic")


BEYOND_CONFIG = points_config("BEYOND", "v: /v", ["name: v_sum, function: sum, variable: v"])


def beyond_float32_case(checks, tmp, nprocs):
    """Statistics are stored as float32: a finite sum beyond its range (2e38 + 2e38) must fail
    naming the statistic, never be stored as infinity. In a cell of the output, and only at an
    overview level (one 2e38 point in each of 4 parents: every cell fits, order 0 does not)."""
    for label, cells in (("a cell", [5, 5]), ("an overview level", [2 * 64, 5 * 64, 17 * 64])):
        lon, lat = hp.pix2ang(2 ** 6, np.array(cells), nest=True, lonlat=True)
        rc, out, path = run_points(nprocs, os.path.join(tmp, "beyond", label.replace(" ", "_")),
                                   BEYOND_CONFIG,
                                   {"lat": lat, "lon": lon, "v": np.full(len(cells), 2e38)})
        checks.check(rc == 1 and "v_sum" in out and "float32" in out and
                     not os.path.exists(path), f"beyond float32 in {label}: exit {rc}, output "
                     f"{'written' if os.path.exists(path) else 'absent'}:\n{out}")
    # Equal values whose sum overflows double (20 x 1e307): variance 0, in the cells and at
    # order 0 (the mean taken scaled), not NaN ("no data") from inf - inf.
    cells = [5] * 20 + [2 * 64] * 3
    lon, lat = hp.pix2ang(2 ** 6, np.array(cells), nest=True, lonlat=True)
    rc, out, path = run_points(
        nprocs, os.path.join(tmp, "beyond", "double"),
        points_config("BEYOND", "v: /v", ["name: v_var, function: variance, variable: v"]),
        {"lat": lat, "lon": lon, "v": np.full(len(cells), 1e307)})
    if checks.check(rc == 0, f"equal values of 1e307: exit {rc}\n{out}"):
        with netCDF4.Dataset(path) as nc:
            for where, group in (("cells", nc), ("order 0", nc["overviews/order_00"])):
                got = np.ma.filled(group["v_var"][:], np.nan)
                checks.check(np.array_equal(got, np.zeros(len(got))),
                             f"equal values of 1e307: variance in the {where} {got}, not 0")


def main():
    nprocs = common.ranks_from_args(__doc__)
    files = common.real_atl06_files()
    cfg_path = common.config_path()
    checks = Checks(f"overviews np{nprocs}")
    with common.temp_dir("healgrid-overviews-") as tmp:
        variant = common.write_config_variant(cfg_path, os.path.join(tmp, "grid.yaml"),
                                              parent_order=PARENT, child_order=CHILD)
        cfg = common.load_config(variant)
        base = ["--config", variant] + [a for f in files for a in ("--input", f)]
        refs = {o: reference_grid(variant, files, parent_order=o, child_order=o)
                for o in range(CHILD)}
        files_by_np = {}
        for n in sorted({1, 2, 3} if nprocs == 3 else {nprocs}):
            rc, out, path = run(n, os.path.join(tmp, f"np{n}"), base + ["--overviews", "all"])
            if not checks.check(rc == 0, f"np{n}: healgrid exited {rc}\n{out}"):
                continue
            files_by_np[n] = open(path, "rb").read()
            if n == nprocs:
                check_run(checks, f"np{n}", path, refs, cfg)
                check_tools(checks, path)
        rc, out, path = run(nprocs, os.path.join(tmp, "raw"),
                            base + ["--overviews", "all", "--deflate-level", "0"])
        if checks.check(rc == 0, f"deflate 0: healgrid exited {rc}\n{out}"):
            check_run(checks, f"np{nprocs} deflate 0", path, refs, cfg)
        first = files_by_np.get(min(files_by_np)) if files_by_np else None
        for n, data in files_by_np.items():
            checks.check(data == first, f"np{n}: the file differs from np{min(files_by_np)} "
                         f"({len(data)} vs {len(first)} bytes)")
        for bad, key in ((str(CHILD), "output.overviews"), ("3,x", "--overviews")):
            rc, out, _ = run(1, os.path.join(tmp, "bad"), base + ["--overviews", bad])
            checks.check(rc == 2 and key in out and "order" in out,
                         f"--overviews {bad}: exit {rc} without naming {key}:\n{out}")
        extreme_values_case(checks, tmp, nprocs)
        tiny_weights_case(checks, tmp, nprocs)
        cancelling_sums_case(checks, tmp, nprocs)
        beyond_float32_case(checks, tmp, nprocs)
        rc, out, plain = run(nprocs, os.path.join(tmp, "plain"), base)
        if checks.check(rc == 0, f"no overviews: healgrid exited {rc}\n{out}") and files_by_np:
            with netCDF4.Dataset(plain) as a, \
                    netCDF4.Dataset(os.path.join(tmp, f"np{nprocs}", "out.nc")) as b:
                checks.check(not a.groups, f"no overviews: groups {list(a.groups)}")
                for name in a.variables:
                    checks.check(np.array_equal(np.ma.filled(a[name][:], 0),
                                                np.ma.filled(b[name][:], 0)),
                                 f"root variable {name} changes with overviews on")
    checks.finish()


if __name__ == "__main__":
    sys.exit(main())
