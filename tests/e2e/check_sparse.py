#!/usr/bin/env python3
"""The sparse output layout (issue 16) on the real ATL06 granules, against numpy + healpy.

1. `--layout sparse` at child orders 12 and 18 (parent 6), at 1, 2 and 3 ranks: cell_ids are
   exactly the cells holding a used point of the independent reference
   (tests/reference/healgrid_reference.py, layout="sparse"), strictly increasing, every
   statistic of every cell equal to the reference; healgrid_layout = "sparse"; the cell
   variables are chunked by 2^16 cells (fewer when the file holds fewer); the files of 1, 2 and
   3 ranks are equal byte for byte (SOURCE_DATE_EPOCH, same arguments: chunks that cross rank
   boundaries are gathered on one rank, never encoded twice).
   The same with two synthetic granules (`healgrid synth`) at child order 16: ~290,000 cells,
   five chunks, with rank boundaries inside chunks at 2 and 3 ranks.
2. Child order 29 (parent 6) on one granule, 1 and 3 ranks: the deepest grid healpy knows,
   int64 ids beyond 2^58, against the reference; the 3-rank file equals the 1-rank file.
3. Dense vs sparse at order 12: the dense file (`--layout dense`) holds every child of each
   parent with data; its cells with data are the sparse file's cells, value for value.
4. `auto` (the default): sparse where the dense blocks would be mostly fill (order 12), dense
   where every stored cell holds data (child order = parent order).
5. `healgrid info --json` on a sparse file (layout, cells total = with data, parent cells =
   distinct parents of the ids) and `healgrid render` of the sparse and the dense file: the
   same PNG bytes (empty cells are empty either way).
"""

import json
import os
import shlex
import subprocess
import sys

import common  # isort: skip (fails clearly when numpy, netCDF4, h5py... are missing)
from common import Checks  # isort: skip

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import output_schema as schema  # noqa: E402 (tests/reference, on the path set by common)

EPOCH = "1700000000"
SPARSE_CHUNK = 1 << 16
PARENT = 6


def grid(cwd, nprocs, args):
    """One run in its own directory writing out.nc there (the same history for any rank
    count); the path, or None after recording the failure's output."""
    os.makedirs(cwd, exist_ok=True)
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    p = subprocess.run(mpiexec + ["-np", str(nprocs), "--oversubscribe", common.healgrid_bin(),
                                  "run", "-q"] + args + ["--output", "out.nc"], cwd=cwd, env=env,
                       text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600,
                       check=False)
    path = os.path.join(cwd, "out.nc")
    if p.returncode != 0 or not os.path.exists(path):
        print(f"run failed ({p.returncode}) in {cwd}:\n{p.stdout}")
        return None
    return path


def read(path):
    """The variables on the cell dimension, the layout attribute and the chunk shapes."""
    with h5py.File(path, "r") as f:
        cells = f[schema.CELL_IDS].shape
        out = {name: f[name][()] for name in f
               if isinstance(f[name], h5py.Dataset) and f[name].shape == cells and
               name not in (schema.GRANULE_BYTES, schema.GRANULE_POINTS_USED)}
        out["_layout"] = f.attrs.get(schema.LAYOUT)
        out["_layout"] = out["_layout"].decode() if isinstance(out["_layout"], bytes) \
            else out["_layout"]
        out["_chunks"] = {name: f[name].chunks for name in (schema.CELL_IDS, "count")}
    return out


def check_against_reference(checks, label, path, ref, cfg):
    data = read(path)
    ids = data[schema.CELL_IDS]
    checks.check(data["_layout"] == schema.SPARSE, f"{label}: layout {data['_layout']!r}")
    checks.check(np.all(ids[1:] > ids[:-1]), f"{label}: cell_ids not strictly increasing")
    want_chunk = min(SPARSE_CHUNK, ids.size)
    checks.check(all(c == (want_chunk,) for c in data["_chunks"].values()),
                 f"{label}: chunks {data['_chunks']}, expected ({want_chunk},)")
    with common.xarray.open_dataset(path) as ds:
        same = common.compare_to_reference(checks, ds.load(), ref, cfg, label)
    checks.check(same and ids.size == ref["cell_ids"].size,
                 f"{label}: {ids.size} cells, reference {ref['cell_ids'].size} with data")
    return ids.size


