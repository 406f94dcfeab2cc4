#!/usr/bin/env python3
"""healgrid's output does not depend on the number of MPI ranks.

Runs the real-data job (config/atl06.yaml, every real ATL06 granule) at -np 1, 2 and 3 and
asserts, reading the files with netCDF4 without any decoding: the same dimensions and sizes,
the same variables with the same dimensions, dtypes, attributes and stored values (exact
equality, NaN == NaN, cell_ids and provenance included), and the same global attributes except
history and date_created.
"""

import os

# common first: it fails clearly when this interpreter lacks numpy, h5py, netCDF4...
import common  # isort: skip
from common import Checks  # isort: skip

import netCDF4  # noqa: E402
import numpy as np  # noqa: E402

RANKS = (1, 2, 3)
VOLATILE_GLOBAL_ATTRS = {"history", "date_created"}


def same_value(a, b):
    """Exact equality of two attribute or data values, NaN equal to NaN."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def snapshot(path):
    """Dimensions, raw variables (dims, dtype, attrs, values) and global attrs of a file."""
    with netCDF4.Dataset(path) as nc:
        nc.set_auto_maskandscale(False)
        nc.set_auto_chartostring(False)
        dims = {name: len(dim) for name, dim in nc.dimensions.items()}
        variables = {name: (var.dimensions, var.dtype,
                            {k: var.getncattr(k) for k in var.ncattrs()}, var[...])
                     for name, var in nc.variables.items()}
        attrs = {k: nc.getncattr(k) for k in nc.ncattrs()}
    return dims, variables, attrs


def compare_snapshots(checks, base, other, label):
    """Every difference between two snapshots is a failure."""
    (dims_a, vars_a, attrs_a), (dims_b, vars_b, attrs_b) = base, other
    checks.check(dims_a == dims_b, f"{label}: dimensions {dims_b} != {dims_a}")
    checks.check(vars_a.keys() == vars_b.keys(),
                 f"{label}: variables {sorted(vars_b)} != {sorted(vars_a)}")
    for name in sorted(vars_a.keys() & vars_b.keys()):
        (d_a, t_a, at_a, v_a), (d_b, t_b, at_b, v_b) = vars_a[name], vars_b[name]
        checks.check(d_a == d_b and t_a == t_b, f"{label}: {name} is {d_b} {t_b}, not {d_a} {t_a}")
        checks.check(at_a.keys() == at_b.keys() and all(same_value(at_a[k], at_b[k]) for k in at_a),
                     f"{label}: attributes of {name} differ: {at_b} vs {at_a}")
        if same_value(v_a, v_b):
            checks.check(True, "")
            continue
        detail = ""
        if v_a.shape == v_b.shape and v_a.ndim == 1:
            diff = np.flatnonzero(~((v_a == v_b) | (np.isnan(v_a) & np.isnan(v_b))
                                    if v_a.dtype.kind == "f" else v_a != v_b))
            detail = "; ".join(f"[{i}] {v_a[i]!r} vs {v_b[i]!r}" for i in diff[:5])
            detail = f" at {diff.size} positions: {detail}"
        checks.fail(f"{label}: values of {name} differ{detail}")
    keys_a = set(attrs_a) - VOLATILE_GLOBAL_ATTRS
    keys_b = set(attrs_b) - VOLATILE_GLOBAL_ATTRS
    checks.check(keys_a == keys_b,
                 f"{label}: global attributes {sorted(keys_b)} != {sorted(keys_a)}")
    for key in sorted(keys_a & keys_b):
        checks.check(same_value(attrs_a[key], attrs_b[key]),
                     f"{label}: global attribute {key}: {attrs_b[key]!r} != {attrs_a[key]!r}")


def main():
    files = common.real_atl06_files()
    cfg_path = common.config_path()
    checks = Checks("check_determinism")
    snapshots = {}
    with common.temp_dir() as tmp:
        for nprocs in RANKS:
            out = os.path.join(tmp, f"np{nprocs}.nc")
            args = ["--config", cfg_path, "--output", out]
            for path in files:
                args += ["--input", path]
            if common.run_healgrid_ok(args, nprocs, checks, f"-np {nprocs} run"):
                snapshots[nprocs] = snapshot(out)
    if 1 in snapshots:
        dims, variables, _ = snapshots[1]
        checks.check(dims.get("cell_ids", 0) > 0 and "count" in variables
                     and np.asarray(variables["count"][3]).sum() > 0,
                     "-np 1 output holds no data: the comparison would be vacuous")
        for nprocs in RANKS[1:]:
            if nprocs in snapshots:
                compare_snapshots(checks, snapshots[1], snapshots[nprocs], f"-np {nprocs} vs -np 1")
                print(f"-np {nprocs} vs -np 1: compared {len(snapshots[1][1])} variables, "
                      f"{len(snapshots[1][2])} global attributes")
    checks.finish()


if __name__ == "__main__":
    main()
