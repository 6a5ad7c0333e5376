"""The ledger: every claim and result per (item, channel), one JSON file each, kept in git.

One file per item and channel (`calendar/ledger/<item>/<channel>.json`) means two runs
that publish different items never touch the same file, so a rebase over another run's
commit never conflicts; two runs that claim the SAME item both create the same file,
which git refuses to merge: exactly the signal that someone else moved first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from edcal.plan import History

if TYPE_CHECKING:
    import subprocess

LEDGER_DIR = "calendar/ledger"
RUNS_DIR = f"{LEDGER_DIR}/_runs"  # `_` never starts an item id, so no record lives here
# `uncertain`: an attempt that may have reached the platform; looked up before a retry.
State = Literal["claimed", "published", "failed", "uncertain", "missed", "flagged", "imported"]
DONE_STATES: frozenset[str] = frozenset({"published", "missed", "flagged", "imported"})


def idempotency_key(item_id: str, channel: str, scheduled: datetime) -> str:
    """A key derived from (item id, channel, scheduled time): the same post, the same key."""
    import hashlib  # only publishing makes keys; the site's build only reads the ledger

    text = f"{item_id}\n{channel}\n{scheduled.isoformat()}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Event:
    """One line of an (item, channel)'s history."""

    state: State
    at: str  # the run's `now`, ISO 8601
    run: str
    remote_id: str = ""
    url: str = ""
    error: str = ""
    attempt_at: str = ""  # the wall-clock time of the attempt, for people reading the ledger

    def to_json(self) -> dict[str, str]:
        """Only the fields that are set, so the files stay short."""
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass(frozen=True)
class Record:
    """Everything that happened to one (item, channel)."""

    item_id: str
    channel: str
    key: str
    scheduled: str
    events: tuple[Event, ...] = ()

    @property
    def state(self) -> State | None:
        """The latest state, or None for a record without events."""
        return self.events[-1].state if self.events else None

    @property
    def done(self) -> bool:
        """Published, imported, missed or flagged: never to be posted again by a run."""
        return self.state in DONE_STATES

    def with_event(self, event: Event) -> Record:
        """This record with one more event."""
        return Record(self.item_id, self.channel, self.key, self.scheduled, (*self.events, event))

    def to_json(self) -> str:
        """The file's text: stable key order, one event per line for readable diffs."""
        head = {
            "id": self.item_id,
            "channel": self.channel,
            "key": self.key,
            "scheduled": self.scheduled,
        }
        events = ",\n".join(
            "    " + json.dumps(event.to_json(), ensure_ascii=False) for event in self.events
        )
        body = json.dumps(head, ensure_ascii=False, indent=2)[:-2]
        return f'{body},\n  "events": [\n{events}\n  ]\n}}\n'


def record_path(repo: Path, item_id: str, channel: str) -> Path:
    """Where the record of (item, channel) lives; `:` (announcements) becomes `~`."""
    return repo / LEDGER_DIR / item_id.replace(":", "~") / f"{channel}.json"


@dataclass
class Ledger:
    """The records as read from `calendar/ledger/`, keyed by (item id, channel)."""

    repo: Path
    records: dict[tuple[str, str], Record] = field(default_factory=dict)
    heartbeats: list[datetime] = field(default_factory=list)  # idle runs, see `write_heartbeat`

    def last_run(self) -> datetime | None:
        """The `now` of the latest publish run the ledger knows of."""
        times = [datetime.fromisoformat(e.at) for r in self.records.values() for e in r.events]
        times += self.heartbeats
        return max(times, default=None)

    def write_heartbeat(self, now: datetime, run_id: str) -> Path:
        """Record that a run with nothing to write happened (one new file: never a conflict).

        Runs that claim or record something leave their time in those events; an idle run
        writes this only now and then (`HEARTBEAT`), so that scheduler health can be told
        without a commit every 15 minutes.
        """
        path = self.repo / RUNS_DIR / f"{now:%Y-%m}" / f"{now:%Y%m%dT%H%M%z}-{run_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"at": now.isoformat(), "run": run_id}) + "\n", "utf-8")
        self.heartbeats.append(now)
        return path

    def get(self, item_id: str, channel: str) -> Record | None:
        """The record of (item, channel), if any."""
        return self.records.get((item_id, channel))

    def published(self) -> dict[str, dict[str, str]]:
        """item id -> channel -> live URL, for the plan and the site."""
        found: dict[str, dict[str, str]] = {}
        for (item_id, channel), record in self.records.items():
            if "~" in channel:
                continue  # a team notification, not a post
            for event in reversed(record.events):
                if event.state == "published":
                    found.setdefault(item_id, {})[channel] = event.url or event.remote_id
                    break
        return found

    def write(self, record: Record) -> Path:
        """Write one record's file and remember it."""
        path = record_path(self.repo, record.item_id, record.channel)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(record.to_json(), encoding="utf-8")
        temporary.replace(path)  # never a half-written record, even if the run is killed
        self.records[(record.item_id, record.channel)] = record
        return path


