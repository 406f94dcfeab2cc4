"""Independent numpy + healpy reference implementation of what healgrid computes.

Written from the healgrid SPEC (config format, point validity, binning, statistics), not from
the C++ sources, so that the end-to-end tests compare two independent calculations.

    reference_grid(config_path, granule_paths, parent_order=None, child_order=None) -> dict

returns:
    cell_ids             uint64, strictly increasing: with layout="dense" (default) every child
                         cell of every parent cell holding >= 1 used point; with
                         layout="sparse" only the cells holding >= 1 used point
    <statistic name>     one array per configured statistic, aligned with cell_ids:
                         count -> int32 (0 where empty), every other function -> float64 (NaN
                         where empty)
    points_used          total number of used points (int)
    granule_points_used  {file basename: number of used points of that granule}
    units                {statistic name: units attribute of its variable's dataset, or None}

Everything is computed in float64 from the stored values; quantiles use numpy.quantile's
default (linear) method.
"""

import os

import h5py
import healpy
import numpy as np
import yaml

# WGS84 first eccentricity squared, as fixed by the SPEC.
WGS84_E2 = 0.00669437999014

RESERVED_KEYS = ("cell_ids", "points_used", "granule_points_used", "units")

FILTER_OPS = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}

FLOAT_FUNCTIONS = ("min", "max", "sum", "mean", "weighted_mean", "weighted_mean_sigma",
                   "variance", "std", "quantile")


def load_config(config_path):
    """Parse the healgrid YAML config into a plain dict (no validation beyond what we use)."""
    with open(config_path, "r", encoding="utf-8") as stream:
        cfg = yaml.safe_load(stream)
    for stat in cfg["statistics"]:
        if stat["name"] in RESERVED_KEYS:
            raise ValueError(f"statistic name {stat['name']!r} clashes with a reference key")
        func = stat["function"]
        if func != "count" and func not in FLOAT_FUNCTIONS:
            raise ValueError(f"unknown statistic function {func!r}")
    return cfg


def authalic_latitude_deg(lat_deg):
    """WGS84 geodetic latitude (degrees) -> authalic latitude (degrees), beta = asin(q/q_p)."""
    e2 = WGS84_E2
    e = np.sqrt(e2)

    def q(sin_phi):
        log_term = np.log((1.0 - e * sin_phi) / (1.0 + e * sin_phi))
        return (1.0 - e2) * (sin_phi / (1.0 - e2 * sin_phi * sin_phi)
                             - (1.0 / (2.0 * e)) * log_term)

    ratio = q(np.sin(np.radians(lat_deg))) / q(1.0)
    return np.degrees(np.arcsin(np.clip(ratio, -1.0, 1.0)))


def cell_index(lat_deg, lon_deg, order, convention):
    """Nested HEALPix cell at `order` of geodetic (lat, lon) in degrees under `convention`."""
    if convention == "authalic":
        lat_deg = authalic_latitude_deg(lat_deg)
    elif convention != "geodetic":
        raise ValueError(f"unknown latitude convention {convention!r}")
    theta = np.pi / 2.0 - np.radians(lat_deg)
    phi = np.mod(np.radians(lon_deg), 2.0 * np.pi)
    return healpy.ang2pix(2 ** order, theta, phi, nest=True).astype(np.uint64)


def _fill_value(dataset):
    """The dataset's _FillValue attribute as a scalar, or None."""
    if "_FillValue" not in dataset.attrs:
        return None
    return np.asarray(dataset.attrs["_FillValue"]).ravel()[0]


def _units(dataset):
    """The dataset's units attribute as str, or None."""
    units = dataset.attrs.get("units")
    if units is None:
        return None
    units = np.asarray(units).ravel()[0] if np.ndim(units) else units
    return units.decode() if isinstance(units, bytes) else str(units)


# GPS -> UTC: GPS time runs ahead of UTC by the leap seconds since 1980 (IERS Bulletin C):
# 17 s from 2015-07-01, 18 s from 2017-01-01 (none announced since).
GPS_EPOCH_POSIX = 315964800  # 1980-01-06T00:00:00Z
GPS_LEAP_SECONDS = ((1483228800, 18), (1435708800, 17))  # (UTC start, GPS - UTC)


def icesat2_utc_seconds(h5, delta_time):
    """POSIX UTC seconds of ICESat-2 delta_time values (seconds since atlas_sdp_gps_epoch)."""
    gps = float(np.asarray(h5["/ancillary_data/atlas_sdp_gps_epoch"][()]).ravel()[0]) + \
        np.asarray(delta_time, np.float64)
    utc = GPS_EPOCH_POSIX + gps - 18
    finite = utc[np.isfinite(utc)]
    if finite.size and finite.min() < GPS_LEAP_SECONDS[0][0]:
        raise ValueError("times before 2017: extend GPS_LEAP_SECONDS")
    return utc


