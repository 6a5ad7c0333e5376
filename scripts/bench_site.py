"""The calendar site's speed against baselines measured in the same run, as ratios.

- build: `mkdocs build` of the example site with the edcal plugin vs the same site without
  it (social posts excluded by `exclude_docs` instead; target: the plugin adds under 10%),
  both as the command (a new interpreter per build: imports and template compilation
  included) and with the helper process turned off (`parallel: false`) to show what it
  saves; and a rebuild in one process, as `mkdocs serve` does it;
- render: the calendar pages for N generated entries vs one autoescaped Jinja2 list of the
  same entries, the least an HTML calendar can cost (target: under 2 s at 10,000).

    python scripts/bench_site.py [ENTRIES ...]     # default 10000
"""

from __future__ import annotations

import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config

from bench import fastest, generate  # scripts/bench.py: `make bench`'s generated repository
from edcal.load import load_content
from edcal.outputs.feeds import write_feeds
from edcal.plan import Plan, build_plan
from edcal.site.blog import is_due
from edcal.site.exchange import Links
from edcal.site.pages import Calendar
from edcal.times import current_time

REPO = Path(__file__).resolve().parents[1]
DEMO_NOW = "2026-12-07T10:00:00+01:00"
PARIS = ZoneInfo("Europe/Paris")
BASELINE = jinja2.Environment(autoescape=True).from_string(
    '<ul>{% for e in entries %}<li id="{{ e.id }}"><time>{{ e.start }}</time> {{ e.title }}'
    "</li>{% endfor %}</ul>"
)


def site_configs(folder: Path) -> tuple[Path, Path, Path]:
    """mkdocs.yml with edcal, with edcal but no helper process, and without edcal.

    The site without edcal leaves out, by `exclude_docs`, what the plugin would hide (the
    social posts and the articles not due yet), so both builds publish the same blog and
    the difference is the plugin's own work: loading, planning, calendar pages, feeds.
    """
    data = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    data["docs_dir"] = str(REPO / "content")
    data["watch"] = []
    plugins = [p for p in data["plugins"] if p != "edcal"]
    data["plugins"] = [*plugins, {"edcal": {"repo": str(REPO)}}]
    with_edcal = folder / "with.yml"
    with_edcal.write_text(yaml.safe_dump(data), encoding="utf-8")
    data["plugins"] = [*plugins, {"edcal": {"repo": str(REPO), "parallel": False}}]
    serial = folder / "serial.yml"
    serial.write_text(yaml.safe_dump(data), encoding="utf-8")
    content = load_content(REPO)
    now = current_time(None, content.config.timezone)
    hidden = ["social/"] + [
        post.source.path.removeprefix("content/") for post in content.posts if not is_due(post, now)
    ]
    data["plugins"] = plugins
    data["exclude_docs"] = "".join(f"{path}\n" for path in hidden)
    data["nav"] = [item for item in data["nav"] if "Calendar" not in item]
    without = folder / "without.yml"
    without.write_text(yaml.safe_dump(data), encoding="utf-8")
    return with_edcal, serial, without


def serve_bench(runs: int = 9) -> list[float]:
    """Seconds to rebuild the example as `mkdocs serve` does (one process, the config read
    again for each rebuild, the plugins kept between builds, edcal's helper started after
    each build): with edcal, then without it; the best of `runs` each.

    One after the other, not in turns: MkDocs keeps one instance of each plugin for the
    whole process, which the two sites would share.
    """
    best = []
    with tempfile.TemporaryDirectory() as folder:
        with_edcal, _, without = site_configs(Path(folder))
        site = str(Path(folder) / "site")
        for path in (with_edcal, without):
            first = load_config(str(path), site_dir=site)
            first.plugins.on_startup(command="serve", dirty=False)
            try:
                build(first)  # warm imports and caches
                found = []
                for _ in range(runs):
                    # A rebuild follows an edit: by then the helper has loaded edcal.
                    time.sleep(0.5)
                    began = time.perf_counter()
                    build(load_config(str(path), site_dir=site))
                    found.append(time.perf_counter() - began)
            finally:
                first.plugins.on_shutdown()
            best.append(min(found))
    return best


