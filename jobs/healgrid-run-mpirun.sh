#!/bin/bash
# One `healgrid run` with a plain mpirun: workstations and multi-node machines without Slurm
# (or under sbatch, where mpirun takes the allocation). The arguments are healgrid run's own:
#   HEALGRID_NP=8 jobs/healgrid-run-mpirun.sh --input GRANULES/ --output OUT.nc [...]
#   sbatch -n 16 --signal=USR1@120 jobs/healgrid-run-mpirun.sh --input ... --output ...
# Environment: HEALGRID_NP (ranks; default: every core here, or $SLURM_NTASKS under Slurm),
# HEALGRID (executable; default `healgrid` on PATH), MPIRUN (launcher; default mpirun),
# HEALGRID_MPIRUN_ARGS (extra launcher options, e.g. "--hostfile hosts --oversubscribe").
# Under Slurm, ask for an early signal that mpirun forwards (--signal=USR1@120): the ranks stop
# cleanly and the journal keeps the finished rounds for the rerun.
#SBATCH --job-name=healgrid
#SBATCH --ntasks=4
#SBATCH --time=02:00:00
#SBATCH --signal=USR1@120
#SBATCH --output=healgrid-%j.log
set -uo pipefail
healgrid=${HEALGRID:-healgrid}
np=${HEALGRID_NP:-${SLURM_NTASKS:-$(nproc)}}
if [ $# -eq 0 ]; then
  echo "usage: jobs/healgrid-run-mpirun.sh --input DIR --output OUT.nc [healgrid run options]" >&2
  exit 2
fi
extra=()
if [ "$(id -u)" -eq 0 ]; then  # containers: OpenMPI refuses root without these
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
read -r -a extra <<< "${HEALGRID_MPIRUN_ARGS:-}"
echo "healgrid-run-mpirun: $np ranks: $healgrid run $*"
${MPIRUN:-mpirun} -np "$np" "${extra[@]}" "$healgrid" run "$@"
rc=$?
echo "healgrid-run-mpirun: exit status $rc"
exit $rc
