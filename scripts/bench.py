"""`make bench`: edcal's speed against baselines measured in the same run, as ratios.

- check: `load + check + plan` of N generated files vs a bare `frontmatter.load` loop over
  the same files (target: at most 1.5x at 10,000 files). The two run in alternation, so a
  busy spell on a shared machine slows both; the ratio is of the best wall times, and
  the CPU-time ratio (`time.process_time`, which time spent waiting for the CPU does not
  inflate) and the spread of the ratios of each pair are printed beside it;
- startup: `edcal check` on an empty repository vs `python -c pass` (target: under 0.3 s,
  no platform SDK imported).

Sizes can be chosen: `python scripts/bench.py 100 1000`.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import frontmatter

from edcal.check import check_content
from edcal.load import load_content, markdown_files
from edcal.plan import build_plan

CONFIG = """\
timezone: Europe/Paris
site_url: https://bench.example/
channels:
  x: {platform: x, slots: ["daily 12:30"]}
  mastodon: {platform: mastodon}
  bluesky: {platform: bluesky}
  facebook: {platform: facebook}
tasks:
  - {id: weekly, title: Weekly, rrule: "FREQ=WEEKLY;BYDAY=FR;BYHOUR=9", start: 2026-01-02}
"""
WORDS = (
    *("community", "calendar", "plan", "post", "week", "friday"),
    *("article", "reply", "thread", "café", "été"),
)
PARIS = ZoneInfo("Europe/Paris")


def generate(repo: Path, count: int, seed: int = 7) -> None:
    """Write `count` content files (one article in ten) and a config into `repo`."""
    rng = random.Random(seed)
    (repo / "calendar").mkdir(parents=True)
    (repo / "calendar/edcal.yml").write_text(CONFIG, encoding="utf-8")
    posts, social = repo / "content/blog/posts", repo / "content/social"
    posts.mkdir(parents=True)
    social.mkdir(parents=True)
    start = datetime(2026, 1, 1, 9, tzinfo=PARIS)
    for number in range(count):
        when = start + timedelta(hours=7 * number)
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
        if number % 10 == 0:
            body = f"# Article {number}\n\n{text}\n\n<!-- more -->\n\n{text * 5}\n"
            meta = (
                f"id: post-{number}\ntitle: Article {number}\ndate: {when.isoformat()}\n"
                "status: scheduled\nchannels: [x, mastodon]\nauthors: [camille]\n"
            )
            (posts / f"{number:05d}.md").write_text(f"---\n{meta}---\n{body}", encoding="utf-8")
        else:
            url = " https://bench.example/tips/" if number % 3 == 0 else ""
            meta = (
                f"id: social-{number}\ndate: {when.replace(tzinfo=None).isoformat()}\n"
                "status: scheduled\nchannels: [x, mastodon, bluesky]\n"
            )
            body = f"{text[:200]}{url}\n"
            (social / f"{number:05d}.md").write_text(f"---\n{meta}---\n{body}", encoding="utf-8")


def fastest(runs: int, *actions: Callable[[], object]) -> list[float]:
    """The fastest of `runs` timings of each action, in seconds, taken in turns.

    Taking turns and keeping the fastest run of each keeps a busy machine (other builds,
    other tests) from favouring whichever side happened to run in a calm moment.
    """
    timings: list[list[float]] = [[] for _ in actions]
    for _ in range(runs):
        for action, found in zip(actions, timings, strict=True):
            began = time.perf_counter()
            action()
            found.append(time.perf_counter() - began)
    return [min(found) for found in timings]


@dataclass(frozen=True)
class Pairs:
    """Alternating timings of the baseline and of edcal, in seconds (wall and CPU)."""

    base_wall: list[float]
    ours_wall: list[float]
    base_cpu: list[float]
    ours_cpu: list[float]

    @property
    def ratio(self) -> float:
        """Best wall time against best wall time: the least disturbed run of each."""
        return min(self.ours_wall) / min(self.base_wall)

    @property
    def cpu_ratio(self) -> float:
        """The same with CPU time, which waiting for a busy machine's CPU does not count."""
        return min(self.ours_cpu) / min(self.base_cpu)

    def spread(self) -> tuple[float, float]:
        """The lowest and highest wall ratio of a baseline run and the edcal run after it."""
        ratios = [ours / base for base, ours in zip(self.base_wall, self.ours_wall, strict=True)]
        return min(ratios), max(ratios)


