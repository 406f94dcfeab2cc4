#!/usr/bin/env python3
"""The output's metadata contract with the Python ecosystem (docs/conventions.md), on real runs.

xdggs is not packaged for Debian, so its two decoders are re-implemented here, line for line, in
the part that reads attributes (the DGGS index they then build only needs the ids):
  - the default decoder, xdggs 0.6.0 (tag 0.6.0): xdggs/conventions/xdggs.py `Xdggs.decode`
    (grid_info = every attribute of `cell_ids`), xdggs/healpix.py `HealpixInfo.from_dict` (key
    translations nside/order/depth/resolution -> level, nest -> indexing_scheme) and
    xdggs/grid.py `translate_parameters` (drops grid_name, refuses duplicates), then
    `HealpixInfo(**params)`: a dataclass of level, indexing_scheme, ellipsoid, so any other key
    is a TypeError, plus its __post_init__ checks;
  - the "cf" decoder, xdggs/conventions/cf.py `Cf.decode`: exactly one variable with
    grid_mapping_name; the index coordinate found with xarray's own
    `filter_by_attrs(standard_name=f"{grid_mapping_name}_index")`; grid_info = the grid
    mapping's attributes with grid_mapping_name -> grid_name, refinement_level -> level. In
    0.6.0 every other attribute goes to HealpixInfo unchanged (so a CF ellipsoid is refused); on
    xdggs main since be42c08 ("properly decode and encode ellipsoids for the cf convention",
    #228, June 2026) semi_major_axis / semi_minor_axis / earth_radius / inverse_flattening /
    reference_ellipsoid_name become the `ellipsoid` dict.
Both are run on the file as users open it (xarray.open_dataset), and the grid they decode is
compared with the run's own: level = child order, nested, WGS84 (a = 6378137 m,
1/f = 298.257223563) for authalic latitudes, a sphere for geodetic ones. The CF-1.13
requirements of conformance.adoc section 5.6 / Appendix F "HEALPix" that apply are checked with
netCDF4 on the raw file.

Runs: the real ATL06 granules at 2 ranks (authalic, the shipped config, dense layout), at 3
ranks with the geodetic variant (parent 4, child 10, sparse layout) and overview levels 2 and 7,
at 3 ranks sparse at child order 18 (authalic), and at 2 ranks with the geodetic variant in
authalic latitudes and overview levels 3, 4 and 9: the contract is the same for both layouts
(the global healgrid_layout names the one written; a sparse file lists only cells with data),
and every overview group (`overviews/order_NN`, opened with xr.open_dataset(f, group=...))
passes the same decoder and CF checks at its own order. Time-windowed files (monthly windows,
statistics on (time, cell_ids), a CF time coordinate with bounds) at 2 ranks dense and 3 ranks
sparse with overview levels 3 and 9 (each group on (time, cell_ids) with its own time axis)
pass the same checks.
"""

import os
import shutil
import sys

import common  # isort: skip (fails clearly when numpy, netCDF4, xarray... are missing)
from common import Checks  # isort: skip

import netCDF4  # noqa: E402
import numpy as np  # noqa: E402
import output_schema as schema  # noqa: E402 (tests/reference, on the path set by common)
import xarray  # noqa: E402

WGS84 = {"semimajor_axis": schema.WGS84_SEMI_MAJOR_AXIS,
         "inverse_flattening": schema.WGS84_INVERSE_FLATTENING}
INTEGER_KINDS = "iu"


# ----------------------------------------------------------------------- xdggs, re-implemented

def healpix_info_from_dict(mapping):
    """xdggs 0.6.0 HealpixInfo.from_dict + HealpixInfo(**params): the decoded grid, or raises."""
    translations = {"nside": "level", "order": "level", "resolution": "level", "depth": "level",
                    "nest": "indexing_scheme", "ellipsoid": "ellipsoid"}
    params = {}
    for key, value in mapping.items():
        name = translations.get(key, key)
        if key == "nside":
            value = int(np.log2(value))
        if key == "nest":
            value = "nested" if value else "ring"
        if name in params:
            raise ValueError(f"Parameter {name} received multiple values")
        params[name] = value
    params.pop("grid_name", None)
    unexpected = set(params) - {"level", "indexing_scheme", "ellipsoid"}
    if unexpected:  # the dataclass constructor's TypeError
        raise TypeError(f"HealpixInfo.__init__() got unexpected keyword arguments {unexpected}")
    if "level" not in params:
        raise TypeError("HealpixInfo.__init__() missing 1 required positional argument: 'level'")
    scheme = params.get("indexing_scheme", "nested")
    if scheme not in ("nested", "ring", "zuniq"):
        raise ValueError(f"indexing scheme {scheme!r} not supported")
    if scheme in ("nested", "ring") and params["level"] not in range(0, 30):
        raise ValueError("level must be an integer in the range of [0, 29]")
    ellipsoid = params.get("ellipsoid")
    if isinstance(ellipsoid, dict) and not ("semimajor_axis" in ellipsoid or
                                            "radius" in ellipsoid):
        raise ValueError(f"unknown ellipsoid definition: {ellipsoid}")  # parse_ellipsoid
    return {"level": int(params["level"]), "indexing_scheme": scheme, "ellipsoid": ellipsoid}


