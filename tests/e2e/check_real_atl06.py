#!/usr/bin/env python3
"""End-to-end check of healgrid on every real ATL06 granule, at --np N ranks.

1. Runs healgrid with config/atl06.yaml on every <shared>/data/real/*ATL06_*.h5 (each given as
   its own --input), opens the output with xarray.open_dataset, checks the output contract
   (dimensions, dtypes, fill values, CF/HEALPix attributes, global attributes, provenance) and
   compares EVERY statistic of EVERY cell with the independent reference (tests/reference).
2. Runs a variant config (latitude: geodetic, parent_order 4, child_order 10; the inputs given as
   one glob) and checks it matches the geodetic reference while the authalic reference at the
   same orders has different cells with data: the latitude convention really is applied.
"""

import os

# common first: it fails clearly when this interpreter lacks numpy, h5py, netCDF4...
import common  # isort: skip
from common import Checks  # isort: skip

import netCDF4  # noqa: E402
import numpy as np  # noqa: E402
import output_schema as schema  # noqa: E402 (tests/reference, on the path set by common)

VARIANT = {"latitude": "geodetic", "parent_order": 4, "child_order": 10}


def check_cell_ids(checks, ds, parent_order, child_order, authalic):
    """cell_ids: uint64, strictly increasing, whole parents only in a dense file (a sparse one
    lists the cells with data: compared with the reference by compare_to_reference), HEALPix
    attributes."""
    var = ds["cell_ids"]
    ids = np.asarray(var.values)
    checks.check(var.dims == ("cell_ids",), f"cell_ids dims {var.dims}")
    checks.check(ids.dtype == np.uint64, f"cell_ids dtype {ids.dtype}, expected uint64")
    checks.check(ids.size > 0 and np.all(ids[1:] > ids[:-1]), "cell_ids not strictly increasing")
    shift = np.uint64(2 * (child_order - parent_order))
    parents = np.unique(ids >> shift)
    per_parent = 4 ** (child_order - parent_order)
    if ds.attrs.get(schema.LAYOUT) == schema.SPARSE:
        pass
    elif checks.check(ids.size == parents.size * per_parent,
                    f"cell_ids length {ids.size} != {parents.size} parents x {per_parent}"):
        expected = ((parents[:, None] << shift)
                    + np.arange(per_parent, dtype=np.uint64)[None, :]).ravel()
        checks.check(np.array_equal(ids, expected), "cell_ids are not the complete children "
                     "of their parents")
    # The xdggs attributes (the CF standard name sits on healpix_index: docs/conventions.md).
    want = {"grid_name": "healpix", "level": child_order, "indexing_scheme": "nested"}
    if authalic:
        want["ellipsoid"] = "WGS84"
    check_attrs(checks, "cell_ids", var.attrs, want)


def check_attrs(checks, label, attrs, want):
    """Each wanted attribute present with the wanted value (numbers compared as numbers)."""
    for key, value in want.items():
        got = attrs.get(key)
        if isinstance(value, (int, np.integer)) and got is not None:
            same = np.ndim(got) == 0 and int(got) == value
        else:
            same = got == value
        checks.check(same, f"{label} attribute {key} = {got!r}, expected {value!r}")


def check_statistic_vars(checks, ds, cfg, ref):
    """Data variables: dims, int32/0 or float32/NaN, grid_mapping=crs, units, deflate level."""
    deflate = int(cfg.get("output", {}).get("deflate_level", 0))
    for stat in cfg["statistics"]:
        name = stat["name"]
        if name not in ds.variables:
            continue  # reported by compare_to_reference
        var = ds[name]
        enc = var.encoding
        checks.check(var.dims == ("cell_ids",), f"{name} dims {var.dims}")
        gm = var.attrs.get("grid_mapping", enc.get("grid_mapping"))
        checks.check(gm == "crs", f"{name} grid_mapping = {gm!r}, expected 'crs'")
        fill = enc.get("_FillValue")
        if stat["function"] == "count":
            checks.check(enc.get("dtype") == np.int32, f"{name} stored as {enc.get('dtype')}, "
                         "expected int32")
            checks.check(fill is not None and fill == 0, f"{name} _FillValue {fill!r}, expected 0")
        else:
            checks.check(enc.get("dtype") == np.float32, f"{name} stored as {enc.get('dtype')}, "
                         "expected float32")
            checks.check(fill is not None and np.isnan(fill),
                         f"{name} _FillValue {fill!r}, expected NaN")
            units = ref["units"][name]
            if stat["function"] == "variance":
                units += "^2"  # the square of the source dataset's units
            checks.check(var.attrs.get("units") == units,
                         f"{name} units {var.attrs.get('units')!r}, expected {units!r}")
        if deflate:
            checks.check(enc.get("zlib") and enc.get("complevel") == deflate,
                         f"{name} deflate: zlib={enc.get('zlib')} complevel="
                         f"{enc.get('complevel')}, expected {deflate}")


def check_global_attrs(checks, ds, cfg, cfg_text, ref, n_granules, parent_order, child_order):
    """Global attributes of the contract; points_used equals the reference's."""
    attrs = ds.attrs
    for key in ("Conventions", "history", "healgrid_version", "date_created"):
        checks.check(str(attrs.get(key, "")).strip() != "", f"global attribute {key} missing")
    check_attrs(checks, "global", attrs, {
        "title": cfg["title"], "source": cfg["product"], "parent_order": parent_order,
        "child_order": child_order, "granule_count": n_granules,
        "points_used": ref["points_used"]})
    checks.check(str(attrs.get("healgrid_config", "")).strip() == cfg_text.strip(),
                 "global attribute healgrid_config is not the YAML text of the config")


