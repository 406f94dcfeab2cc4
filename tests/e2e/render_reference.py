"""Independent expectations for `healgrid render` pictures, for the render/info drivers.

The picture is recomputed here pixel by pixel with pyproj (inverse projection of the pixel
centres), numpy (WGS84 authalic latitude) and healpy (ang2pix, nested) from the geometry the
command reports (map area, projected extent, CRS, drawn order), the file's own cell_ids and
values (coarsened here with numpy to the drawn order: counts summed, min/max of the children,
other statistics weighted by the children's counts), and the colormap anchors; nothing here
calls healgrid code. Coastlines are decoded from the GSHHG binned netCDF file with netCDF4. Cell centres for forward checks come from
healpy.pix2ang and the series inverse of the authalic latitude (Snyder 1987, eq. 3-18).
"""

import os
import re
import subprocess
import sys

import numpy as np

try:
    import healpy
    import netCDF4
    import pyproj
    from PIL import Image
except ImportError as e:  # Debian: python3-healpy python3-netcdf4 python3-pyproj python3-pil
    print(f"FAIL: {sys.executable} cannot import a module the render tests need ({e}); "
          "install python3-pyproj python3-pil (scripts/install-deps.sh)")
    sys.exit(1)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from healgrid_reference import cell_index  # noqa: E402

PAGE = (255, 255, 255)
MAP_BACKGROUND = (224, 224, 224)
GRATICULE_ALPHA = 0.35
WGS84_E2 = 0.00669437999014
CRS = {
    "south-polar-stereo": "EPSG:3031",
    "north-polar-stereo": "EPSG:3413",
    "mollweide": "ESRI:54009",
    "plate-carree": "+proj=eqc +datum=WGS84 +units=m +no_defs +type=crs",
}
GSHHG_LOW = "/usr/share/gmt-gshhg/binned_GSHHS_l.nc"
# Evenly spaced anchors of the colormaps (viridis and cividis sampled at 10 points, ColorBrewer
# RdBu reversed); the 256-entry table interpolates linearly between them.
ANCHORS = {
    "viridis": ["440154", "482878", "3e4989", "31688e", "26828e", "1f9e89", "35b779", "6ece58",
                "b5de2b", "fde725"],
    "cividis": ["00204d", "00336f", "39486b", "575c6d", "707173", "8a8779", "a69d75", "c4b56c",
                "e4cf5b", "ffea46"],
    "rdbu_r": ["053061", "2166ac", "4393c3", "92c5de", "d1e5f0", "f7f7f7", "fddbc7", "f4a582",
               "d6604d", "b2182b", "67001f"],
}


def colormap_table(name):
    """(256, 3) uint8: entry k is the colour at t = k/255 (linear between anchors)."""
    anchors = np.array([[int(h[i:i + 2], 16) for i in (0, 2, 4)] for h in ANCHORS[name]], float)
    t = np.linspace(0.0, 1.0, 256)
    pos = np.linspace(0.0, 1.0, len(anchors))
    table = np.stack([np.interp(t, pos, anchors[:, ch]) for ch in range(3)], axis=1)
    return np.floor(table + 0.5).astype(np.uint8)


def colour_index(values, lo, hi, log):
    """Table entry of each value: floor(256 t) clipped to 0..255."""
    values = np.asarray(values, float)
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (np.log10(values) - np.log10(lo)) / (np.log10(hi) - np.log10(lo))
        t = np.where(values > 0, t, 0.0)
    else:
        t = (values - lo) / (hi - lo)
    return np.clip(np.floor(np.nan_to_num(t, nan=0.0) * 256.0), 0, 255).astype(int)


def authalic_to_geodetic_deg(beta_deg):
    """Series inverse of the authalic latitude (Snyder 1987, eq. 3-18), ~1e-9 degrees."""
    e2 = WGS84_E2
    e4, e6 = e2 * e2, e2 * e2 * e2
    b = np.radians(beta_deg)
    phi = (b + (e2 / 3 + 31 * e4 / 180 + 517 * e6 / 5040) * np.sin(2 * b)
           + (23 * e4 / 360 + 251 * e6 / 3780) * np.sin(4 * b) + (761 * e6 / 45360) * np.sin(6 * b))
    return np.degrees(phi)


def cell_centres(ids, level, convention):
    """Geodetic (lon, lat) degrees of the centres of nested cells."""
    theta, phi = healpy.pix2ang(2 ** level, np.asarray(ids, dtype=np.int64), nest=True)
    lat = 90.0 - np.degrees(theta)
    if convention == "authalic":
        lat = authalic_to_geodetic_deg(lat)
    lon = np.degrees(phi)
    return np.where(lon > 180, lon - 360, lon), lat