def same_bytes(checks, label, paths):
    base = open(paths[0], "rb").read()
    for p in paths[1:]:
        data = open(p, "rb").read()
        checks.check(data == base, f"{label}: {p} differs from {paths[0]} "
                     f"({len(data)} vs {len(base)} bytes)")


def sparse_runs(checks, tmp, cfg_path, cfg, files):
    inputs = [a for f in files for a in ("--input", f)]
    for child in (12, 18):
        ref = common.reference_grid(cfg_path, files, PARENT, child, layout="sparse")
        paths = []
        for n in (1, 2, 3):
            label = f"sparse child {child} np{n}"
            path = grid(os.path.join(tmp, f"s{child}_np{n}"), n,
                        ["--config", cfg_path, "--child-order", str(child), "--layout", "sparse"]
                        + inputs)
            if not checks.check(path is not None, f"{label}: run failed"):
                continue
            cells = check_against_reference(checks, label, path, ref, cfg)
            paths.append(path)
        if len(paths) == 3:
            same_bytes(checks, f"sparse child {child}", paths)
            print(f"sparse child {child}: {cells} cells, {os.path.getsize(paths[0])} bytes, "
                  "identical at 1, 2, 3 ranks")
    # The deepest order, on one granule (healpy's nside 2^29).
    ref = common.reference_grid(cfg_path, files[:1], PARENT, 29, layout="sparse")
    paths = []
    for n in (1, 3):
        path = grid(os.path.join(tmp, f"s29_np{n}"), n,
                    ["--config", cfg_path, "--child-order", "29", "--input", files[0]])
        if checks.check(path is not None, f"child 29 np{n}: run failed"):
            check_against_reference(checks, f"sparse (auto) child 29 np{n}", path, ref, cfg)
            paths.append(path)
    if len(paths) == 2:
        same_bytes(checks, "sparse child 29", paths)
        ids = read(paths[0])[schema.CELL_IDS]
        checks.check(int(ids.max()) >= 1 << 58, f"child 29: largest id {ids.max()} < 2^58")


def synthetic_runs(checks, tmp, cfg_path, cfg):
    """Several chunks, rank boundaries inside them: the gathered chunks must not change a byte."""
    gdir = os.path.join(tmp, "synth")
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    p = subprocess.run(mpiexec + ["-np", "2", "--oversubscribe", common.healgrid_bin(), "synth",
                                  "--granules", "2", "--output-dir", gdir],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300,
                       check=False)
    if not checks.check(p.returncode == 0, f"synth failed: {p.stdout}"):
        return
    files = sorted(os.path.join(gdir, f) for f in os.listdir(gdir))
    ref = common.reference_grid(cfg_path, files, PARENT, 16, layout="sparse")
    paths = []
    for n in (1, 2, 3):
        path = grid(os.path.join(tmp, f"synth16_np{n}"), n,
                    ["--config", cfg_path, "--child-order", "16", "--input", gdir])
        if checks.check(path is not None, f"synthetic np{n}: run failed"):
            cells = check_against_reference(checks, f"synthetic child 16 np{n}", path, ref, cfg)
            paths.append(path)
    if len(paths) == 3:
        checks.check(cells > 4 * SPARSE_CHUNK, f"synthetic: only {cells} cells")
        same_bytes(checks, "synthetic child 16", paths)
        print(f"synthetic child 16: {cells} cells in {-(-cells // SPARSE_CHUNK)} chunks, "
              "identical at 1, 2, 3 ranks")


