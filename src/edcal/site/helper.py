"""The calendar's pages and feeds, made by a second process while MkDocs builds the rest.

MkDocs builds a site in one process, one page after another. Rendering the calendar and
serialising its feeds (icalendar is slow to import and to write) are most of the edcal
plugin's cost, and none of it depends on the other pages: on a machine with two cores or
more, a helper process does that work while MkDocs renders the theme's pages, so the
plugin adds little to a build's wall time.

The helper is a fork of the build process: it has the calendar's inputs in memory and
every module imported, so it starts at once and costs no more CPU than doing the work in
place. (`subprocess` or `multiprocessing` would start a new interpreter, import edcal and
Jinja2 again and unpickle the inputs: more CPU than the work itself on the example.) It
writes the pages' HTML as a pickle into a private temporary folder, says `pages` on a
pipe, writes the feeds into the site and says `feeds`.

Whatever goes wrong in the helper, the plugin does the work itself with the same
functions (`render_pages`, `write_site_feeds`): the site is the same either way.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import tempfile
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from edcal.model import Config, Content
from edcal.plan import Plan
from edcal.site.pages import Calendar, Health, Links
from edcal.watch import Mention

PAGES_DONE = b"pages\n"
FEEDS_DONE = b"feeds\n"


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


def can_fork() -> bool:
    """Whether a helper can be forked here: POSIX, but not macOS, whose system libraries
    are not safe to use in a forked child (Python's own `multiprocessing` avoids it)."""
    return hasattr(os, "fork") and sys.platform != "darwin"


class Helper:
    """A running helper process and the folder it shares with the plugin."""

    def __init__(self, pid: int, said: BinaryIO, folder: Path) -> None:
        self.pid = pid
        self.folder = folder
        self.exit_code: int | None = None
        self._said = said
        self._pages: dict[str, str] | None = None
        self._pages_read = False
        self._finished: bool | None = None

    @classmethod
    def start(cls, job: Job) -> Helper | None:
        """Fork a helper on `job`; None where no process can be forked."""
        if not can_fork():
            return None
        folder = Path(tempfile.mkdtemp(prefix="edcal-helper-"))  # private (mode 0700)
        reading, writing = os.pipe()
        sys.stdout.flush()  # or the child could write the build's pending output again
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError:
            os.close(reading)
            os.close(writing)
            _remove(folder)
            return None
        if pid == 0:  # the helper: do the job, then leave without running the build's
            os.close(reading)  # exit handlers or flushing its buffers
            os._exit(_work(job, folder, writing))
        os.close(writing)
        return cls(pid, os.fdopen(reading, "rb"), folder)

    def pages(self) -> dict[str, str] | None:
        """The pages' HTML once the helper has written it; None if it failed first."""
        if not self._pages_read:
            self._pages_read = True
            if self._said.readline() == PAGES_DONE:
                self._pages = pickle.loads((self.folder / "pages.pickle").read_bytes())
            else:
                self._wait()  # it closed the pipe: it has ended, or is about to
        return self._pages

    def feeds_written(self) -> bool:
        """Wait for the helper to end; True when it wrote the feeds."""
        if self._finished is None:
            self.pages()  # read (and skip) the pages line first
            rest = self._said.read()
            self._finished = self._wait() == 0 and rest == FEEDS_DONE
        return self._finished

    def problem(self) -> str:
        """The helper's last error line, and how it ended."""
        report = self.folder / "error.txt"
        lines = report.read_text(encoding="utf-8").strip().splitlines() if report.exists() else []
        code = self.exit_code
        ended = "still running" if code is None else f"exit code {code}" if code else "ok"
        return f"{lines[-1]} ({ended})" if lines else ended

    def stop(self) -> None:
        """End the helper if it still runs and remove its files."""
        if self.exit_code is None:
            with contextlib.suppress(ProcessLookupError):  # it may have just ended
                os.kill(self.pid, signal.SIGKILL)
            self._wait()
        self._said.close()
        _remove(self.folder)

    def _wait(self) -> int:
        if self.exit_code is None:
            try:
                _, status = os.waitpid(self.pid, 0)
                self.exit_code = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                # A host that ignores SIGCHLD reaps children itself: the status is gone,
                # and what the helper said on the pipe is all there is to go by.
                self.exit_code = 0
        return self.exit_code


def _work(job: Job, folder: Path, say: int) -> int:
    """The helper's whole life: pages first (MkDocs needs them first), then the feeds."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it with the build
        pages = render_pages(job.calendar(), job.links)
        partial = folder / "pages.partial"
        partial.write_bytes(pickle.dumps(pages, protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(folder / "pages.pickle")
        os.write(say, PAGES_DONE)
        write_site_feeds(job.site_dir, job.content.config, job.feeds_plan)
        os.write(say, FEEDS_DONE)
        return 0
    except BaseException:
        # Whatever it is, the plugin does the work itself: a helper reports and ends.
        with contextlib.suppress(OSError):
            (folder / "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        return 1


def _remove(folder: Path) -> None:
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
