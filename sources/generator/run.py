"""One generation run: the city, its rows community by community (in parallel when large), then
the extracts assembled into the inbox, with defects and their truth file when asked for.

Every random draw is seeded by the seed and what it concerns (table, period, community), never by
the order of work, so the bytes are the same whatever the number of processes.
"""

import multiprocessing
import os
import random
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.lib.contract import load_contract
from sources.generator.assemble import assemble_csv, assemble_xlsx
from sources.generator.city import SCALES, City, Scale, build_city
from sources.generator.community import CommunityLife
from sources.generator.defects import DefectPlan, FileInfo, later_dir, planted_path, truth_path
from sources.generator.formats import table_format
from sources.generator.parts import PartWriter, part_path
from sources.generator.window import Window, period_end
from sources.generator.writers import CITY_WRITERS, COMMUNITY_WRITERS, Extract

WRITERS = CITY_WRITERS | COMMUNITY_WRITERS
# Below this many communities a second process costs more than it saves.
PARALLEL_FROM_COMMUNITIES = 24
# Many chunks, large (core-district) ones first, keep both processes busy to the end.
CHUNKS_PER_PROCESS = 8

Due = dict[str, list[str]]  # period -> tables delivered that month


@dataclass
class GenerationSummary:
    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    communities: int = 0
    # Persons in the last ps_resident snapshot written (None when that table was not generated).
    residents: int | None = None
    defects: int = 0
    truth: Path | None = None
    # Table-level defects (every row valid) and the expectation each must fail.
    planted: Path | None = None
    later: list[Path] = field(default_factory=list)


def _selected_tables(tables: Iterable[str] | None) -> list[str]:
    contract_tables = load_contract().tables
    wanted = list(WRITERS) if tables is None else list(dict.fromkeys(tables))
    unknown = [t for t in wanted if t not in contract_tables]
    if unknown:
        raise ValueError(f"not contract tables: {', '.join(unknown)}")
    missing = [t for t in wanted if t not in WRITERS]
    if missing:
        raise ValueError(f"no generator for: {', '.join(missing)}")
    # Contract order, so the output does not depend on how the caller ordered the names.
    return [t for t in contract_tables if t in wanted]


def _extract(city: City, name: str, period: str, key: str) -> Extract:
    table = load_contract().tables[name]
    rng = random.Random(f"{city.seed}/{name}/{period}/{key}")
    return Extract(city, table, table_format(table), period, period_end(period), rng)


def _write_city_tables(city: City, due: Due, root: Path) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for period, names in due.items():
        for name in names:
            if name in CITY_WRITERS:
                ex = _extract(city, name, period, "city")
                with PartWriter(part_path(root, period, name, 0), ex.table, ex.fmt) as part:
                    part.write(CITY_WRITERS[name](ex))
                counts[period, name] = part.rows
    return counts


def _write_chunk(city: City, due: Due, root: Path, chunk: int, first: int,
                stop: int) -> Counter[tuple[str, str]]:
    """Rows of communities ``first``..``stop`` of every community table and period."""
    tables = load_contract().tables
    with ExitStack() as stack:
        parts = {
            (period, name): stack.enter_context(
                PartWriter(part_path(root, period, name, chunk), tables[name],
                           table_format(tables[name])))
            for period, names in due.items() for name in names if name in COMMUNITY_WRITERS
        }
        for community in city.communities[first:stop]:
            life = CommunityLife(city, community)
            for (period, name), part in parts.items():
                part.write(COMMUNITY_WRITERS[name](_extract(city, name, period, community.code),
                                                   life))
    return Counter({key: part.rows for key, part in parts.items()})


_worker_city: City | None = None


def _start_worker(city: City) -> None:
    global _worker_city
    _worker_city = city


def _pooled_chunk(due: Due, root: Path, chunk: int, first: int, stop: int) -> Counter[tuple[str, str]]:
    assert _worker_city is not None, "worker started without its city"
    return _write_chunk(_worker_city, due, root, chunk, first, stop)