def decode_xdggs(ds):
    """xdggs.decode(ds): (coordinate name, grid info) or raises, as xdggs 0.6.0 does."""
    var = ds[schema.CELL_IDS]
    if len(var.dims) != 1:
        raise ValueError(f"cell id coordinate must be 1D, has {var.dims}")
    if var.attrs.get("grid_name") != "healpix":
        raise ValueError(f"unknown grid name: {var.attrs.get('grid_name')!r}")
    return schema.CELL_IDS, healpix_info_from_dict(dict(var.attrs))


CF_ELLIPSOID_KEYS = {"semi_major_axis": "semimajor_axis", "semi_minor_axis": "semiminor_axis",
                     "earth_radius": "radius", "reference_ellipsoid_name": "name",
                     "inverse_flattening": "inverse_flattening"}


def decode_cf(ds, release="main"):
    """xdggs.decode(ds, convention="cf"): (coordinate name, grid info) or raises.

    release "0.6.0": the tagged release; "main": with the ellipsoid translation of be42c08."""
    mappings = [name for name, var in ds.variables.items() if "grid_mapping_name" in var.attrs]
    if len(mappings) != 1:
        raise ValueError(f"requires exactly one grid mapping variable, got {mappings}")
    crs = ds.variables[mappings[0]]
    standard_name = f"{crs.attrs['grid_mapping_name']}_index"
    found = list(ds.drop_vars(mappings).filter_by_attrs(standard_name=standard_name).variables)
    if not found:
        raise ValueError("cannot find the cell index variable")
    attrs = dict(crs.attrs)
    ellipsoid = {}
    if release == "main":
        ellipsoid = {CF_ELLIPSOID_KEYS[k]: attrs.pop(k) for k in list(attrs)
                     if k in CF_ELLIPSOID_KEYS}
    rename = {"grid_mapping_name": "grid_name", "refinement_level": "level"}
    grid_info = {rename.get(k, k): v for k, v in attrs.items()}
    if ellipsoid:
        grid_info["ellipsoid"] = ellipsoid
    if grid_info["grid_name"] != "healpix":
        raise ValueError(f"unknown grid name: {grid_info['grid_name']!r}")
    return found[0], healpix_info_from_dict(grid_info)


# ----------------------------------------------------------------------- the checks

def expected_grid(child_order, authalic, spelling):
    """The grid both decoders must find; `spelling` of the ellipsoid: "name" or "cf"."""
    ellipsoid = None
    if authalic:
        ellipsoid = schema.WGS84 if spelling == "name" else WGS84
    return {"level": child_order, "indexing_scheme": "nested", "ellipsoid": ellipsoid}


def same_grid(got, want):
    if (got["level"], got["indexing_scheme"]) != (want["level"], want["indexing_scheme"]):
        return False
    if isinstance(want["ellipsoid"], dict):
        return isinstance(got["ellipsoid"], dict) and set(got["ellipsoid"]) == set(
            want["ellipsoid"]) and all(float(got["ellipsoid"][k]) == v
                                       for k, v in want["ellipsoid"].items())
    return got["ellipsoid"] == want["ellipsoid"]


