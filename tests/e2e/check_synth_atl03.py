#!/usr/bin/env python3
"""`healgrid synth --product atl03` photon granules, gridded with config/atl03.yaml at --np N.

The granules must look like ATL03 (photons owned by 20 m geolocation segments through 1-based
ph_index_beg, 0 for an empty segment, and segment_ph_cnt; signal_conf_ph [N, 5]; noise photons
at the documented rate; a segment geoid with some fill), and gridding them must give, in every
cell, what numpy + healpy give with the segment -> photon broadcast done here.
"""

import glob
import os
import shlex
import subprocess

import common  # isort: skip
from common import Checks  # isort: skip

import h5py  # noqa: E402
import numpy as np  # noqa: E402
from check_photons import atl03_points  # noqa: E402
from check_products import config_file, run_case, variant  # noqa: E402

RATE = 0.05  # signal photons per shot on a strong beam: small granules for a test


def check_layout(checks, paths):
    """Links, rates and confidences as the synth documents them."""
    for path in paths:
        with h5py.File(path, "r") as h5:
            checks.check(float(h5["ancillary_data/atlas_sdp_gps_epoch"][0]) == 1198800018.0,
                         f"{path}: atlas_sdp_gps_epoch")
            for beam in ("gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"):
                geo, ph = h5[f"{beam}/geolocation"], h5[f"{beam}/heights"]
                count, begin = geo["segment_ph_cnt"][()], geo["ph_index_beg"][()]
                n = ph["h_ph"].shape[0]
                checks.check(int(count.sum()) == n, f"{beam}: counts sum {count.sum()} != {n}")
                checks.check(np.all(begin[count == 0] == 0), f"{beam}: empty segment not 0")
                full = count > 0
                expected = np.cumsum(count)[full] - count[full] + 1
                checks.check(np.array_equal(begin[full], expected), f"{beam}: ph_index_beg")
                checks.check(ph["signal_conf_ph"].shape == (n, 5), f"{beam}: signal_conf_ph")
                conf = ph["signal_conf_ph"][()]
                checks.check(np.all(conf[:, [0, 1, 2, 4]] == -1), f"{beam}: other surfaces")
                noise = np.mean(conf[:, 3] <= 1)
                # noise rate RATE/8 per shot against RATE (strong) or RATE/4 (weak) of signal
                # (the noise photons that drew a "buffer" 1 count as noise here)
                ok = abs(noise - 1 / 9) < 0.02 or abs(noise - 1 / 3) < 0.03
                checks.check(ok, f"{path} {beam}: noise fraction {noise:.3f}")


def run_synth(args, nprocs):
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    cmd = mpiexec + ["-np", str(nprocs), "--oversubscribe", common.healgrid_bin(), "synth"] + args
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    return proc.returncode, f"$ {shlex.join(cmd)}\n{proc.stdout}{proc.stderr}"


def main():
    nprocs = common.ranks_from_args(__doc__)
    checks = Checks(f"check_synth_atl03 --np {nprocs}")
    with common.temp_dir() as tmp:
        out_dir = os.path.join(tmp, "granules")
        rc, output = run_synth(
            ["--product", "atl03", "--granules", "2", "--photons-per-shot", str(RATE),
             "--output-dir", out_dir], min(nprocs, 2))
        checks.check(rc == 0, f"synth exit {rc}\n{output}")
        paths = sorted(glob.glob(os.path.join(out_dir, "ATL03_*.h5")))
        checks.check(len(paths) == 2, f"synth wrote {paths}")
        check_layout(checks, paths)
        cfg = variant(config_file("atl03.yaml"), tmp, "atl03_12.yaml", "child_order: 14",
                      "child_order: 12")
        points = atl03_points(paths, 3)
        run_case(checks, "synthetic ATL03 with segment geoid", cfg, paths, nprocs, tmp, points)
    checks.finish()


if __name__ == "__main__":
    main()