def read_output(path, var):
    """(cell_ids, values with NaN for fill, level, convention, long_name, units) of a variable."""
    with netCDF4.Dataset(path) as ds:
        ids = np.asarray(ds["cell_ids"][:], dtype=np.uint64)
        level = int(ds["cell_ids"].getncattr("level"))
        convention = ds.getncattr("latitude_convention")
        v = ds[var]
        values = np.ma.filled(v[:].astype(np.float64), np.nan)
        return ids, values, level, convention, v.getncattr("long_name"), getattr(v, "units", "")


def coarsen(path, var, order):
    """(coarse ids, values) of a variable at `order`, combined from the file's cells with numpy:
    count/sum summed, min/max, anything else weighted by the `count` variable (cells without a
    value left out)."""
    ids, values, level, _, _, _ = read_output(path, var)
    has = ~np.isnan(values)
    if order == level:
        return ids[has], values[has]
    with netCDF4.Dataset(path) as ds:
        method = getattr(ds[var], "healgrid_statistic", None)
        if method is None:  # files before healgrid_statistic: the function in cell_methods
            method = getattr(ds[var], "cell_methods", "").split(":")[-1].strip()
        counts = np.ma.filled(ds["count"][:].astype(np.float64), 0.0)
    parent = ids[has] >> np.uint64(2 * (level - order))
    v, w = values[has], counts[has]
    coarse, start = np.unique(parent, return_index=True)
    if method in ("count", "sum"):
        out = np.add.reduceat(v, start)
    elif method == "min":
        out = np.minimum.reduceat(v, start)
    elif method == "max":
        out = np.maximum.reduceat(v, start)
    else:
        out = np.add.reduceat(v * w, start) / np.add.reduceat(w, start)
    return coarse, out


def drawn_cells(path, var, report):
    """(ids, values, order) of the cells the picture draws (the reported order)."""
    order = int(report["order"][0])
    ids, values = coarsen(path, var, order)
    return ids, values, order