def check_decoders(checks, label, ds, child_order, authalic):
    """Both xdggs decoders on the file as xarray opens it."""
    ids = np.asarray(ds[schema.CELL_IDS].values)
    try:
        name, grid = decode_xdggs(ds)
        checks.check(same_grid(grid, expected_grid(child_order, authalic, "name")),
                     f"{label}: xdggs default decoder found {grid}")
    except (TypeError, ValueError) as e:
        checks.fail(f"{label}: xdggs default decoder (0.6.0) refuses the file: {e}")
    try:
        name, grid = decode_cf(ds, "main")
        checks.check(same_grid(grid, expected_grid(child_order, authalic, "cf")),
                     f"{label}: xdggs cf decoder found {grid}")
        coord = ds[name]
        checks.check(coord.dims == (schema.CELL_DIM,) and np.array_equal(coord.values, ids),
                     f"{label}: the cf decoder's index coordinate {name} {coord.dims} does not "
                     "hold the cell ids")
    except (TypeError, ValueError) as e:
        checks.fail(f"{label}: xdggs cf decoder (main) refuses the file: {e}")
    # The released 0.6.0 cf decoder passes semi_major_axis on to HealpixInfo: it can read a
    # sphere only (docs/conventions.md says so; this keeps that statement true).
    try:
        _, grid = decode_cf(ds, "0.6.0")
        checks.check(not authalic and same_grid(grid, expected_grid(child_order, False, "cf")),
                     f"{label}: xdggs 0.6.0 cf decoder found {grid}")
    except TypeError as e:
        checks.check(authalic and "semi_major_axis" in str(e),
                     f"{label}: xdggs 0.6.0 cf decoder: unexpected refusal {e}")


def check_cf(checks, label, path, child_order, authalic):
    """CF-1.13 (conformance 5.6, Appendix F HEALPix) on the raw file with netCDF4."""
    with netCDF4.Dataset(path) as nc:
        check_cf_group(checks, label, nc, child_order, authalic)


def check_layout(checks, label, path, layout):
    """The global healgrid_layout; a sparse file lists only cells holding a point."""
    with netCDF4.Dataset(path) as nc:
        got = nc.getncattr(schema.LAYOUT) if schema.LAYOUT in nc.ncattrs() else None
        checks.check(got == layout, f"{label}: {schema.LAYOUT} = {got!r}, expected {layout!r}")
        if layout == schema.SPARSE:
            count = np.asarray(nc["count"][:])
            if count.ndim == 2:  # time windows: a cell holds a point in some window
                count = count.max(axis=0)
            checks.check(count.size > 0 and count.min() > 0,
                         f"{label}: a sparse file holds a cell without points")


def check_cf_group(checks, label, nc, child_order, authalic):
    """check_cf on an open netCDF4 Dataset or Group (an overview level: its own crs, index and
    cell_ids at its order)."""
    # CF-1.8 on (section 2.7): Conventions is a root group attribute only.
    is_root = getattr(nc, "parent", None) is None
    if is_root:
        checks.check(nc.getncattr(schema.CONVENTIONS) == schema.CONVENTIONS_VALUE,
                     f"{label}: Conventions = {nc.getncattr(schema.CONVENTIONS)!r}")
    else:
        checks.check(schema.CONVENTIONS not in nc.ncattrs(),
                     f"{label}: a group carries Conventions (CF: root group only)")
    crs = nc[schema.CRS]
    attrs = {k: crs.getncattr(k) for k in crs.ncattrs()}
    want = {"grid_mapping_name", "indexing_scheme", "refinement_level"}
    if authalic:
        want |= {"semi_major_axis", "inverse_flattening"}
    checks.check(set(attrs) == want and crs.dimensions == (),
                 f"{label}: crs {crs.dimensions} attributes {sorted(attrs)}, expected "
                 f"{sorted(want)} on a scalar")
    checks.check(attrs.get("grid_mapping_name") == "healpix" and
                 attrs.get("indexing_scheme") == "nested", f"{label}: crs {attrs}")
    level = attrs.get("refinement_level")
    checks.check(np.asarray(level).dtype.kind in INTEGER_KINDS and int(level) == child_order,
                 f"{label}: refinement_level {level!r}, expected integer {child_order}")
    if authalic:  # Table F.1: numeric
        checks.check(float(attrs["semi_major_axis"]) == schema.WGS84_SEMI_MAJOR_AXIS and
                     float(attrs["inverse_flattening"]) == schema.WGS84_INVERSE_FLATTENING,
                     f"{label}: ellipsoid {attrs}")
    index = [n for n, v in nc.variables.items()
             if getattr(v, "standard_name", None) == "healpix_index"]
    checks.check(index == [schema.HEALPIX_INDEX], f"{label}: healpix_index variables {index}")
    var = nc[schema.HEALPIX_INDEX]
    values = var[:]
    checks.check(var.dtype.kind in INTEGER_KINDS and values.min() >= 0 and
                 var.dimensions == (schema.CELL_DIM,) and
                 np.array_equal(values, nc[schema.CELL_IDS][:]),
                 f"{label}: healpix_index {var.dtype} {var.dimensions}: not the cell ids")
    cell = nc[schema.CELL_IDS]
    cell_attrs = set(cell.ncattrs())
    want_cell = {"grid_name", "level", "indexing_scheme"} | ({"ellipsoid"} if authalic
                                                             else set())
    checks.check(cell_attrs == want_cell, f"{label}: cell_ids attributes {sorted(cell_attrs)},"
                 f" expected exactly {sorted(want_cell)} (xdggs)")
    ids = cell[:]
    checks.check(np.all(ids[1:] > ids[:-1]), f"{label}: cell_ids not strictly monotonic")
    for name, v in nc.variables.items():
        if v.dimensions not in ((schema.CELL_DIM,), (schema.TIME_DIM, schema.CELL_DIM)) or \
                name in (schema.CELL_IDS, schema.HEALPIX_INDEX):
            continue
        checks.check(v.getncattr("grid_mapping") == schema.CRS and
                     schema.HEALPIX_INDEX in v.getncattr("coordinates").split(),
                     f"{label}: {name} grid_mapping / coordinates do not name crs and "
                     "healpix_index")