def read_beam(h5, group, cfg, units, with_time=False):
    """Used points of one beam: (lat, lon, {variable: float64 values}); None if the beam is skipped.

    A row is used iff every filter holds, lat/lon are finite with lat in [-90, 90] and differ
    from their datasets' _FillValue (when they have one), and every configured variable is
    finite and differs from its dataset's _FillValue; variables used as `sigma` must also be
    > 0. `units` is filled with each variable's units attribute. `with_time`: a fourth item,
    each used point's UTC time (ICESat-2 coordinates.time; a time equal to its fill is unused).
    """
    if group not in h5:
        return None
    coords = cfg["coordinates"]
    lat_path = coords["latitude"].format(group=group)
    if lat_path not in h5:
        return None
    lat_dset, lon_dset = h5[lat_path], h5[coords["longitude"].format(group=group)]
    lat = lat_dset[()].astype(np.float64)
    lon = lon_dset[()].astype(np.float64)
    # A longitude is wrapped within two turns; beyond (a -9999 sentinel) it is no position.
    ok = np.isfinite(lat) & (np.abs(lon) <= 720.0) & (lat >= -90.0) & (lat <= 90.0)
    # A coordinate equal to its dataset's _FillValue is missing, even inside the valid range.
    for values, dset in ((lat, lat_dset), (lon, lon_dset)):
        fill = _fill_value(dset)
        if fill is not None:
            ok &= values != fill

    for flt in cfg.get("filters") or []:
        data = h5[flt["dataset"].format(group=group)][()]
        ok &= FILTER_OPS[flt["op"]](data, flt["value"])

    sigma_vars = {s["sigma"] for s in cfg["statistics"] if s.get("sigma")}
    values = {}
    for name, path in cfg["variables"].items():
        dset = h5[path.format(group=group)]
        raw = dset[()]
        ok &= np.isfinite(raw)
        fill = _fill_value(dset)
        if fill is not None:
            ok &= raw != fill
        values[name] = raw.astype(np.float64)
        units.setdefault(name, _units(dset))
    for name in sigma_vars:
        with np.errstate(invalid="ignore"):
            ok &= values[name] > 0
    if not with_time:
        return lat[ok], lon[ok], {name: v[ok] for name, v in values.items()}
    time_dset = h5[coords["time"].format(group=group)]
    raw = time_dset[()]
    ok &= np.isfinite(raw)
    fill = _fill_value(time_dset)
    if fill is not None:
        ok &= raw != fill
    times = icesat2_utc_seconds(h5, raw)
    return lat[ok], lon[ok], {name: v[ok] for name, v in values.items()}, times[ok]


def read_granule(path, cfg, units):
    """Concatenated used points of every configured beam of one granule."""
    lats, lons, vals = [], [], {name: [] for name in cfg["variables"]}
    with h5py.File(path, "r") as h5:
        for group in cfg["groups"]:
            beam = read_beam(h5, group, cfg, units)
            if beam is None:
                continue
            lats.append(beam[0])
            lons.append(beam[1])
            for name in vals:
                vals[name].append(beam[2][name])
    cat = lambda parts: np.concatenate(parts) if parts else np.empty(0)  # noqa: E731
    return cat(lats), cat(lons), {name: cat(parts) for name, parts in vals.items()}


def _group_by_cell(cells):
    """Sort order and segment starts of equal cells: (order, unique cells, starts, counts)."""
    order = np.argsort(cells, kind="stable")
    sorted_cells = cells[order]
    starts = np.flatnonzero(np.r_[True, sorted_cells[1:] != sorted_cells[:-1]]) \
        if sorted_cells.size else np.empty(0, dtype=np.intp)
    counts = np.diff(np.r_[starts, sorted_cells.size])
    return order, sorted_cells[starts], starts, counts


def cell_statistic(stat, values, starts, counts):
    """One statistic for every cell with data; `values` are already sorted by cell."""
    func = stat["function"]
    if func == "count":
        return counts.astype(np.int32)
    x = values[stat["variable"]]
    if func == "min":
        return np.minimum.reduceat(x, starts)
    if func == "max":
        return np.maximum.reduceat(x, starts)
    if func == "sum":
        return np.add.reduceat(x, starts)
    if func == "mean":
        return np.add.reduceat(x, starts) / counts
    if func in ("weighted_mean", "weighted_mean_sigma"):
        # `weight:` (a variable, or an expression whose values the caller supplies under its
        # text) instead of `sigma:` (w = 1/sigma^2).
        w = values[stat["weight"]] if stat.get("weight") else 1.0 / values[stat["sigma"]] ** 2
        sum_w = np.add.reduceat(w, starts)
        if func == "weighted_mean":
            return np.add.reduceat(x * w, starts) / sum_w
        return 1.0 / np.sqrt(sum_w)
    if func in ("variance", "std"):
        mean = np.add.reduceat(x, starts) / counts
        dev = x - np.repeat(mean, counts)
        var = np.add.reduceat(dev * dev, starts) / counts
        return var if func == "variance" else np.sqrt(var)
    if func == "quantile":
        q = float(stat["q"])
        ends = starts + counts
        return np.array([np.quantile(x[s:e], q) for s, e in zip(starts, ends)])
    raise ValueError(f"unknown statistic function {func!r}")


