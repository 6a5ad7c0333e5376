"""The calendar's pages and feeds, made by a second process while MkDocs builds the rest.

MkDocs builds a site in one process, one page after another. Rendering the calendar and
serialising its feeds (icalendar is slow to import and to write) are most of the edcal
plugin's cost, and none of it depends on the other pages: on a machine with two cores or
more, a helper process does that work while MkDocs renders the theme's pages, so the
plugin adds little to a build's wall time. MkDocs' own concurrency is none, and
`concurrent.futures` would pay `multiprocessing`'s start-up and re-import the main
module; one `subprocess` fed a pickle file is simpler and starts faster.

Whatever goes wrong in the helper, the plugin does the work itself with the same
functions (`render_pages`, `write_feeds`): the site is the same either way.

Run by the plugin as `python -P -m edcal.site.helper JOB PAGES`: it reads the job (a
pickle the plugin wrote into a private temporary folder), writes the pages' HTML as a
pickle to PAGES and prints `pages`, then writes the feeds into the site and prints `feeds`.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from edcal.model import Config, Content
from edcal.plan import Plan
from edcal.site.pages import Calendar, Health, Links
from edcal.watch import Mention

PAGES_DONE = b"pages\n"
FEEDS_DONE = b"feeds\n"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding `edcal/`


@dataclass(frozen=True)
class Job:
    """Everything the helper needs: what the calendar is made of, its links, the feeds."""

    content: Content
    plan: Plan
    now: datetime
    templates: Mapping[str, str]
    directory_urls: bool
    health: Health | None
    mentions: Sequence[tuple[datetime, Mention]] | None
    links: Links
    site_dir: str
    feeds_plan: Plan  # the plan as the feeds publish it (web URLs only)

    def calendar(self) -> Calendar:
        """The calendar whose pages the job renders."""
        return Calendar(
            self.content,
            self.plan,
            self.now,
            self.templates,
            directory_urls=self.directory_urls,
            health=self.health,
            mentions=self.mentions,
        )


def render_pages(calendar: Calendar, links: Links) -> dict[str, str]:
    """The HTML of every calendar page, by its `src_uri`."""
    return {page.src_uri: calendar.render(page, links) for page in calendar.pages}


def write_site_feeds(site_dir: str, config: Config, plan: Plan) -> None:
    """Write the calendar's .ics and JSON feeds into the site folder."""
    from edcal.outputs.feeds import write_feeds  # icalendar is imported only here

    write_feeds(Path(site_dir), config, plan)


def cores() -> int:
    """The CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - macOS and Windows


def helper_command(job_file: Path, pages_file: Path) -> list[str]:
    """The helper's command line; `-P` keeps the build's folder off its import path."""
    return [sys.executable, "-P", "-m", "edcal.site.helper", str(job_file), str(pages_file)]


class Helper:
    """A running helper process and the files it shares with the plugin."""

    def __init__(self, process: subprocess.Popen[bytes], folder: Path, stderr: IO[bytes]) -> None:
        self.process = process
        self.folder = folder
        self._stderr = stderr
        self._pages: dict[str, str] | None = None
        self._pages_read = False
        self._finished: bool | None = None

    @classmethod
    def start(cls, job: Job) -> Helper | None:
        """Start a helper on `job`; None when no process can be started here."""
        if not sys.executable:
            return None  # an embedded interpreter: no `python` to run
        folder = Path(tempfile.mkdtemp(prefix="edcal-helper-"))  # private (mode 0700)
        job_file = folder / "job.pickle"
        job_file.write_bytes(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
        stderr = (folder / "stderr.txt").open("w+b")
        # The helper must run this very edcal, wherever it was imported from.
        path = os.environ.get("PYTHONPATH")
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(PACKAGE_ROOT), *([path] if path else [])]),
        }
        try:
            process = subprocess.Popen(
                helper_command(job_file, folder / "pages.pickle"),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=env,
            )
        except OSError:
            stderr.close()
            _remove(folder)
            return None
        return cls(process, folder, stderr)

    def pages(self) -> dict[str, str] | None:
        """The pages' HTML once the helper has written it; None if it failed first."""
        if not self._pages_read:
            self._pages_read = True
            assert self.process.stdout is not None
            if self.process.stdout.readline() == PAGES_DONE:
                self._pages = pickle.loads((self.folder / "pages.pickle").read_bytes())
        return self._pages

    def feeds_written(self) -> bool:
        """Wait for the helper to end; True when it wrote the feeds."""
        if self._finished is None:
            self.pages()  # read (and skip) the pages line first
            assert self.process.stdout is not None
            rest = self.process.stdout.read()
            self._finished = self.process.wait() == 0 and rest == FEEDS_DONE
        return self._finished

    def problem(self) -> str:
        """The last line the helper wrote to its error output ("" when none)."""
        self._stderr.seek(0)
        lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        code = self.process.poll()
        where = f"exit code {code}" if code else "no exit code yet" if code is None else "ok"
        return f"{lines[-1]} ({where})" if lines else where

    def stop(self) -> None:
        """End the helper if it still runs and remove its files."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()
        _remove(self.folder)


def _remove(folder: Path) -> None:
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


def main(arguments: list[str]) -> int:
    """The helper process: pages first (MkDocs needs them first), then the feeds."""
    job_file, pages_file = (Path(argument) for argument in arguments)
    job: Job = pickle.loads(job_file.read_bytes())
    pages = render_pages(job.calendar(), job.links)
    partial = pages_file.with_suffix(".partial")
    partial.write_bytes(pickle.dumps(pages, protocol=pickle.HIGHEST_PROTOCOL))
    partial.replace(pages_file)
    sys.stdout.buffer.write(PAGES_DONE)
    sys.stdout.buffer.flush()
    write_site_feeds(job.site_dir, job.content.config, job.feeds_plan)
    sys.stdout.buffer.write(FEEDS_DONE)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