def overview_group(order):
    """The group of an overview level, as xr.open_dataset(f, group=...) takes it."""
    return f"{schema.OVERVIEWS_GROUP}/{schema.OVERVIEW_ORDER_PREFIX}{order:02d}"


def check_overview_groups(checks, label, out, orders, authalic):
    """Each overview level's group decodes on its own with both xdggs decoders (its level = its
    order) and meets the CF-1.13 contract of the root group."""
    for order in orders:
        group = overview_group(order)
        try:
            with xarray.open_dataset(out, group=group) as ds:
                check_decoders(checks, f"{label} {group}", ds, order, authalic)
        except OSError as e:
            checks.fail(f"{label}: xarray cannot open group {group}: {e}")
            continue
        with netCDF4.Dataset(out) as nc:
            check_cf_group(checks, f"{label} {group}", nc[group], order, authalic)


def check_time_coordinate(checks, label, path, group=None):
    """CF 4.4 / 7.1 on the raw file (or one of its groups); xarray decodes time and its bounds
    to datetime64."""
    if not os.path.exists(path):
        return
    with netCDF4.Dataset(path) as root:
        nc = root[group] if group else root
        time = nc[schema.TIME]
        attrs = {k: time.getncattr(k) for k in time.ncattrs()}
        checks.check(attrs.get("standard_name") == "time" and
                     attrs.get("calendar") == "standard" and
                     attrs.get("units", "").startswith("seconds since 1970-01-01") and
                     attrs.get("bounds") == schema.TIME_BOUNDS,
                     f"{label}: time attributes {attrs}")
        bnds = nc[schema.TIME_BOUNDS]
        checks.check(bnds.ncattrs() == [] and bnds.dimensions[0] == schema.TIME_DIM,
                     f"{label}: time_bnds {bnds.dimensions} attributes {bnds.ncattrs()}")
        starts, bounds = np.asarray(time[:]), np.asarray(bnds[:])
        checks.check(np.all((bounds[:, 0] <= starts) & (starts <= bounds[:, 1])) and
                     np.all(starts[1:] > starts[:-1]),
                     f"{label}: time {starts} not within its bounds / increasing")
    with xarray.open_dataset(path, group=group) as ds:
        checks.check(np.issubdtype(ds[schema.TIME].dtype, np.datetime64) and
                     np.issubdtype(ds[schema.TIME_BOUNDS].dtype, np.datetime64),
                     f"{label}: xarray decodes time as {ds[schema.TIME].dtype}")


def check_provenance_text(checks, label, ds, inputs):
    """The granule names and statuses reach xarray as text (str), not bytes: the inputs' base
    names, each used or empty (one real granule has no point of quality 0)."""
    names = list(ds[schema.GRANULE_NAME].values)
    statuses = list(ds[schema.GRANULE_STATUS].values)
    checks.check(all(isinstance(v, str) for v in names + statuses),
                 f"{label}: xarray reads the provenance as {[type(v) for v in names[:1]]} "
                 f"({ds[schema.GRANULE_NAME].attrs}): no {schema.ENCODING} attribute?")
    checks.check(sorted(names) == sorted(os.path.basename(f) for f in inputs),
                 f"{label}: granule names {names} are not the inputs' base names")
    checks.check(all(s == "used" or s.startswith("empty: ") for s in statuses),
                 f"{label}: statuses {statuses}")


