#!/usr/bin/env python3
"""Inputs that used to give wrong values or late failures (issue 15), at -np 2 on real granules.

1. The same granule given several ways (d/G.h5, d/./G.h5, a symlink, an identical copy in
   another directory) is counted once: every statistic equals the numpy + healpy reference of
   the granule alone, and the provenance lists it once. The same name with different bytes in
   two directories exits 1 naming both paths.
2. Granules whose h_li has chunks never written (HDF5 returns the fill value), or a filter
   pipeline the fast chunk path does not decode (fletcher32 + shuffle + deflate, scaleoffset,
   szip when h5py has it), are read as h5py reads them: every statistic equals the reference
   computed from h5py's values (they used to fail with "chunk N is not stored" or similar).
3. Config errors exit 2 before any data is read, naming the key: a YAML key given twice (both
   lines named), a statistic name netCDF refuses ("h/mean") or the output uses ("granules"),
   and --child-order 22 --layout dense (the output estimate, with its figures).
"""

import os
import shutil

# common first: it fails clearly when this interpreter lacks numpy, h5py, netCDF4...
import common  # isort: skip
from common import Checks  # isort: skip

import h5py  # noqa: E402
import numpy as np  # noqa: E402

NPROCS = 2
H_LI = "land_ice_segments/h_li"


def run_and_compare(checks, label, inputs, reference_files, tmp):
    """Run on `inputs`; compare every statistic with the reference of `reference_files`."""
    out = os.path.join(tmp, f"{label.replace(' ', '_')}.nc")
    args = ["--config", common.config_path(), "--output", out, "-q"]
    for path in inputs:
        args += ["--input", path]
    rc, text = common.run_healgrid(args, NPROCS)
    if not checks.check(rc == 0, f"{label}: healgrid exited {rc}\n{text}"):
        return text
    cfg = common.load_config(common.config_path())
    ref = common.reference_grid(common.config_path(), reference_files)
    ds = common.open_output(out)
    common.check_provenance(checks, ds, label, reference_files, ref)
    common.compare_to_reference(checks, ds, ref, cfg, label)
    return text


def check_duplicates(checks, granule, tmp):
    d, e = os.path.join(tmp, "d"), os.path.join(tmp, "e")
    os.makedirs(d)
    os.makedirs(e)
    name = os.path.basename(granule)
    path = os.path.join(d, name)
    shutil.copyfile(granule, path)
    shutil.copyfile(granule, os.path.join(e, name))  # identical bytes, same name
    os.symlink(path, os.path.join(d, "link_" + name))
    inputs = [path, os.path.join(d, ".", name), os.path.join(d, "link_" + name), e]
    text = run_and_compare(checks, "duplicates", inputs, [path], tmp)
    checks.check("used once" in text, f"no warning about the duplicates:\n{text}")

    other = os.path.join(tmp, "f")
    os.makedirs(other)
    changed = os.path.join(other, name)
    shutil.copyfile(granule, changed)
    with open(changed, "r+b") as stream:  # same size, one byte differs (past the superblock)
        stream.seek(os.path.getsize(changed) - 1)
        last = stream.read(1)
        stream.seek(-1, os.SEEK_END)
        stream.write(bytes([last[0] ^ 0xFF]))
    rc, text = common.run_healgrid(["--input", d, "--input", other, "--output",
                                    os.path.join(tmp, "conflict.nc")], NPROCS)
    checks.check(rc == 1 and f"granule {name} is given twice with different content" in text
                 and path in text and changed in text,
                 f"same name, different content: rc {rc}\n{text}")


def rewrite_h_li(src, dst, make):
    """Copy src to dst with every beam's h_li recreated by make(h5, path, values, attrs)."""
    shutil.copyfile(src, dst)
    with h5py.File(dst, "r+") as h5:
        for beam in [g for g in h5 if g.startswith("gt") and f"{g}/{H_LI}" in h5]:
            path = f"{beam}/{H_LI}"
            old = h5[path]
            values, attrs = old[...], dict(old.attrs)
            del h5[path]
            new = make(h5, path, values, attrs)
            for key, value in attrs.items():
                if key != "DIMENSION_LIST":  # dimension scales are not needed by healgrid
                    new.attrs[key] = value