def _write_community_tables(city: City, due: Due, root: Path, jobs: int) -> Counter[tuple[str, str]]:
    count = len(city.communities)
    chunks = 1 if jobs == 1 else min(count, jobs * CHUNKS_PER_PROCESS)
    bounds = [(i, i * count // chunks, (i + 1) * count // chunks) for i in range(chunks)]
    counts: Counter[tuple[str, str]] = Counter()
    if jobs == 1:
        for chunk, first, stop in bounds:
            counts += _write_chunk(city, due, root, chunk + 1, first, stop)
        return counts
    # Spawned, not forked: the caller may hold threads and database handles.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker,
                             initargs=(city,)) as pool:
        futures = [pool.submit(_pooled_chunk, due, root, chunk + 1, first, stop)
                   for chunk, first, stop in bounds]
        for future in futures:
            counts += future.result()
    return counts


def _title(city: City, info: FileInfo) -> tuple[str, str]:
    day = info.period_end
    return (f"{city.name}{info.table.title_zh}",
            f"填报单位：{city.name}民政局　　统计时点：{day.year}年{day.month}月{day.day}日")


def _assemble(inbox: Path, city: City, root: Path, files: list[FileInfo],
              plan: DefectPlan | None) -> None:
    for info in files:
        parts = sorted((root / info.period / info.table.name).glob("*.part"))
        path = inbox / info.rel
        if plan is not None and plan.redelivered(info):
            assemble_csv(later_dir(inbox) / info.rel, info, parts, None)
        injector = plan.injector(info) if plan is not None else None
        plant = plan.plant(info) if plan is not None else None
        if info.fmt == "xlsx":
            totals_line = assemble_xlsx(path, info, parts, injector, *_title(city, info), plant=plant)
            if plan is not None:
                plan.mark_totals(info, totals_line)
        else:
            assemble_csv(path, info, parts, injector, plant)
        if plan is not None:
            plan.finish(path, info)
        # Parts go as soon as they are used, so the disk holds the output about once, not twice.
        for part in parts:
            part.unlink()


def generate(
    inbox: Path,
    scale: str | Scale = "tiny",
    start: str = "2025-01",
    months: int = 12,
    seed: int = 20251,
    tables: Iterable[str] | None = None,
    defects: float = 0.0,
    jobs: int | None = None,
) -> GenerationSummary:
    """Write ``<inbox>/<department>/<YYYY-MM>/<table>.csv|xlsx`` for each month and table due then.

    ``defects`` (a share of rows, at most 0.1) spoils extracts as documented in ``defects`` and writes
    the truth file, the record of planted table-level defects and the later deliveries beside the
    inbox. ``jobs`` defaults to the CPU count for large cities and to one process for small ones.
    """
    if isinstance(scale, str):
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}; known: {', '.join(SCALES)}")
        scale = SCALES[scale]
    names = _selected_tables(tables)
    contract = load_contract()
    city = build_city(scale, seed, Window.of(start, months))
    if jobs is None:
        parallel = len(city.communities) >= PARALLEL_FROM_COMMUNITIES
        jobs = (os.cpu_count() or 1) if parallel else 1
    due = {period: [n for n in names if contract.tables[n].delivered_in(int(period[5:]))]
           for period in city.window.periods}
    inbox = Path(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    # A truth file or later deliveries from an earlier run would describe other bytes.
    truth_path(inbox).unlink(missing_ok=True)
    planted_path(inbox).unlink(missing_ok=True)
    if later_dir(inbox).exists():
        shutil.rmtree(later_dir(inbox))
    with tempfile.TemporaryDirectory(prefix=f".{inbox.name}-parts-", dir=inbox.parent) as tmp:
        root = Path(tmp)
        counts = _write_city_tables(city, due, root)
        counts += _write_community_tables(city, due, root, jobs)
        files = []
        for period, period_names in due.items():
            for name in period_names:
                table = contract.tables[name]
                fmt = table_format(table)
                files.append(FileInfo(f"{table.department}/{period}/{name}.{fmt}", table, period,
                                      period_end(period), fmt, counts[period, name]))
        plan = DefectPlan(contract, files, defects, seed, inbox) if defects else None
        _assemble(inbox, city, root, files, plan)
    summary = GenerationSummary(communities=len(city.communities))
    summary.files = [inbox / f.rel for f in files]
    summary.rows = {name: sum(counts[p, name] for p in due) for name in names}
    resident_periods = [p for p in due if "ps_resident" in due[p]]
    if resident_periods:
        summary.residents = counts[resident_periods[-1], "ps_resident"]
    if plan is not None:
        plan.copy_refused()
        summary.truth = plan.write_truth()
        summary.planted = plan.write_planted()
        summary.defects = len(plan.truth)
        summary.later = [later_dir(inbox) / rel for rel in plan.redeliveries]
    return summary