def check_foreign_file_name(checks, tmp, granule):
    """A granule whose name is not UTF-8 (Latin-1 "caf\xe9", a POSIX name is bytes): the
    provenance keeps its bytes without claiming an encoding, and xarray still opens the file."""
    name = b"granule-caf\xe9.h5"
    path = os.path.join(tmp, os.fsdecode(name))
    shutil.copyfile(granule, path)
    out = os.path.join(tmp, "foreign-name.nc")
    if not common.run_healgrid_ok(["--input", path, "--output", out], 1, checks,
                                  "Latin-1 granule name"):
        return
    with xarray.open_dataset(out) as ds:
        names = list(ds[schema.GRANULE_NAME].values)
        checks.check(names == [name] and schema.ENCODING not in ds[schema.GRANULE_NAME].attrs,
                     f"Latin-1 granule name: provenance {names!r}, "
                     f"attributes {ds[schema.GRANULE_NAME].attrs}")


def run_and_check(checks, label, args, nprocs, out, child_order, authalic, layout,
                  overviews=()):
    if overviews:
        args = args + ["--overviews", ",".join(str(o) for o in overviews)]
    if not common.run_healgrid_ok(args + ["--layout", layout, "--output", out], nprocs, checks,
                                  label):
        return
    with xarray.open_dataset(out) as ds:
        check_decoders(checks, label, ds, child_order, authalic)
        inputs = [a for before, a in zip(args, args[1:]) if before == "--input"]
        check_provenance_text(checks, label, ds, inputs)
    check_cf(checks, label, out, child_order, authalic)
    check_layout(checks, label, out, layout)
    check_overview_groups(checks, label, out, overviews, authalic)


def main():
    files = common.real_atl06_files()
    cfg_path = common.config_path()
    cfg = common.load_config(cfg_path)
    checks = Checks("conventions (xdggs default + cf decoders, CF-1.13)")
    with common.temp_dir() as tmp:
        inputs = [a for f in files for a in ("--input", f)]
        authalic = cfg["grid"].get("latitude", "authalic") == "authalic"
        run_and_check(checks, "authalic np2 dense", ["--config", cfg_path] + inputs, 2,
                      os.path.join(tmp, "authalic.nc"), cfg["grid"]["child_order"], authalic,
                      schema.DENSE)
        variant = common.write_config_variant(cfg_path, os.path.join(tmp, "geodetic.yaml"),
                                              latitude="geodetic", parent_order=4, child_order=10)
        run_and_check(checks, "geodetic np3 sparse", ["--config", variant] + inputs, 3,
                      os.path.join(tmp, "geodetic.nc"), 10, False, schema.SPARSE,
                      overviews=(2, 7))
        run_and_check(checks, "authalic np3 sparse child 18",
                      ["--config", cfg_path, "--child-order", "18"] + inputs, 3,
                      os.path.join(tmp, "sparse18.nc"), 18, authalic, schema.SPARSE)
        run_and_check(checks, "authalic overviews np2 dense", ["--config", variant] + inputs +
                      ["--latitude", "authalic"], 2, os.path.join(tmp, "overviews.nc"), 10,
                      True, schema.DENSE, overviews=(3, 4, 9))
        # Time-windowed files (docs/conventions.md "Time windows"): statistics on
        # (time, cell_ids), the same grid contract, a CF time coordinate with bounds.
        # The sparse one has overview levels, each group with its own time axis.
        for label, nprocs, layout, overviews in (("time windows np2 dense", 2, schema.DENSE, ()),
                                                 ("time windows np3 sparse", 3, schema.SPARSE,
                                                  (3, 9))):
            windowed = os.path.join(tmp, f"windowed-{layout}.nc")
            run_and_check(checks, label, ["--config", cfg_path, "--time-windows", "month"] +
                          inputs, nprocs, windowed, cfg["grid"]["child_order"], authalic, layout,
                          overviews)
            check_time_coordinate(checks, label, windowed)
            for order in overviews:
                check_time_coordinate(checks, f"{label} {overview_group(order)}", windowed,
                                      overview_group(order))
        check_foreign_file_name(checks, tmp, files[0])
    checks.finish()


if __name__ == "__main__":
    sys.exit(main())