def read_gshhg(path=GSHHG_LOW):
    """Every GSHHG segment as (level, lon array, lat array), decoded from the binned netCDF file
    (bins of Bin_size_in_minutes from 90 N, points in 1/65535 of a bin from its SW corner; the
    Antarctic ice front is level 1 flagged by Embedded_ANT_flag, reported as 5)."""
    with netCDF4.Dataset(path) as ds:
        ds.set_auto_mask(False)
        get = lambda name: np.asarray(ds[name][:]).astype(np.int64)  # noqa: E731
        size = get("Bin_size_in_minutes")[0] / 60.0
        nx = get("N_bins_in_360_longitude_range")[0]
        first, nseg = get("Id_of_first_segment_in_a_bin"), get("N_segments_in_a_bin")
        info, start = get("Embedded_npts_levels_exit_entry_for_a_segment"), \
            get("Id_of_first_point_in_a_segment")
        ant = get("Embedded_ANT_flag")
        dx = get("Relative_longitude_from_SW_corner_of_bin") & 0xFFFF
        dy = get("Relative_latitude_from_SW_corner_of_bin") & 0xFFFF
    out = []
    for b in range(first.size):
        lon_sw, lat_sw = (b % nx) * size, 90.0 - (b // nx + 1) * size
        for s in range(first[b], first[b] + nseg[b]):
            n, level = info[s] >> 9, (info[s] >> 6) & 7
            if ant[s]:
                level = 5
            p = slice(start[s], start[s] + n)
            out.append((int(level), lon_sw + dx[p] * size / 65535.0,
                        lat_sw + dy[p] * size / 65535.0))
    return out


# ----------------------------------------------------------------------------- the command

REPORT_PATTERNS = {
    "image": r"wrote \S+ \((\d+)x(\d+) px\)",
    "projection": r"projection: (\S+) \(",
    "crs": r"projection: \S+ \((.*)\)\n",
    "order": r"order: (\d+) of level (\d+)",
    "map": r"map area: x0=(\d+) y0=(\d+) width=(\d+) height=(\d+)",
    "extent": r"extent: x_min=(\S+) x_max=(\S+) y_min=(\S+) y_max=(\S+)",
    "range": r"range: (\S+) \.\. (\S+) \(",
    "colorbar": r"colorbar: x0=(\d+) y0=(\d+) width=(\d+) height=(\d+)",
    "cells": r", (\d+) cells with data, (\d+) map pixels with data",
    "graticule": r"graticule: (\S+) deg latitude, (\S+) deg longitude",
}


def on_map(report, ids, level, convention):
    """Which cells the default colour range is taken from (README, render --range): those
    whose centre, projected by pyproj, lies on the map area widened by two cells (of the
    authalic sphere: the side of a cell of equal area) on each side, and, on a polar map, in its
    hemisphere."""
    lon, lat = cell_centres(ids, level, convention)
    x, y = transformer(report).transform(lon, lat)
    margin = 2 * 6371007.2 * np.sqrt(4 * np.pi / (12 * 4.0 ** level))
    x0, x1, y0, y1 = report["extent"]
    inside = (x >= x0 - margin) & (x <= x1 + margin) & (y >= y0 - margin) & (y <= y1 + margin)
    if report["projection"] == "south-polar-stereo":
        inside &= lat <= 0
    if report["projection"] == "north-polar-stereo":
        inside &= lat >= 0
    return inside


def parse_report(text):
    """The figures `healgrid render` prints, as a dict of tuples (missing keys absent)."""
    out = {}
    for key, pattern in REPORT_PATTERNS.items():
        m = re.search(pattern, text)
        if m:
            out[key] = tuple(g if key in ("projection", "crs") else float(g) for g in m.groups())
    for key in ("projection", "crs"):
        if key in out:
            out[key] = out[key][0]
    out["inside_labels"] = [tuple(int(v) for v in m.groups()) for m in re.finditer(
        r"graticule label inside: x0=(-?\d+) y0=(-?\d+) width=(\d+) height=(\d+)", text)]
    return out


def transformer(report):
    """pyproj lon/lat -> map CRS of a report (its printed PROJ definition)."""
    return pyproj.Transformer.from_crs("EPSG:4326", report["crs"], always_xy=True)


def run_render(args, nprocs=1, timeout=120):
    """Run `mpirun -np N healgrid render ARGS`; (rc, combined output)."""
    mpiexec = os.environ.get("MPIEXEC") or "mpirun"
    cmd = [mpiexec, "-np", str(nprocs), "--oversubscribe", os.environ["HEALGRID_BIN"],
           "render"] + [str(a) for a in args]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", timeout=timeout, check=False)
    return proc.returncode, proc.stdout


def load_png(path):
    """(H, W, 3) uint8 pixels of an RGB PNG."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def expected_map(report, ids, values, level, convention, cmap, log):
    """Reference map area: (expected RGB (H, W, 3), colour index or -1 per pixel) of the cells
    `ids` (at `level`, the drawn order) with their values."""
    _, _, width, height = (int(v) for v in report["map"])
    x_min, x_max, y_min, y_max = report["extent"]
    lo, hi = report["range"]
    pixel = (x_max - x_min) / width
    cols, rows = np.meshgrid(np.arange(width), np.arange(height))
    xs = x_min + (cols.ravel() + 0.5) * pixel
    ys = y_max - (rows.ravel() + 0.5) * pixel
    lon, lat = transformer(report).transform(xs, ys, direction="INVERSE")
    lon, lat = np.asarray(lon), np.asarray(lat)
    valid = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90)
    has = ~np.isnan(values)
    data_ids, data_values = ids[has], values[has]
    index = np.full(xs.size, -1)
    rgb = np.tile(np.array(PAGE, np.uint8), (xs.size, 1))
    rgb[valid] = MAP_BACKGROUND
    cells = cell_index(lat[valid], lon[valid], level, convention)
    pos = np.minimum(np.searchsorted(data_ids, cells), max(data_ids.size - 1, 0))
    found = data_ids.size > 0
    found = (data_ids[pos] == cells) if found else np.zeros(cells.size, bool)
    k = colour_index(data_values[pos[found]], lo, hi, log)
    where = np.flatnonzero(valid)[found]
    index[where] = k
    rgb[where] = colormap_table(cmap)[k]
    return rgb.reshape(height, width, 3), index.reshape(height, width)


def map_area(image, report):
    """The map-area pixels of the whole picture."""
    x0, y0, width, height = (int(v) for v in report["map"])
    return image[y0:y0 + height, x0:x0 + width]


def compare_map(checks, label, image, report, expected, index, cmap, tolerance=1e-4):
    """Every map pixel equals the reference colour (data pixels may use a neighbouring table
    entry: t computed in another order can round across an entry boundary)."""
    got = map_area(image, report).astype(int)
    exp = expected.astype(int)
    same = np.all(got == exp, axis=2)
    table = colormap_table(cmap).astype(int)
    data = index >= 0
    for step in (-1, 1):
        neighbour = table[np.clip(index + step, 0, 255)]
        same |= data & np.all(got == neighbour, axis=2)
    bad = np.argwhere(~same)
    limit = max(2, int(tolerance * same.size))
    detail = "; ".join(f"(row {r}, col {c}): got {tuple(got[r, c])}, expected {tuple(exp[r, c])}"
                       for r, c in bad[:5])
    checks.check(bad.shape[0] <= limit,
                 f"{label}: {bad.shape[0]} of {same.size} map pixels differ from the reference "
                 f"(allowed {limit}): {detail}")
    return int(data.sum())


def forward_pixels(report, lon, lat):
    """(col, row) in the map area of geodetic points, by pyproj's forward projection."""
    _, _, width, height = (int(v) for v in report["map"])
    x_min, x_max, _, y_max = report["extent"]
    pixel = (x_max - x_min) / width
    x, y = transformer(report).transform(lon, lat)
    return (np.floor((np.asarray(x) - x_min) / pixel).astype(int),
            np.floor((y_max - np.asarray(y)) / pixel).astype(int))