def alternate(runs: int, base: Callable[[], object], ours: Callable[[], object]) -> Pairs:
    """Time `base` then `ours`, `runs` times over, after one untimed run of each.

    The untimed runs load what both load on first use (the platforms' text rules), which
    the startup line measures instead.
    """
    base()
    ours()
    pairs = Pairs([], [], [], [])
    for _ in range(runs):
        for action, wall, cpu in (
            (base, pairs.base_wall, pairs.base_cpu),
            (ours, pairs.ours_wall, pairs.ours_cpu),
        ):
            began, began_cpu = time.perf_counter(), time.process_time()
            action()
            wall.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
    return pairs


def bare_parse(repo: Path) -> None:
    """The baseline: python-frontmatter on every file, nothing else."""
    for folder in ("content/blog/posts", "content/social"):
        for path in markdown_files(repo, folder):
            frontmatter.load(path)


def full_check(repo: Path) -> None:
    """What `edcal check` does, in process."""
    content = load_content(repo)
    check_content(repo, content)
    build_plan(repo, content, datetime(2026, 6, 1, tzinfo=PARIS))


def startup(repo: Path) -> float:
    """Wall time of `edcal check` in a fresh interpreter."""
    edcal = Path(sys.executable).with_name("edcal")
    (found,) = fastest(
        5, lambda: subprocess.run([str(edcal), "--repo", str(repo), "check"], capture_output=True)
    )
    return found


def publish_startup() -> tuple[float, float]:
    """`edcal publish` with nothing due on a copy of the example, and `python -c pass`."""
    import shutil

    root = Path(__file__).resolve().parent.parent
    edcal = Path(sys.executable).with_name("edcal")
    with tempfile.TemporaryDirectory() as folder:
        repo = Path(folder)
        shutil.copytree(root / "content", repo / "content")
        shutil.copytree(
            root / "calendar", repo / "calendar", ignore=shutil.ignore_patterns("ledger")
        )
        for args in (
            ["init", "-q"],
            ["add", "-A"],
            ["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "bench"],
        ):
            subprocess.run(["git", "-C", str(repo), *args], check=True)
        # Monday 2026-11-30 06:00: the first post is at 12:30, so nothing is due.
        command = [
            str(edcal),
            "--repo",
            str(repo),
            "--now",
            "2026-11-30T06:00:00+01:00",
            "publish",
            "--no-push",
        ]
        ours, python = fastest(
            5,
            lambda: subprocess.run(command, capture_output=True, check=True),
            lambda: subprocess.run([sys.executable, "-c", "pass"]),
        )
    return ours, python


def main(sizes: list[int]) -> None:
    """Print one line per size and the startup line."""
    print(
        f"{'files':>7} {'bare parse':>11} {'edcal check':>12} {'ratio':>6} {'CPU ratio':>10}"
        f"  {'each pair':<9}  target ≤ 1.5"
    )
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            repo = Path(folder)
            generate(repo, size)
            pairs = alternate(
                9 if size <= 1000 else 5,
                lambda repo=repo: bare_parse(repo),
                lambda repo=repo: full_check(repo),
            )
            low, high = pairs.spread()
            print(
                f"{size:>7} {min(pairs.base_wall):>10.3f}s {min(pairs.ours_wall):>11.3f}s"
                f" {pairs.ratio:>6.2f} {pairs.cpu_ratio:>10.2f}  {low:.2f}–{high:.2f}"
            )
    with tempfile.TemporaryDirectory() as folder:
        repo = Path(folder)
        (repo / "calendar").mkdir()
        (repo / "calendar/edcal.yml").write_text(CONFIG, encoding="utf-8")
        (python,) = fastest(5, lambda: subprocess.run([sys.executable, "-c", "pass"]))
        ours = startup(repo)
        print(
            f"startup: edcal check on an empty repo {ours:.3f}s, python -c pass {python:.3f}s,"
            f" ratio {ours / python:.1f} (target: under 0.3 s)"
        )
    ours, python = publish_startup()
    print(
        f"publish with nothing due (example): {ours:.3f}s, python -c pass {python:.3f}s,"
        f" ratio {ours / python:.1f} (target: under 0.5 s)"
    )


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [100, 1000, 10000])
