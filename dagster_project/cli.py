"""govwh: the headless command line of the warehouse."""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from dagster_project.lib.paths import PROJECT_ROOT
from dagster_project.lib.settings import Settings


# The generator's scales (sources.generator.SCALES), named here so that building the parser does not
# import the generator.
GENERATOR_SCALES = ("tiny", "demo", "city", "province")


def _defect_rate(text: str) -> float:
    rate = float(text)
    if not 0 <= rate <= 0.1:
        raise argparse.ArgumentTypeError("the defect rate is a share of rows between 0 and 0.1")
    return rate


def cmd_generate(args: argparse.Namespace, settings: Settings) -> int:
    from sources.generator import generate

    began = time.perf_counter()
    # `demo` calls this with scale, start, months and seed only.
    summary = generate(settings.inbox, scale=args.scale, start=args.start, months=args.months,
                       seed=args.seed, defects=getattr(args, "defects", 0.0),
                       jobs=getattr(args, "jobs", None))
    rows = sum(summary.rows.values())
    print(f"generated {len(summary.files)} files, {rows:,} rows ({summary.communities:,} communities, "
          f"{summary.residents or 0:,} residents) into {settings.inbox} "
          f"in {time.perf_counter() - began:.1f} s")
    if summary.truth is not None:
        print(f"defects: {summary.defects:,} listed in {summary.truth}")
    if summary.later:
        print(f"corrected deliveries to copy into the inbox after a first load: "
              f"{summary.later[0].parents[2]}")
    return 0


def _print_result(result) -> None:
    for pdf in result.pdfs:
        print(pdf)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from dagster_project.runner import run_pipeline

    result = run_pipeline(settings, years=args.year)
    _print_result(result)
    return 0 if result.ok else 1


def _area_code(text: str | None) -> str | None:
    """A district code as typed: 6 digits are the county part of the 12-digit statistical code."""
    if text is None:
        return None
    text = text.strip()
    return text + "000000" if len(text) == 6 and text.isdigit() else text


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from dagster_project.reporting.assets import code_version
    from dagster_project.reporting.catalogue import KINDS, render_kind
    from dagster_project.reporting.data import ReportDataError

    period = args.period or args.year
    if period is None:
        print("govwh report: give the period with --period (or --year for the annual report)", file=sys.stderr)
        return 2
    try:
        paths, _ = render_kind(KINDS[args.kind], settings, period, run_id="manual", code_version=code_version(),
                               area_code=_area_code(args.area), every_area=args.all_areas)
    except (ReportDataError, FileNotFoundError) as exc:
        print(f"govwh report: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from dagster_project.status import print_status

    return print_status(settings, args.period)


def cmd_ui(args: argparse.Namespace, settings: Settings) -> int:
    from dagster_project.instance import ensure_dagster_home

    ensure_dagster_home(settings)
    bin_dir = Path(sys.executable).parent
    cmd = [str(bin_dir / "dagster"), "dev", "-w", str(PROJECT_ROOT / "workspace.yaml"),
           "-h", args.host, "-p", str(args.port)]
    # `dagster dev` prepares the dbt project with the dbt found on PATH: make it this environment's.
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    print(f"Dagster UI on http://{args.host}:{args.port} (Ctrl-C to stop)")
    return subprocess.call(cmd, cwd=PROJECT_ROOT, env=env)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from dagster_project.runner import run_pipeline

    if not any(settings.inbox.glob("*/*/*")):
        print(f"inbox {settings.inbox} is empty: generating the '{args.scale}' demo city")
        cmd_generate(argparse.Namespace(scale=args.scale, start=args.start, months=args.months, seed=args.seed,
                                        defects=0.0, jobs=None), settings)
    result = run_pipeline(settings)
    if not result.ok:
        return 1
    print("\nReports:")
    _print_result(result)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govwh", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write synthetic departmental extracts into the inbox")
    gen.add_argument("--scale", default="tiny", choices=GENERATOR_SCALES,
                     help="tiny (tests), demo (~100k residents), city (~2.5M), province (~25M)")
    gen.add_argument("--start", default="2025-01", help="first month, YYYY-MM")
    gen.add_argument("--months", type=int, default=12)
    gen.add_argument("--seed", type=int, default=20251)
    gen.add_argument("--defects", type=_defect_rate, default=0.0, metavar="RATE",
                     help="spoil this share of rows (and some whole files) as documented, and write "
                          "the truth file <inbox>_truth.csv beside the inbox")
    gen.add_argument("--jobs", type=int, help="processes (default: all CPUs for large cities)")
    gen.set_defaults(func=cmd_generate)

    run = sub.add_parser("run", help="materialise the graph headless for the periods in the inbox")
    run.add_argument("--year", action="append", help="report year(s) to render (default: every year touched)")
    run.set_defaults(func=cmd_run)

    rep = sub.add_parser("report", help="render one report of the catalogue from the published snapshot")
    rep.add_argument("--kind", default="annual", choices=["annual", "safety", "audit"],
                     help="annual: 年度社区治理调研报告 (--period 2025); safety: 平安建设季度分析 (--period 2025Q2); "
                          "audit: 数据质量审计报告 for auditors (--period 2025-03)")
    rep.add_argument("--period", help="the report's year, quarter (YYYYQn) or month (YYYY-MM)")
    rep.add_argument("--year", help="same as --period, for the annual report")
    area = rep.add_mutually_exclusive_group()
    area.add_argument("--area", help="district code (6 or 12 digits); default: the whole city")
    area.add_argument("--all-areas", action="store_true", help="the city's report and each district's")
    rep.set_defaults(func=cmd_report)

    st = sub.add_parser("status", help="ledger and validation summary")
    st.add_argument("--period", help="YYYY-MM (default: every period)")
    st.set_defaults(func=cmd_status)

    ui = sub.add_parser("ui", help="serve the Dagster UI on the project's workspace.yaml")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)

    demo = sub.add_parser("demo", help="generate a demo city if the inbox is empty, run, print the PDF paths")
    demo.add_argument("--scale", default="demo", choices=["tiny", "demo"])
    demo.add_argument("--start", default="2025-01")
    demo.add_argument("--months", type=int, default=12)
    demo.add_argument("--seed", type=int, default=20251)
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args, Settings.from_env())


if __name__ == "__main__":
    sys.exit(main())
