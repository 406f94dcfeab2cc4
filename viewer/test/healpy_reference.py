"""Independent reference for the viewer's geometry test: healpy's nested pix2ang, boundaries and
ang2pix, and the exact geodetic -> authalic latitude. Reads JSON on stdin, writes JSON."""
import json
import sys

import healpy
import numpy as np

E2 = 0.00669437999014  # WGS84


def authalic_deg(geodetic_deg):
    e = np.sqrt(E2)
    s = np.sin(np.radians(geodetic_deg))

    def q(s):
        return (1 - E2) * (s / (1 - E2 * s * s) - np.log((1 - e * s) / (1 + e * s)) / (2 * e))

    return np.degrees(np.arcsin(np.clip(q(s) / q(1.0), -1, 1)))


req = json.load(sys.stdin)
out = {"cells": [], "points": []}
for order, ids in req["cells"]:
    nside = 2**order
    ipix = np.array([int(i) for i in ids], dtype=np.int64)
    lon, lat = healpy.pix2ang(nside, ipix, nest=True, lonlat=True)
    vec = healpy.boundaries(nside, ipix, step=1, nest=True)  # (n, 3, 4)
    blon, blat = healpy.vec2ang(np.moveaxis(vec, 1, 2).reshape(-1, 3), lonlat=True)
    out["cells"].append({
        "order": order, "ids": ids, "lon": lon.tolist(), "lat": lat.tolist(),
        "corner_lon": blon.reshape(-1, 4).tolist(), "corner_lat": blat.reshape(-1, 4).tolist()})
for order, lons, lats in req["points"]:
    ipix = healpy.ang2pix(2**order, np.array(lons), np.array(lats), nest=True, lonlat=True)
    out["points"].append({"order": order, "ids": [str(int(i)) for i in ipix]})
out["authalic"] = authalic_deg(np.array(req["geodetic"])).tolist()
json.dump(out, sys.stdout)