def dense_and_auto(checks, tmp, cfg_path, files):
    inputs = [a for f in files for a in ("--input", f)]
    base = ["--config", cfg_path] + inputs
    dense = grid(os.path.join(tmp, "dense12"), 2, base + ["--layout", "dense"])
    auto = grid(os.path.join(tmp, "auto12"), 2, base)
    sparse = os.path.join(tmp, "s12_np1", "out.nc")
    if not (dense and auto and os.path.exists(sparse)):
        checks.fail("dense / auto runs failed")
        return None, None
    d, a, s = read(dense), read(auto), read(sparse)
    checks.check(d["_layout"] == schema.DENSE and a["_layout"] == schema.SPARSE,
                 f"layouts: dense run {d['_layout']!r}, auto run {a['_layout']!r}")
    per_parent = 4 ** (12 - PARENT)
    ids = d[schema.CELL_IDS]
    parents = np.unique(ids // per_parent)
    checks.check(ids.size == parents.size * per_parent,
                 f"dense: {ids.size} cells for {parents.size} parents")
    has = d["count"] > 0
    checks.check(np.array_equal(ids[has], s[schema.CELL_IDS]),
                 "dense cells with data differ from the sparse cells")
    for name, values in s.items():
        if name.startswith("_") or name == schema.CELL_IDS:
            continue
        dv = d[name][has]
        equal = np.array_equal(dv, values, equal_nan=dv.dtype.kind == "f")
        checks.check(equal, f"dense vs sparse: {name} differs on the cells with data")
    # Fill fraction under 50% here; child = parent: every stored cell has data, auto is dense.
    print(f"dense vs sparse (child 12): {ids.size} dense cells, {has.sum()} with data "
          f"({100.0 * has.sum() / ids.size:.2f}%): auto chose {a['_layout']}")
    full = grid(os.path.join(tmp, "auto6"), 2, base + ["--child-order", str(PARENT)])
    if checks.check(full is not None, "auto child 6: run failed"):
        checks.check(read(full)["_layout"] == schema.DENSE,
                     "auto with every cell holding data did not choose dense")
    return dense, sparse


def info_and_render(checks, tmp, dense, sparse):
    p = subprocess.run([common.healgrid_bin(), "info", "--json", sparse], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=120, check=False)
    if not checks.check(p.returncode == 0, f"info on the sparse file: {p.stdout}"):
        return
    cells = json.loads(p.stdout)["cells"]
    ids = read(sparse)[schema.CELL_IDS]
    checks.check(cells["layout"] == schema.SPARSE and cells["total"] == ids.size and
                 cells["with_data"] == ids.size and
                 cells["parent_cells"] == np.unique(ids >> np.uint64(2 * (12 - PARENT))).size,
                 f"info --json cells {cells} (file: {ids.size} ids)")
    pngs = []
    for label, path in (("sparse", sparse), ("dense", dense)):
        png = os.path.join(tmp, f"{label}.png")
        p = subprocess.run([common.healgrid_bin(), "render", path, "--size", "400",
                            "--coastlines", "none", "--png", png], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=300, check=False)
        if checks.check(p.returncode == 0 and os.path.exists(png), f"render {label}: {p.stdout}"):
            pngs.append(png)
    if len(pngs) == 2:
        checks.check(open(pngs[0], "rb").read() == open(pngs[1], "rb").read(),
                     "render: the sparse and dense files give different maps")


def main():
    files = common.real_atl06_files()
    cfg_path = common.config_path()
    cfg = common.load_config(cfg_path)
    checks = Checks("sparse layout (reference, ranks, dense vs sparse, auto, info, render)")
    with common.temp_dir("healgrid-sparse-") as tmp:
        sparse_runs(checks, tmp, cfg_path, cfg, files)
        synthetic_runs(checks, tmp, cfg_path, cfg)
        dense, sparse = dense_and_auto(checks, tmp, cfg_path, files)
        if dense:
            info_and_render(checks, tmp, dense, sparse)
    checks.finish()


if __name__ == "__main__":
    sys.exit(main())
