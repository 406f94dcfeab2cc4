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
import shlex
import subprocess
import sys

import common  # isort: skip
from common import Checks  # isort: skip
import check_conventions  # isort: skip

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
