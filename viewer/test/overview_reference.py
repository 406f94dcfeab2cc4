"""Independent reference for the viewer's stored-overview test (stored_overviews.mjs): for a
healgrid output and an order below its child order, the values netCDF4 reads from the stored
level (group overviews/order_NN) and the overview computed from the file's own cells by the
viewer's documented rules (counts and sums summed, min of minima, max of maxima, other
statistics the mean weighted by point count), with cell centres from healpy.
usage: overview_reference.py OUT.nc ORDER VARIABLE [COUNT]   (prints JSON)
Cells: those of the order with the most of the file's cells with data under them (well inside
the data), of which the COUNT (default 3) where VARIABLE's stored and computed values differ
most (relative to the variable's spread), so that a viewer drawing the computed value fails."""
import json
import sys

import netCDF4
import numpy as np

import output_reference  # isort: skip  (beside this file: healpy centres, authalic -> geodetic)


def rule_of(var):
    # healgrid_statistic names the function (cell_methods holds CF's name for it, if any)
    method = getattr(var, "healgrid_statistic", None)
    if method is None:
        method = getattr(var, "cell_methods", "").split(":")[-1].strip()
    return {"count": "sum", "sum": "sum", "min": "min", "max": "max"}.get(method, "mean")


def decoded(var):
    """A variable's values in double, NaN where the file holds the fill value."""
    v = var[:].astype(np.float64)
    fill = getattr(var, "_FillValue", None)
    if fill is not None and not np.isnan(fill):
        v[v == fill] = np.nan
    return v


def data_names(group):
    return [n for n, v in group.variables.items() if v.dimensions == ("cell_ids",) and n != "cell_ids"
            and getattr(v, "standard_name", "") != "healpix_index"]


def computed(ds, values, sel, name):
    v = values[name][sel]
    ok = np.isfinite(v)
    if not ok.any():
        return None
    rule = rule_of(ds[name])
    if rule == "sum":
        return float(v[ok].sum())
    if rule in ("min", "max"):
        return float(getattr(v[ok], rule)())
    w = values["count"][sel][ok] if "count" in values else np.ones(ok.sum())
    return float((w * v[ok]).sum() / w.sum())


def main():
    path, order, variable = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    want = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    ds = netCDF4.Dataset(path)
    ds.set_auto_mask(False)
    child = int(ds.child_order)
    authalic = ds.latitude_convention == "authalic"
    names = data_names(ds)
    ids = ds["cell_ids"][:].astype(np.int64)
    values = {n: decoded(ds[n]) for n in names}
    has = np.isfinite(values[variable])
    coarse = ids >> (2 * (child - order))
    group = None
    if "overviews" in ds.groups and f"order_{order:02d}" in ds["overviews"].groups:
        group = ds["overviews"][f"order_{order:02d}"]
    stored_names = data_names(group) if group is not None else []
    stored_ids = group["cell_ids"][:].astype(np.int64) if group is not None else np.array([], np.int64)
    stored_values = {n: decoded(group[n]) for n in stored_names}

    cells, with_data = np.unique(coarse[has], return_counts=True)
    candidates = cells[np.argsort(-with_data, kind="stable")][: max(30, want)]
    rows = []
    for c in candidates:
        sel = coarse == c
        row = {"id": str(int(c)), "with_data": int(np.count_nonzero(sel & has)),
               "computed": {n: computed(ds, values, sel, n) for n in names}, "stored": {}}
        k = np.searchsorted(stored_ids, c)
        if k < len(stored_ids) and stored_ids[k] == c:
            for n in stored_names:
                v = stored_values[n][k]
                row["stored"][n] = None if np.isnan(v) else (
                    int(v) if np.issubdtype(group[n].dtype, np.integer) else float(v))
        rows.append(row)
    spread = np.nanmax(values[variable]) - np.nanmin(values[variable]) or 1.0

    def difference(row):
        s, c = row["stored"].get(variable), row["computed"][variable]
        return abs(s - c) / spread if s is not None and c is not None else 0.0

    rows.sort(key=difference, reverse=True)
    rows = rows[:want]
    lon, lat = output_reference.centres(order, [int(r["id"]) for r in rows], authalic)
    for k, r in enumerate(rows):
        r["lon"], r["lat"] = float(lon[k]), float(lat[k])
    json.dump({"child_order": child, "parent_order": int(ds.parent_order), "order": order,
               "variables": names, "stored_variables": stored_names,
               "layout": getattr(ds, "healgrid_layout", "dense"), "cells": rows}, sys.stdout)


if __name__ == "__main__":
    main()