def check_raw_layout(checks, path):
    """With netCDF4 directly: NETCDF4 format, scalar crs, char/int64 provenance layout."""
    with netCDF4.Dataset(path) as nc:
        checks.check(nc.data_model == "NETCDF4", f"data model {nc.data_model}, expected NETCDF4")
        crs = nc.variables.get("crs")
        if checks.check(crs is not None, "variable crs missing"):
            checks.check(crs.dimensions == (), f"crs dims {crs.dimensions}, expected scalar")
        layout = {"granule_name": (("granules", "name_strlen"), "S1"),
                  "granule_status": (("granules", "status_strlen"), "S1"),
                  "granule_bytes": (("granules",), "int64"),
                  "granule_points_used": (("granules",), "int64")}
        for name, (dims, dtype) in layout.items():
            var = nc.variables.get(name)
            if checks.check(var is not None, f"variable {name} missing"):
                checks.check(var.dimensions == dims and var.dtype == np.dtype(dtype),
                             f"{name}: {var.dimensions} {var.dtype}, expected {dims} {dtype}")


def check_crs(checks, ds, child_order):
    """The crs grid-mapping variable's attributes."""
    if "crs" in ds.variables:
        check_attrs(checks, "crs", ds["crs"].attrs, {
            "grid_mapping_name": "healpix", "indexing_scheme": "nested",
            "refinement_level": child_order})


def check_main_run(checks, nprocs, files, cfg_path, tmp):
    """Authalic run with the repo config: full contract + every value vs the reference."""
    out = os.path.join(tmp, "real.nc")
    args = ["--config", cfg_path, "--output", out]
    for path in files:
        args += ["--input", path]
    if not common.run_healgrid_ok(args, nprocs, checks, "real ATL06 run"):
        return
    cfg = common.load_config(cfg_path)
    with open(cfg_path, encoding="utf-8") as stream:
        cfg_text = stream.read()
    parent, child = cfg["grid"]["parent_order"], cfg["grid"]["child_order"]
    ref = common.reference_grid(cfg_path, files)
    ds = common.open_output(out)
    check_raw_layout(checks, out)
    check_cell_ids(checks, ds, parent, child, cfg["grid"].get("latitude") == "authalic")
    check_crs(checks, ds, child)
    check_statistic_vars(checks, ds, cfg, ref)
    check_global_attrs(checks, ds, cfg, cfg_text, ref, len(files), parent, child)
    common.check_provenance(checks, ds, "real", files, ref)
    common.compare_to_reference(checks, ds, ref, cfg, "real")


def check_variant_run(checks, nprocs, files, cfg_path, tmp):
    """Geodetic 4/10 variant: matches the geodetic reference, differs from the authalic one."""
    variant = common.write_config_variant(cfg_path, os.path.join(tmp, "geodetic.yaml"), **VARIANT)
    out = os.path.join(tmp, "geodetic.nc")
    pattern = os.path.join(os.path.dirname(files[0]), "*ATL06_*.h5")
    args = ["--config", variant, "--input", pattern, "--output", out]
    if not common.run_healgrid_ok(args, nprocs, checks, "geodetic variant run (glob input)"):
        return
    cfg = common.load_config(variant)
    ref = common.reference_grid(variant, files)
    authalic = common.reference_grid(cfg_path, files, VARIANT["parent_order"],
                                     VARIANT["child_order"])
    data_geo = ref["cell_ids"][ref["count"] > 0]
    data_auth = authalic["cell_ids"][authalic["count"] > 0]
    checks.check(not np.array_equal(data_geo, data_auth),
                 "reference: geodetic and authalic conventions give the same cells with data "
                 "(the variant would prove nothing)")
    ds = common.open_output(out)
    check_cell_ids(checks, ds, VARIANT["parent_order"], VARIANT["child_order"], authalic=False)
    check_crs(checks, ds, VARIANT["child_order"])
    counts = np.nan_to_num(np.asarray(ds["count"].values, dtype=np.float64)) \
        if "count" in ds.variables else np.zeros(0)
    out_data = np.asarray(ds["cell_ids"].values)[counts > 0]
    checks.check(not np.array_equal(out_data, data_auth),
                 "geodetic output has the same cells with data as the authalic reference")
    checks.check(int(ds.attrs.get("points_used", -1)) == ref["points_used"],
                 f"variant points_used {ds.attrs.get('points_used')} != {ref['points_used']}")
    common.compare_to_reference(checks, ds, ref, cfg, "geodetic 4/10")
    print(f"geodetic 4/10: {data_geo.size} cells with data; authalic at the same orders: "
          f"{data_auth.size}, {np.setxor1d(data_geo, data_auth).size} differ")


def main():
    nprocs = common.ranks_from_args(__doc__)
    files = common.real_atl06_files()
    cfg_path = common.config_path()
    checks = Checks(f"check_real_atl06 --np {nprocs}")
    with common.temp_dir() as tmp:
        check_main_run(checks, nprocs, files, cfg_path, tmp)
        check_variant_run(checks, nprocs, files, cfg_path, tmp)
    checks.finish()


if __name__ == "__main__":
    main()
