"""Independent reference for the viewer's map tests (map_features.mjs): pyproj for the
projections (the viewer draws geodetic degrees on the unit sphere, so each projection is PROJ's
on a sphere of radius 1), pyproj.Geod for true lengths on WGS84, netCDF4 + healpy for the cells
and their overviews per statistic kind, and the GSHHG file decoded here for coastline vertices.
usage: view_reference.py COMMAND JSON-ARGUMENT   (prints JSON)
  project   {"projection", "centre"?, "points": [[lon, lat]..]}          -> [[x, y]..] unit coords
  inverse   {"projection", "centre"?, "points": [[x, y]..]}              -> [[lon, lat]..]
  geod      {"points": [[lon1, lat1, lon2, lat2]..]}                      -> [metres..]
  cells     {"file", "level"?, "count"?}  the file's centres, parent centres and overview cells
  gshhg     {"path", "lon", "lat"}        -> whether the file holds that vertex (1e-4 deg)"""
import json
import sys

import healpy
import netCDF4
import numpy as np
import pyproj

import output_reference  # isort: skip  (beside this file: the authalic -> geodetic inversion)


def proj_string(spec):
    key = spec["projection"]
    if key == "north":
        return "+proj=stere +lat_0=90 +lat_ts=90 +lon_0=-45 +R=1"
    if key == "south":
        return "+proj=stere +lat_0=-90 +lat_ts=-90 +lon_0=0 +R=1"
    if key == "global":
        return "+proj=eqearth +R=1"
    lon0, lat0 = spec["centre"]
    return f"+proj=laea +lat_0={lat0} +lon_0={lon0} +R=1"


def transformer(spec, inverse=False):
    a, b = "+proj=lonlat +R=1", proj_string(spec)
    return pyproj.Transformer.from_crs(b if inverse else a, a if inverse else b, always_xy=True)


def centres(order, ids, authalic):
    lon, lat = healpy.pix2ang(2**order, np.asarray(ids, dtype=np.int64), nest=True, lonlat=True)
    lon = (lon + 180) % 360 - 180
    return lon, (output_reference.geodetic_from_authalic(lat) if authalic else lat)


def rule_of(var):
    # healgrid_statistic names the function (cell_methods holds CF's name for it, if any)
    method = getattr(var, "healgrid_statistic", None)
    if method is None:
        method = getattr(var, "cell_methods", "").split(":")[-1].strip()
    return {"count": "sum", "sum": "sum", "min": "min", "max": "max"}.get(method, "mean")


def cells(arg):
    ds = netCDF4.Dataset(arg["file"])
    ds.set_auto_mask(False)
    ids = ds["cell_ids"][:].astype(np.int64)
    child, parent = int(ds.child_order), int(ds.parent_order)
    authalic = ds.latitude_convention == "authalic"
    names = [n for n, v in ds.variables.items() if v.dimensions == ("cell_ids",) and n != "cell_ids"
             and getattr(v, "standard_name", "") != "healpix_index"]
    values = {}
    for n in names:
        v = ds[n][:].astype(np.float64)
        fill = getattr(ds[n], "_FillValue", None)
        if fill is not None and not np.isnan(fill):
            v[v == fill] = np.nan
        values[n] = v
    # Cells with data: a finite mean of the main variable (h_mean for ATL06, else the count).
    has = np.isfinite(values["h_mean"]) if "h_mean" in values else values["count"] > 0
    lon, lat = centres(child, ids[has], authalic)
    plon, plat = centres(parent, np.unique(ids[has] >> (2 * (child - parent))), authalic)
    out = {"child_order": child, "parent_order": parent, "lon": lon.tolist(), "lat": lat.tolist(),
           "parent_lon": plon.tolist(), "parent_lat": plat.tolist(), "overview": []}
    level = arg.get("level")
    if level is None:
        return out
    coarse = ids >> (2 * (child - level))
    weights = values.get("count")
    chosen = np.unique(coarse[has])
    # Coarse cells with the most children with data: well inside the data, easy to hit.
    counts = np.array([np.count_nonzero(has[coarse == c]) for c in chosen])
    chosen = chosen[np.argsort(-counts, kind="stable")][: arg.get("count", 3)]
    clon, clat = centres(level, chosen, authalic)
    for k, c in enumerate(chosen):
        sel = coarse == c
        row = {"id": str(int(c)), "lon": float(clon[k]), "lat": float(clat[k]),
               "with_data": int(np.count_nonzero(sel & has)), "values": {}}
        for n in names:
            v = values[n][sel]
            ok = np.isfinite(v)
            rule = rule_of(ds[n])
            if rule == "sum":
                row["values"][n] = float(v[ok].sum())
            elif rule in ("min", "max"):
                row["values"][n] = float(getattr(v[ok], rule)())
            else:
                w = weights[sel][ok] if weights is not None else np.ones(ok.sum())
                row["values"][n] = float((w * v[ok]).sum() / w.sum())
        out["overview"].append(row)
    return out


def gshhg(arg):
    ds = netCDF4.Dataset(arg["path"])
    ds.set_auto_mask(False)
    size = float(ds["Bin_size_in_minutes"][:].ravel()[0]) / 60
    nlon = int(ds["N_bins_in_360_longitude_range"][:].ravel()[0])
    first_seg = ds["Id_of_first_segment_in_a_bin"][:].astype(np.int64)
    nseg = ds["N_segments_in_a_bin"][:].astype(np.int64)
    info = ds["Embedded_npts_levels_exit_entry_for_a_segment"][:].astype(np.int64)
    first_pt = ds["Id_of_first_point_in_a_segment"][:].astype(np.int64)
    dx = ds["Relative_longitude_from_SW_corner_of_bin"][:].astype(np.int64) & 0xFFFF
    dy = ds["Relative_latitude_from_SW_corner_of_bin"][:].astype(np.int64) & 0xFFFF
    lon, lat = arg["lon"] % 360, arg["lat"]
    row = int((90 - lat) // size)
    for b in {row * nlon + int(lon // size) % nlon, row * nlon + int(((lon + 1e-3) % 360) // size),
              row * nlon + int(((lon - 1e-3) % 360) // size)}:
        lon_sw, lat_sw = (b % nlon) * size, 90 - (b // nlon + 1) * size
        for s in range(first_seg[b], first_seg[b] + nseg[b]):
            p0, n = first_pt[s], info[s] >> 9
            plon = lon_sw + dx[p0:p0 + n] * size / 65535
            plat = lat_sw + dy[p0:p0 + n] * size / 65535
            dlon = np.abs((plon - lon + 180) % 360 - 180)
            if np.any((dlon < 1e-4) & (np.abs(plat - lat) < 1e-4)):
                return True
    return False


def main():
    command, arg = sys.argv[1], json.loads(sys.argv[2])
    if command == "project":
        t = transformer(arg)
        out = [list(t.transform(lon, lat)) for lon, lat in arg["points"]]
    elif command == "inverse":
        t = transformer(arg, inverse=True)
        out = [list(t.transform(x, y)) for x, y in arg["points"]]
    elif command == "geod":
        g = pyproj.Geod(ellps="WGS84")
        out = [g.inv(a, b, c, d)[2] for a, b, c, d in arg["points"]]
    elif command == "cells":
        out = cells(arg)
    else:
        out = gshhg(arg)
    json.dump(out, sys.stdout)


main()
