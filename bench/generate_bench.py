"""Benchmark of the synthetic generator: wall time, peak memory and output size per scale.

    uv run python bench/generate_bench.py [--scales tiny demo city] [--months 12] [--jobs N]

Each scale runs in its own child process, so the peak RSS reported is that of the largest process
of that run alone (the generating process or one of its workers); CPU s is the processor time of
all of them. Targets: ``city`` for 12 months
in at most 10 minutes on 2 cores with a peak RSS of at most 2 GB; ``province`` within the same
memory ceiling.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _one(scale: str, months: int, jobs: int | None, inbox: Path) -> None:
    """Child: generate one scale and report what was written."""
    sys.path.insert(0, str(ROOT))
    from sources.generator import generate

    summary = generate(inbox, scale=scale, months=months, jobs=jobs)
    size = sum(p.stat().st_size for p in summary.files)
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    # Largest resident set of this process or any of its finished workers (Linux: kilobytes), and
    # the processor time of all of them: wall time also depends on what else the machine runs.
    peak_kb = max(u.ru_maxrss for u in usage)
    cpu = sum(u.ru_utime + u.ru_stime for u in usage)
    print(json.dumps({"files": len(summary.files), "rows": sum(summary.rows.values()),
                      "bytes": size, "peak_mb": peak_kb / 1024, "cpu": cpu}))


def _measure(scale: str, months: int, jobs: int | None, workdir: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--one", scale, "--months", str(months),
               "--inbox", str(workdir / scale / "inbox")]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    wall = time.perf_counter() - began
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["tiny", "demo", "city"])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--jobs", type=int, help="processes (default: the generator's choice)")
    parser.add_argument("--workdir", type=Path, help="where to write (default: a temporary folder)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--inbox", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        _one(args.one, args.months, args.jobs, args.inbox)
        return
    with tempfile.TemporaryDirectory(prefix="govwh-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        print(f"{'scale':<9}{'months':>7}{'files':>7}{'rows':>13}{'MB':>9}{'wall s':>9}"
              f"{'peak RSS MB':>13}{'CPU s':>9}")
        for scale in args.scales:
            m = _measure(scale, args.months, args.jobs, workdir)
            print(f"{scale:<9}{args.months:>7}{m['files']:>7}{m['rows']:>13,}"
                  f"{m['bytes'] / 1e6:>9.1f}{m['wall']:>9.1f}{m['peak_mb']:>13.0f}{m['cpu']:>9.0f}",
                  flush=True)


if __name__ == "__main__":
    main()
