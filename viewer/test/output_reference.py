"""Independent reference for the viewer's browser tests: values read from a healgrid output with
netCDF4, cell centres from healpy (authalic -> geodetic by Newton's method on Snyder's q), and
a choice of known cells (one with data, and others of the same parent with data a few cells away).
usage: output_reference.py OUT.nc  |  output_reference.py --parents ORDER AUTHALIC ID..."""
import json
import sys

import healpy
import netCDF4
import numpy as np

E2 = 0.00669437999014
E = np.sqrt(E2)


def q(s):
    return (1 - E2) * (s / (1 - E2 * s * s) - np.log((1 - E * s) / (1 + E * s)) / (2 * E))


def geodetic_from_authalic(beta_deg):
    target = q(1.0) * np.sin(np.radians(beta_deg))
    phi = np.radians(np.asarray(beta_deg, dtype=float))
    for _ in range(30):
        s = np.sin(phi)
        d = 1 - E2 * s * s
        phi = phi - (q(s) - target) / (2 * (1 - E2) * np.cos(phi) / (d * d))
    return np.degrees(phi)


def centres(order, ids, authalic):
    lon, lat = healpy.pix2ang(2**order, np.asarray(ids, dtype=np.int64), nest=True, lonlat=True)
    return lon, (geodetic_from_authalic(lat) if authalic else lat)


def main():
    if sys.argv[1] == "--parents":
        order, authalic, ids = int(sys.argv[2]), sys.argv[3] == "authalic", sys.argv[4:]
        lon, lat = centres(order, [int(i) for i in ids], authalic)
        json.dump({"lon": lon.tolist(), "lat": lat.tolist()}, sys.stdout)
        return
    ds = netCDF4.Dataset(sys.argv[1])
    ds.set_auto_mask(False)
    ids = ds["cell_ids"][:].astype(np.uint64)
    child = int(ds.child_order)
    block = 4 ** (child - int(ds.parent_order))
    # Data variables: on cell_ids, neither cell_ids nor its CF copy (standard_name healpix_index).
    names = [n for n, v in ds.variables.items() if v.dimensions == ("cell_ids",) and n != "cell_ids"
             and getattr(v, "standard_name", "") != "healpix_index"]
    h_mean = ds["h_mean"][:]
    with_data = np.flatnonzero(np.isfinite(h_mean))
    # A cell with data in the middle of the list, and up to 3 others of its parent block with
    # data, 3 to 12 cells (in x or y) away from it and at least 3 from each other.
    first = int(with_data[len(with_data) // 2])
    base = first - first % block
    chosen = [first]
    xyf = lambda i: healpy.pix2xyf(2**child, int(ids[i]), nest=True)
    for i in with_data[(with_data >= base) & (with_data < base + block)]:
        if len(chosen) == 4:
            break
        near = max(abs(xyf(i)[0] - xyf(first)[0]), abs(xyf(i)[1] - xyf(first)[1])) <= 12
        if near and all(max(abs(xyf(i)[0] - xyf(j)[0]), abs(xyf(i)[1] - xyf(j)[1])) >= 3
                        for j in chosen):
            chosen.append(int(i))
    authalic = ds.latitude_convention == "authalic"
    lon, lat = centres(child, [int(ids[i]) for i in chosen], authalic)
    cells = []
    for k, i in enumerate(chosen):
        values = {}
        for n in names:
            v = ds[n][i]
            values[n] = int(v) if np.issubdtype(ds[n].dtype, np.integer) else float(np.float32(v))
        cells.append({"index": i, "id": str(int(ids[i])), "lon": float(lon[k]), "lat": float(lat[k]),
                      "values": values})
    json.dump({"variables": names, "child_order": child, "parent_order": int(ds.parent_order),
               "latitude_convention": ds.latitude_convention, "count": int(len(ids)),
               "granule_count": int(ds.granule_count), "cells": cells}, sys.stdout)


if __name__ == "__main__":
    main()