def read_ledger(repo: Path) -> Ledger:
    """Every record under `calendar/ledger/`; an unreadable file is skipped, not fatal."""
    ledger = Ledger(repo)
    folder = repo / LEDGER_DIR
    if not folder.is_dir():
        return ledger
    for path in sorted((folder / "_runs").glob("*/*.json")):
        try:
            ledger.heartbeats.append(datetime.fromisoformat(json.loads(path.read_text())["at"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    for path in sorted(folder.glob("*/*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            events = tuple(Event(**event) for event in data["events"])
            record = Record(data["id"], data["channel"], data["key"], data["scheduled"], events)
        except (OSError, ValueError, KeyError, TypeError):
            continue
        ledger.records[(record.item_id, record.channel)] = record
    return ledger


class GitError(RuntimeError):
    """A git command failed in a way publishing cannot work around."""


@dataclass(frozen=True)
class Git:
    """The few git operations the ledger needs, run in the repository."""

    repo: Path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run `git ARGS` in the repository (never through a shell)."""
        import subprocess  # only publishing runs git; the site's build only reads the ledger

        done = subprocess.run(
            ["git", "-C", str(self.repo), *args], capture_output=True, text=True, check=False
        )
        if check and done.returncode != 0:
            raise GitError(f"git {' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}")
        return done

    def is_repository(self) -> bool:
        """True inside a git work tree."""
        return self.run("rev-parse", "--is-inside-work-tree", check=False).returncode == 0

    def has_remote(self) -> bool:
        """True when the current branch has an upstream to pull from and push to."""
        return self.run("rev-parse", "--abbrev-ref", "@{upstream}", check=False).returncode == 0

    def dirty_paths(self) -> list[str]:
        """Tracked files changed in the work tree (untracked files are left alone)."""
        out = self.run("status", "--porcelain", "--untracked-files=no").stdout
        return [line[3:] for line in out.splitlines()]

    def changed_under(self, folder: str) -> list[Path]:
        """Files under `folder` changed or new since the last commit."""
        out = self.run("status", "--porcelain", "--untracked-files=all", "--", folder).stdout
        return [self.repo / line[3:] for line in out.splitlines()]

    def pull(self) -> None:
        """Bring the branch up to date with its upstream (rebasing any local commits)."""
        self.run("pull", "--rebase", "--quiet")

    def commit(self, paths: Iterable[Path], message: str) -> bool:
        """Commit exactly these paths; False when nothing changed."""
        names = [str(path.relative_to(self.repo)) for path in paths]
        if not names:
            return False
        self.run("add", "--", *names)
        if self.run("diff", "--cached", "--quiet", check=False).returncode == 0:
            return False
        identity = self._identity()
        self.run(*identity, "commit", "--quiet", "--no-verify", "-m", message, "--", *names)
        return True

    def push(self) -> bool:
        """Push the branch; False when the remote moved first (a rejected push)."""
        done = self.run("push", "--quiet", check=False)
        if done.returncode == 0:
            return True
        if (
            "rejected" in done.stderr
            or "fetch first" in done.stderr
            or "non-fast-forward" in (done.stderr)
        ):
            return False
        raise GitError(f"git push: {done.stderr.strip()}")

    def rebase_onto_upstream(self) -> bool:
        """Replay local commits on the upstream; False (and nothing changed) on a conflict."""
        self.run("fetch", "--quiet")
        if self.run("rebase", "--quiet", "@{upstream}", check=False).returncode == 0:
            return True
        self.run("rebase", "--abort", check=False)
        return False

    def drop_last_commit(self) -> None:
        """Undo our own last commit (a claim that lost the race) and its files."""
        self.run("reset", "--hard", "--quiet", "HEAD~1")

    def _identity(self) -> Sequence[str]:
        if self.run("config", "user.email", check=False).stdout.strip():
            return ()
        return ("-c", "user.name=edcal", "-c", "user.email=edcal@users.noreply.github.com")


RUNS_LATE = timedelta(hours=2)  # idle runs record themselves hourly: two hours is late
INACTIVE_WARNING = timedelta(days=50)  # GitHub switches schedules off after 60 days


def health_warnings(ledger: Ledger, now: datetime) -> list[str]:
    """What is wrong with the scheduled runs: none yet, late or missing, or a quiet repo."""
    warnings = []
    last = ledger.last_run()
    if last is None:
        warnings.append("no publish run is recorded yet: has the publish workflow run?")
    elif now - last > RUNS_LATE:
        warnings.append(
            f"the last publish run was {_ago(now - last)} ago"
            f" ({last.isoformat(timespec='minutes')}): scheduled runs are late or missing"
            " (GitHub delays and drops them; nothing is"
            " lost, late posts go out or are reported missed)"
        )
    git = Git(ledger.repo)
    if git.is_repository():
        out = git.run("log", "-1", "--format=%ct", "--invert-grep", "--grep=^edcal:", check=False)
        if out.returncode == 0 and out.stdout.strip():
            quiet = now - datetime.fromtimestamp(int(out.stdout.strip()), tz=now.tzinfo)
            if quiet > INACTIVE_WARNING:
                warnings.append(
                    f"no commit by a person for {quiet.days} days: GitHub switches off the"
                    " schedules of a repository without activity for 60 days; push a commit"
                )
    return warnings


def _ago(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.0f} days"


def history(ledger: Ledger) -> History:
    """The ledger as the plan reads it: outcome per item and channel, URLs, pinned times."""
    outcomes: dict[str, dict[str, str]] = {}
    pinned: dict[str, datetime] = {}
    for (item_id, channel), record in ledger.records.items():
        if "~" in channel:
            continue  # a team notification (`<channel>~heads-up`), not a post
        if record.state is not None:
            outcomes.setdefault(item_id, {})[channel] = record.state
        if record.done:
            pinned[item_id] = datetime.fromisoformat(record.scheduled)
    return History(outcomes, ledger.published(), pinned)