def command_bench(runs: int = 9) -> tuple[list[float], list[float], list[float]]:
    """The three builds of `site_configs`, each as the `mkdocs build` command, in turns:
    the best wall-clock seconds of each, the best CPU seconds of each (the helper's
    included), and each round's ratio of the build with edcal to the one without.

    A round's two builds run seconds apart, so their ratio holds even when the machine's
    speed drifts between rounds (a shared machine's does, by 30% and more).
    """
    wall: list[list[float]] = [[], [], []]
    cpu: list[list[float]] = [[], [], []]
    with tempfile.TemporaryDirectory() as folder:
        configs = site_configs(Path(folder))
        site = Path(folder) / "site"
        # As users run it: with .pyc caches, which the first runs write (a sandbox or CI
        # may set PYTHONDONTWRITEBYTECODE, and every build would compile edcal anew).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

        def command(config: Path, index: int) -> None:
            build = [sys.executable, "-m", "mkdocs", "build", "-q"]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            began = time.perf_counter()
            subprocess.run(
                [*build, "-f", str(config), "-d", str(site)],
                check=True,
                cwd=folder,  # mkdocs-rss-plugin's cache lands in the temp folder
                env=env,
            )
            wall[index].append(time.perf_counter() - began)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[index].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)

        for index, config in enumerate(configs):
            command(config, index)  # the first runs write the caches (.pyc, Jinja2's)
        for found in (*wall, *cpu):
            found.clear()
        for _ in range(runs):
            for index, config in enumerate(configs):
                command(config, index)
    rounds = [ours / base for ours, base in zip(wall[0], wall[2], strict=True)]
    return [min(found) for found in wall], [min(found) for found in cpu], rounds


def feeds_bench(runs: int = 9) -> float:
    """Seconds `write_feeds` takes for the example (its share of the plugin's cost)."""
    content = load_content(REPO)
    now = current_time(None, content.config.timezone)
    plan = build_plan(REPO, content, now)
    with tempfile.TemporaryDirectory() as folder:
        (ours,) = fastest(runs, lambda: write_feeds(Path(folder), content.config, plan))
    return ours


def render_all(calendar: Calendar) -> int:
    """Render every calendar page; the number of characters produced."""
    links = Links()
    return sum(len(calendar.render(page, links)) for page in calendar.pages)


def render_bench(size: int) -> tuple[int, float, float]:
    """(entries, seconds for the calendar pages, seconds for the baseline list)."""
    with tempfile.TemporaryDirectory() as folder:
        repo = Path(folder)
        generate(repo, size)
        content = load_content(repo)
        now = datetime(2026, 6, 1, tzinfo=PARIS)
        plan: Plan = build_plan(repo, content, now)

        def calendar() -> None:
            render_all(Calendar(content, plan, now))

        def baseline() -> None:
            BASELINE.render(entries=plan.entries)

        ours, base = fastest(3, calendar, baseline)
    return len(plan.entries), ours, base


def main(sizes: list[int]) -> None:
    """Print the build line and one render line per size."""
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    os.environ["EDCAL_NOW"] = DEMO_NOW
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    print("site build (example)  with edcal  no helper   without  ratio  target: under 1.10")
    wall, cpu, rounds = command_bench()
    for label, (ours, serial, base) in (("`mkdocs build`", wall), ("  its CPU time", cpu)):
        print(
            f"  {label:<19} {ours:>9.3f}s {serial:>9.3f}s {base:>8.3f}s {ours / base:>6.2f}"
            f"  (no helper: {serial / base:.2f})"
        )
    print(
        f"  {'round by round':<19} {'':>40} {statistics.median(rounds):>6.2f}"
        f"  (median of {len(rounds)} rounds; {min(rounds):.2f}–{max(rounds):.2f})"
    )
    ours, base = serve_bench()
    print(
        f"  {'a serve rebuild':<19} {ours:>9.3f}s {'':>10} {base:>8.3f}s {ours / base:>6.2f}"
        "  (in one process, as `mkdocs serve` rebuilds)"
    )
    feeds = feeds_bench()
    print(f"  of which the .ics/JSON feeds (write_feeds, in the helper): {feeds:.3f}s")
    print(f"{'entries':>8} {'plain list':>11} {'calendar':>9} {'ratio':>6}  target: under 2 s")
    for size in sizes:
        entries, ours, base = render_bench(size)
        print(f"{entries:>8} {base:>10.3f}s {ours:>8.3f}s {ours / base:>6.1f}")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [10000])