def with_unwritten_chunks(h5, path, values, attrs):
    """Chunks of 500 rows; every third chunk never written (reads as the fill value)."""
    fill = attrs["_FillValue"]
    ds = h5.create_dataset(path, shape=values.shape, dtype=values.dtype, chunks=(500,),
                           compression="gzip", compression_opts=6, shuffle=True, fillvalue=fill,
                           maxshape=(None,))
    for start in range(0, values.size, 500):
        if (start // 500) % 3 != 1:
            ds[start:start + 500] = values[start:start + 500]
    return ds


def with_filters(**kwargs):
    def make(h5, path, values, attrs):
        return h5.create_dataset(path, data=values, chunks=(1000,), maxshape=(None,),
                                 fillvalue=attrs["_FillValue"], **kwargs)
    return make


def check_chunks_and_filters(checks, granule, tmp):
    cases = {"unwritten_chunks": with_unwritten_chunks,
             "fletcher32": with_filters(fletcher32=True, shuffle=True, compression="gzip"),
             "scaleoffset": with_filters(scaleoffset=3)}
    if "szip" in h5py.filters.encode:
        cases["szip"] = with_filters(compression="szip")
    for label, make in cases.items():
        folder = os.path.join(tmp, label)
        os.makedirs(folder)
        dst = os.path.join(folder, os.path.basename(granule))
        rewrite_h_li(granule, dst, make)
        if label == "unwritten_chunks":
            with h5py.File(dst, "r") as h5:
                ds = h5[f"gt1l/{H_LI}"]
                stored = ds.id.get_num_chunks()
                checks.check(stored < -(-ds.shape[0] // 500),
                             f"{label}: every chunk is stored ({stored}): the test is void")
                fills = int((ds[...] == ds.attrs["_FillValue"]).sum())
                print(f"{label}: {stored} of {-(-ds.shape[0] // 500)} chunks stored, "
                      f"{fills} rows read as the fill value")
        run_and_compare(checks, label, [dst], [dst], tmp)


def check_config_errors(checks, granule, tmp):
    shipped = open(common.config_path(), encoding="utf-8").read()
    cases = {
        "duplicate key": (shipped.replace("  child_order: 12", "  child_order: 12\n"
                                          "  child_order: 9"),
                          "grid.child_order: key given twice (lines 27 and 28)"),
        "slash in a name": (shipped.replace("name: h_max", "name: h/max"),
                            "statistics[2].name: 'h/max'"),
        "output's own name": (shipped.replace("name: h_max", "name: granules"),
                              "statistics[2].name: 'granules' is reserved"),
    }
    for label, (text, want) in cases.items():
        cfg = os.path.join(tmp, label.replace(" ", "_").replace("'", "") + ".yaml")
        with open(cfg, "w", encoding="utf-8") as stream:
            stream.write(text)
        out = os.path.join(tmp, "config_error.nc")
        rc, output = common.run_healgrid(["--config", cfg, "--input", granule, "--output", out],
                                         NPROCS)
        checks.check(rc == 2 and want in output and not os.path.exists(out),
                     f"{label}: rc {rc}, expected 2 and {want!r}\n{output}")
    out = os.path.join(tmp, "deep.nc")
    # The dense layout holds every child (the sparse/auto default holds cells with data only).
    rc, output = common.run_healgrid(["--input", granule, "--child-order", "22", "--layout",
                                      "dense", "--output", out], NPROCS)
    checks.check(rc == 2 and "grid.child_order" in output and "--child-order" in output
                 and "4.29e+09 child cells" in output and "GB" in output
                 and "bad_alloc" not in output and not os.path.exists(out),
                 f"--child-order 22: rc {rc}\n{output}")


def main():
    checks = Checks("input_integrity")
    files = common.real_atl06_files()
    # A granule with every beam, several h_li chunks and used points.
    granule = next(f for f in files if "20190416093911" in f) if any(
        "20190416093911" in f for f in files) else files[0]
    with h5py.File(granule, "r") as h5:
        rows = h5[f"gt1l/{H_LI}"].shape[0]
    print(f"granule {os.path.basename(granule)}: gt1l has {rows} rows")
    with common.temp_dir() as tmp:
        check_duplicates(checks, granule, tmp)
        check_chunks_and_filters(checks, granule, tmp)
        check_config_errors(checks, granule, tmp)
    checks.finish()


if __name__ == "__main__":
    main()