def full_children(data_cells, parent_order, child_order):
    """Every child cell (at child_order) of each parent cell that holds a data cell, increasing."""
    shift = np.uint64(2 * (child_order - parent_order))
    parents = np.unique(data_cells >> shift)
    children = np.arange(4 ** (child_order - parent_order), dtype=np.uint64)
    return ((parents[:, None] << shift) + children[None, :]).ravel()


def reference_grid(config_path, granule_paths, parent_order=None, child_order=None,
                   layout="dense"):
    """Reference HEALPix gridded statistics of `granule_paths` under the config (see module doc).

    parent_order / child_order override the config's grid orders (like the CLI flags); layout
    is "dense" or "sparse" (which cells cell_ids lists).
    """
    cfg = load_config(config_path)
    grid = cfg["grid"]
    parent_order = int(grid["parent_order"] if parent_order is None else parent_order)
    child_order = int(grid["child_order"] if child_order is None else child_order)
    convention = grid.get("latitude", "authalic")

    units = {}
    cells_parts, value_parts = [], {name: [] for name in cfg["variables"]}
    per_granule = {}
    for path in granule_paths:
        lat, lon, vals = read_granule(path, cfg, units)
        per_granule[os.path.basename(path)] = int(lat.size)
        cells_parts.append(cell_index(lat, lon, child_order, convention))
        for name in value_parts:
            value_parts[name].append(vals[name])

    cells = np.concatenate(cells_parts) if cells_parts else np.empty(0, dtype=np.uint64)
    values = {name: np.concatenate(parts) for name, parts in value_parts.items()}
    result = grid_cells(cfg, cells, values, parent_order, child_order, units, layout)
    result["granule_points_used"] = per_granule
    return result


def grid_points(cfg, lat, lon, values, units=None):
    """Statistics of already-selected points (float64 lat, lon and {variable: values}) under the
    config's grid and statistics: for product tests that select the points from the product's
    meaning themselves. Returns the keys of reference_grid() but granule_points_used."""
    grid = cfg["grid"]
    cells = cell_index(np.asarray(lat, np.float64), np.asarray(lon, np.float64),
                       int(grid["child_order"]), grid.get("latitude", "authalic"))
    return grid_cells(cfg, cells, values, int(grid["parent_order"]), int(grid["child_order"]),
                      units or {})


def grid_cells(cfg, cells, values, parent_order, child_order, units, layout="dense"):
    """Statistics per cell of points already binned into `cells` (see grid_points)."""
    order, data_cells, starts, counts = _group_by_cell(cells)
    values = {name: np.asarray(v, np.float64)[order] for name, v in values.items()}

    if layout == "sparse":
        cell_ids = np.asarray(data_cells, dtype=np.uint64)
    else:
        cell_ids = full_children(data_cells, parent_order, child_order)
    where = np.searchsorted(cell_ids, data_cells)
    result = {
        "cell_ids": cell_ids,
        "points_used": int(cells.size),
        "units": {},
    }
    for stat in cfg["statistics"]:
        per_cell = cell_statistic(stat, values, starts, counts) if data_cells.size else None
        if stat["function"] == "count":
            out = np.zeros(cell_ids.size, dtype=np.int32)
        else:
            out = np.full(cell_ids.size, np.nan, dtype=np.float64)
            result["units"][stat["name"]] = units.get(stat["variable"])
        if per_cell is not None:
            out[where] = per_cell
        result[stat["name"]] = out
    return result


def read_points_with_time(paths, cfg):
    """Every used point of the granules, in granule and beam order, with its UTC time:
    (lat, lon, {variable: values}, time, granule basename per point)."""
    lats, lons, times, names = [], [], [], []
    vals = {name: [] for name in cfg["variables"]}
    for path in paths:
        with h5py.File(path, "r") as h5:
            for group in cfg["groups"]:
                beam = read_beam(h5, group, cfg, {}, with_time=True)
                if beam is None:
                    continue
                lats.append(beam[0])
                lons.append(beam[1])
                times.append(beam[3])
                names += [os.path.basename(path)] * beam[0].size
                for name in vals:
                    vals[name].append(beam[2][name])
    cat = lambda parts: np.concatenate(parts) if parts else np.empty(0)  # noqa: E731
    return (cat(lats), cat(lons), {n: cat(p) for n, p in vals.items()}, cat(times),
            np.array(names))
