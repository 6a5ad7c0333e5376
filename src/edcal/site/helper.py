"""The calendar's work, done by a second process while MkDocs builds the rest.

MkDocs builds a site in one process, one step after another. The calendar's work (loading
edcal and the content, planning, rendering the calendar pages, serialising the feeds) is
most of the edcal plugin's cost, and none of it waits for MkDocs: on a machine with two
cores or more, a helper process does it while MkDocs reads its files and renders the
theme's pages, so the plugin adds little to a build's wall time.

The helper is forked when the build starts (`on_config`): it needs no interpreter start-up,
inherits what MkDocs has imported, and loads edcal's stages itself, so the build process
never does. It says on a pipe `prelude` (what MkDocs needs before it reads the pages,
`exchange.Prelude`), `pages` (their HTML, with placeholders for the articles' URLs, which
the blog sets only later) and `feeds`, each once written into a private temporary folder,
then ends: the sooner it ends, the less memory the build must copy on writing (a fork
shares it until then). (`subprocess` or `multiprocessing` would start a new interpreter
and import MkDocs, Jinja2 and edcal again: more CPU than the work itself on the example.)

Whatever goes wrong in the helper, the plugin does the work itself with the same functions
(`work.py`): the site is the same either way.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import signal
import sys
import tempfile
import traceback
from pathlib import Path
from typing import BinaryIO, TypeVar

from edcal.site.exchange import Prelude, Settings

PRELUDE_DONE = b"prelude\n"
PAGES_DONE = b"pages\n"
FEEDS_DONE = b"feeds\n"
T = TypeVar("T")


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
    """A running helper process, the pipe it speaks on and the folder it shares."""

    def __init__(self, pid: int, said: BinaryIO, folder: Path) -> None:
        self.pid = pid
        self.folder = folder
        self.exit_code: int | None = None
        self._said = said
        self._heard: list[bytes] = []
        self._ended = False  # it closed its end of the pipe

    @classmethod
    def start(cls, settings: Settings) -> Helper | None:
        """Fork a helper on the calendar of `settings`; None where no process can be forked."""
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
        if pid == 0:  # the helper: do the work, then leave without running the build's
            os.close(reading)  # exit handlers or flushing its buffers
            os._exit(_work(settings, folder, writing))
        os.close(writing)
        return cls(pid, os.fdopen(reading, "rb"), folder)

    def prelude(self) -> Prelude | None:
        """What MkDocs needs first, once the helper has it; None if it failed first."""
        if not self._heard_say(PRELUDE_DONE):
            return None
        return _get(self.folder / "prelude.pickle", Prelude)

    def pages(self) -> dict[str, str] | None:
        """The pages' HTML (articles' URLs as placeholders); None if it failed first."""
        if not self._heard_say(PAGES_DONE):
            return None
        return _get(self.folder / "pages.pickle", dict)

    def feeds(self) -> list[Path] | None:
        """Wait for the helper to end: the feeds it wrote, or None if it failed first."""
        said = self._heard_say(FEEDS_DONE)
        if self._wait() != 0 or not said:
            return None
        return sorted((self.folder / "feeds").iterdir())

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

    def _heard_say(self, line: bytes) -> bool:
        """Whether the helper said `line`, reading what it says until it does or ends."""
        while line not in self._heard and not self._ended:
            heard = self._said.readline()
            if heard:
                self._heard.append(heard)
            else:
                self._ended = True
                self._wait()  # it closed the pipe: it has ended, or is about to
        return line in self._heard

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


def _work(settings: Settings, folder: Path, say: int) -> int:
    """The helper's whole life: the prelude, the pages, the feeds, in the order MkDocs
    needs them."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it with the build
        from edcal.site import work  # edcal's stages: loaded here, not in the build process

        prelude, job = work.prepare(settings)
        _put(folder / "prelude.pickle", prelude)
        os.write(say, PRELUDE_DONE)
        _put(folder / "pages.pickle", work.render_pages(job, work.links_ahead(settings, prelude)))
        os.write(say, PAGES_DONE)
        work.write_site_feeds(job, folder / "feeds")
        os.write(say, FEEDS_DONE)
        return 0
    except BaseException:
        # Whatever it is, the plugin does the work itself: a helper reports and ends.
        with contextlib.suppress(OSError):
            (folder / "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        return 1


def _put(path: Path, value: object) -> None:
    """Write a pickle whole or not at all (the other process reads it once told to)."""
    partial = path.with_suffix(".partial")
    partial.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    partial.replace(path)


def _get(path: Path, kind: type[T]) -> T:
    value = pickle.loads(path.read_bytes())
    if not isinstance(value, kind):
        raise TypeError(f"{path.name} holds a {type(value).__name__}, not a {kind.__name__}")
    return value


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
