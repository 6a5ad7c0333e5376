"""The calendar's work, done by a second process while MkDocs builds the rest.

MkDocs builds a site in one process, one step after another. The calendar's work (loading
edcal and the content, planning, rendering the calendar pages, serialising the feeds) is
most of the edcal plugin's cost, and none of it waits for MkDocs: on a machine with two
cores or more, a helper process does it while MkDocs reads its files and renders the
theme's pages, so the plugin adds little to a build's wall time.

The helper is a new interpreter, started as the build starts (`on_startup`): it loads
edcal's stages while MkDocs loads its own, gets the build's `Settings` on its stdin once
they are known (`on_config`), and says on its stdout `prelude` (what MkDocs needs before
it reads the pages, `exchange.Prelude`), `pages` (their HTML, with placeholders for the
articles' URLs, which the blog sets only later) and `feeds`, each once written into a
private temporary folder. Not a fork: a forked process shares the build's memory, and
every page the build then writes must first be copied, which cost the example's build
about as much as the helper saved it.

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
# The helper's command. It imports from the build's module path, with the folder edcal
# is imported from first, so both run the same code; `-S` skips `site` (its .pth files
# only add to the path the helper is given anyway), `-P` the working folder: a quicker
# start, and the prelude is wanted early. One path entry per line.
_MAIN = (
    "import sys; sys.path[:] = sys.argv[1].split('\\n'); from edcal.site.helper import main; main()"
)
_EDCAL_ROOT = str(Path(__file__).resolve().parents[2])


def cores() -> int:
    """The CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - macOS and Windows


class Helper:
    """A running helper process, its pipes and the folder it shares with the build."""

    def __init__(self, pid: int, said: BinaryIO, tell: int, folder: Path) -> None:
        self.pid = pid
        self.folder = folder
        self.exit_code: int | None = None
        self._said = said
        self._tell: int | None = tell
        self._heard: list[bytes] = []
        self._ended = False  # it closed its end of the pipe

    @classmethod
    def start(cls) -> Helper | None:
        """Start a helper; None where no process can be started so (no `posix_spawn`)."""
        if not hasattr(os, "posix_spawn") or not sys.executable:
            return None  # pragma: no cover - Windows, embedded interpreters
        folder = Path(tempfile.mkdtemp(prefix="edcal-helper-"))  # private (mode 0700)
        hear, tell = os.pipe()
        said, say = os.pipe()
        actions = [
            (os.POSIX_SPAWN_DUP2, hear, 0),
            (os.POSIX_SPAWN_DUP2, say, 1),
            (os.POSIX_SPAWN_OPEN, 2, str(folder / "stderr.txt"), os.O_WRONLY | os.O_CREAT, 0o600),
        ]
        from_env = os.environ.get("PYTHONPATH", "").split(os.pathsep)  # first, as Python does
        path = "\n".join(entry for entry in (_EDCAL_ROOT, *from_env, *sys.path) if entry)
        command = [sys.executable, "-S", "-P", "-c", _MAIN, path, str(folder)]
        try:
            # posix_spawn, not fork: the build's memory stays its own (see above).
            pid = os.posix_spawn(sys.executable, command, os.environ, file_actions=actions)
        except OSError:
            os.close(tell)
            os.close(said)
            _remove(folder)
            return None
        finally:
            os.close(hear)
            os.close(say)
        return cls(pid, os.fdopen(said, "rb"), tell, folder)

    @property
    def waiting(self) -> bool:
        """Whether the helper still waits for its settings."""
        return self._tell is not None

    def begin(self, settings: Settings) -> None:
        """Give the helper the build's settings: it starts on the calendar."""
        if self._tell is None:
            return
        told = memoryview(pickle.dumps(settings, protocol=pickle.HIGHEST_PROTOCOL))
        with contextlib.suppress(OSError):  # it has ended: `prelude()` will say so
            while told:
                told = told[os.write(self._tell, told) :]
        self._hang_up()

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
        lines: list[str] = []
        for report in (self.folder / "error.txt", self.folder / "stderr.txt"):
            if not lines and report.exists():
                lines = report.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        code = self.exit_code
        ended = "still running" if code is None else f"exit code {code}" if code else "ok"
        return f"{lines[-1]} ({ended})" if lines else ended

    def stop(self) -> None:
        """End the helper if it still runs and remove its files."""
        self._hang_up()
        if self.exit_code is None:
            with contextlib.suppress(ProcessLookupError):  # it may have just ended
                os.kill(self.pid, signal.SIGKILL)
            self._wait()
        self._said.close()
        _remove(self.folder)

    def _hang_up(self) -> None:
        if self._tell is not None:
            os.close(self._tell)
            self._tell = None

    def _heard_say(self, line: bytes) -> bool:
        """Whether the helper said `line`, reading what it says until it does or ends."""
        self._hang_up()  # a helper still waiting for settings gets none now, and ends
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


def main() -> None:
    """The helper process: `python -c _MAIN PATH FOLDER`, settings on stdin."""
    build = os.getppid()
    folder = Path(sys.argv[2])

    def terminated(signum: int, frame: object) -> None:
        # Killed with the build (`timeout`, a CI runner's cancel): leave nothing behind.
        _remove(folder)
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, terminated)
    code = _work(folder)
    if os.getppid() != build:
        _remove(folder)  # the build is gone: nobody else will clean up
    sys.exit(code)


def _work(folder: Path) -> int:
    """The helper's whole life: the prelude, the pages, the feeds, in the order MkDocs
    needs them."""
    try:
        from edcal.site import work  # loaded while the build loads MkDocs and its plugins

        told = sys.stdin.buffer.read()
        if not told:
            _remove(folder)  # the build ended, or went on without the helper
            return 0
        settings = pickle.loads(told)
        prelude, job = work.prepare(settings)
        _put(folder / "prelude.pickle", prelude)
        os.write(1, PRELUDE_DONE)
        _put(folder / "pages.pickle", work.render_pages(job, work.links_ahead(settings, prelude)))
        os.write(1, PAGES_DONE)
        work.write_site_feeds(job, folder / "feeds")
        os.write(1, FEEDS_DONE)
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
