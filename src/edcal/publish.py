"""Plan + ledger + now -> what to claim, post and record: each (item, channel) out once.

A run: bring the clone up to date, read the ledger, pick what is due as of `now`,
**claim** it in the ledger and push (git's push is a compare-and-swap on the branch: a
rejected push means another run moved first), post through the channel's adapter with
an idempotency key, **record** each result, push again. A claim without a result is
looked up by key before anything is posted again; where the platform cannot tell, the
item is flagged for a human. See "Publishing contract" in DESIGN.md.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from filelock import FileLock

from edcal.check import check_content
from edcal.ledger import (
    LEDGER_DIR,
    Event,
    Git,
    GitError,
    Ledger,
    Record,
    State,
    health_warnings,
    history,
    idempotency_key,
    read_ledger,
)
from edcal.load import load_content
from edcal.model import Channel, Config, Content, Post, SocialPost, Target
from edcal.plan import Entry, build_plan
from edcal.platforms.base import (
    Adapter,
    AuthError,
    CannotTell,
    Delivery,
    DeliveryError,
    Outgoing,
    PermanentError,
    TransientError,
)
from edcal.render import RenderError, announcement_text, article_url, load_templates, social_parts

CRASH_ENV = "EDCAL_TEST_CRASH_AT"  # test-only fault hook: the run kills itself at that step
CRASH_POINTS = ("before-claim", "after-claim", "after-push", "after-post", "after-record")
PUSH_ATTEMPTS = 6
MAX_ATTEMPTS = 3  # posting attempts per item in one run
MAX_WAIT = 60.0  # seconds a run may wait for one retry (a longer Retry-After: next run)
RETRY_BUDGET = 120.0  # seconds of waiting in a whole run
FEED_TIMEOUT = 20.0
HEARTBEAT = timedelta(hours=1)  # an idle run records itself at most this often

OutcomeKind = Literal[
    "published", "failed", "missed", "flagged", "imported", "would publish", "waiting", "skipped"
]
Sleep = Callable[[float], None]
AdapterFactory = Callable[[Channel, Target, Path], Adapter]


@dataclass(frozen=True)
class PublishOptions:
    """How a run behaves; `now` is the only clock publishing reads."""

    now: datetime
    target: Target | None = None  # None: the config's `publish.target`
    channel: str | None = None
    max_items: int | None = None  # None: the config's `publish.max_per_run`
    dry_run: bool = False
    push: bool = True
    import_past: bool = False
    feed: str | None = None  # the site's feed (URL or file) telling which articles are live
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


@dataclass(frozen=True)
class Outcome:
    """What happened to one (item, channel) in this run."""

    item_id: str
    channel: str
    scheduled: datetime
    kind: OutcomeKind
    detail: str = ""
    url: str = ""


@dataclass(frozen=True)
class Report:
    """Everything a run did, for the summary and the exit code."""

    outcomes: tuple[Outcome, ...]
    notes: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        """True when something failed (a non-zero exit at the end of the run)."""
        return any(o.kind == "failed" for o in self.outcomes)


@dataclass(frozen=True)
class Due:
    """One (item, channel) this run should deliver, with its text and key."""

    entry: Entry
    channel: Channel
    outgoing: Outgoing
    reconcile: bool  # a stale claim: look the key up before posting


class PublishError(RuntimeError):
    """The run cannot start (dirty work tree, git failing); nothing was posted."""


def crash_point(step: str) -> None:
    """Kill the process at `step` when the test-only fault hook asks for it."""
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def default_adapter(channel: Channel, target: Target, repo: Path) -> Adapter:
    """The outbox for every channel, or the platform's real adapter for `live`."""
    if target == "outbox":
        from edcal.platforms.outbox import OutboxAdapter, outbox_dir

        return OutboxAdapter(outbox_dir(repo), channel.name)
    import importlib

    # Each platform's module (and its SDK) is imported only when a post is due for it.
    try:
        module = importlib.import_module(f"edcal.platforms.{channel.platform}")
    except ModuleNotFoundError as error:
        if error.name != f"edcal.platforms.{channel.platform}":
            raise
        raise AuthError(
            f"{channel.name}: the live {channel.platform} adapter is not available in this"
            " version; publish with --target outbox"
        ) from None
    adapter: Adapter = module.make_adapter(channel, os.environ)
    return adapter


def publish(
    repo: Path,
    options: PublishOptions,
    adapter_for: AdapterFactory = default_adapter,
    sleep: Sleep = time.sleep,
) -> Report:
    """Publish what is due as of `options.now` and record it; see the module docstring."""
    git = Git(repo)
    in_git = git.is_repository()
    remote = in_git and options.push and git.has_remote() and not options.dry_run
    lock_file = _lock_path(repo, git if in_git else None)
    # Two runs on one machine (or clone) never interleave; runners elsewhere are kept
    # apart by the ledger's pushed claims.
    with FileLock(str(lock_file)):
        if in_git and not options.dry_run:
            # A run killed between writing the ledger and committing it leaves true
            # claims and results behind: keep them, they are what happened.
            leftovers = git.changed_under(LEDGER_DIR)
            if leftovers:
                git.commit(leftovers, "edcal: keep the ledger of an interrupted run")
        if remote:
            dirty = git.dirty_paths()
            if dirty:
                raise PublishError(
                    "the work tree has uncommitted changes (" + ", ".join(dirty[:3]) + "):"
                    " commit or stash them first, or use --no-push"
                )
            git.pull()
        return _run(repo, options, git if in_git else None, remote, adapter_for, sleep)


def _lock_path(repo: Path, git: Git | None) -> Path:
    if git is not None:
        git_dir = Path(git.run("rev-parse", "--git-dir").stdout.strip())
        folder = git_dir if git_dir.is_absolute() else repo / git_dir
        return folder / "edcal-publish.lock"
    return repo / ".edcal-publish.lock"


def _run(
    repo: Path,
    options: PublishOptions,
    git: Git | None,
    remote: bool,
    adapter_for: AdapterFactory,
    sleep: Sleep,
) -> Report:
    notes: list[str] = []
    for attempt in range(PUSH_ATTEMPTS):
        content = load_content(repo)
        ledger = read_ledger(repo)
        if attempt == 0:
            notes += health_warnings(ledger, options.now)
        selection = select(repo, content, ledger, options, local_only=not remote, notes=notes)
        if options.dry_run:
            return Report(tuple(selection.outcomes), tuple(notes))
        crash_point("before-claim")
        changed = _write_claims(ledger, selection, options)
        last = ledger.last_run()
        if not changed and (last is None or options.now - last >= HEARTBEAT):
            changed.append(ledger.write_heartbeat(options.now, options.run_id))
        if not changed:
            return _deliver(
                repo,
                content,
                ledger,
                [],
                selection,
                options,
                git,
                remote,
                adapter_for,
                sleep,
                notes,
            )
        if git is not None:
            what = f"claim {len(selection.due)} post(s)" if selection.due else "publish run"
            git.commit(changed, f"edcal: {what} [{options.run_id}]")
        crash_point("after-claim")
        if not remote or _push(git):
            crash_point("after-push")
            return _deliver(
                repo,
                content,
                ledger,
                changed,
                selection,
                options,
                git,
                remote,
                adapter_for,
                sleep,
                notes,
            )
        # Another run claimed the same item first: drop our claim and plan again.
        assert git is not None
        git.drop_last_commit()
        git.pull()
        notes.append("another run claimed some items first; re-read the ledger")
    raise PublishError(f"could not claim after {PUSH_ATTEMPTS} attempts: the remote keeps moving")


def _push(git: Git | None) -> bool:
    """Push; on rejection rebase (no conflict: different items) and push again."""
    assert git is not None
    for _ in range(PUSH_ATTEMPTS):
        if git.push():
            return True
        if not git.rebase_onto_upstream():
            return False  # a conflict: the same (item, channel) was claimed elsewhere
    return False


@dataclass
class Selection:
    """What a run found: what to deliver now, and what to record without posting."""

    due: list[Due] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    records: list[tuple[Record, Event]] = field(default_factory=list)  # missed / imported
    entries: tuple[Entry, ...] = ()  # the whole plan, for the team's heads-up


def select(
    repo: Path,
    content: Content,
    ledger: Ledger,
    options: PublishOptions,
    local_only: bool,
    notes: list[str],
) -> Selection:
    """Sort every scheduled (item, channel) into due, missed, waiting or nothing to do."""
    config = content.config
    now = options.now
    broken: set[str] | None = None  # files with errors, found only once something is due
    plan = build_plan(repo, content, now, history=history(ledger))
    announcing = [
        e
        for e in plan.entries
        if e.kind == "announce"
        and now - config.publish.max_delay < e.start <= now
        and any(not (r := ledger.get(e.id, c)) or not r.done for c in e.channels)
    ]
    live = _live_articles(repo, config, options, announcing, notes)
    posts = {p.id: p for p in content.posts}
    socials = {s.id: s for s in content.socials}
    templates = load_templates(repo)
    limit = options.max_items or config.publish.max_per_run
    selection = Selection(entries=plan.entries)
    for entry, channel in _candidates(plan.entries, config, options.channel):
        key = idempotency_key(entry.id, channel.name, entry.start)
        record = ledger.get(entry.id, channel.name)
        if record is not None and record.done:
            continue  # published (or decided) once: editing or renaming never re-posts
        if entry.start > now:
            continue
        outcome = _outcome_for(entry, channel.name)
        if broken is None:
            broken = {p.source.path for p in check_content(repo, content) if p.severity == "error"}
        if entry.source.path in broken:
            selection.outcomes.append(outcome("skipped", "the file has errors: run edcal check"))
            continue
        if options.import_past:
            event = Event("imported", now.isoformat(), options.run_id)
            selection.records.append((_record(record, entry, channel.name, key), event))
            selection.outcomes.append(outcome("imported", "recorded as done, not posted"))
            continue
        if entry.start <= now - config.publish.max_delay:
            late = now - entry.start
            event = Event("missed", now.isoformat(), options.run_id, error=f"{late} late")
            selection.records.append((_record(record, entry, channel.name, key), event))
            selection.outcomes.append(
                outcome("missed", f"{_hours(late)} late, over max_delay: not posted stale")
            )
            continue
        if entry.kind == "announce" and not _is_live(config, posts[entry.id.split(":")[0]], live):
            selection.outcomes.append(outcome("waiting", "the article is not live on the site yet"))
            continue
        reconcile = False
        if record is not None and record.state == "claimed":
            claimed_at = datetime.fromisoformat(record.events[-1].at)
            if not local_only and now - claimed_at < config.publish.claim_timeout:
                selection.outcomes.append(outcome("waiting", "claimed by another run"))
                continue
            reconcile = True
        elif record is not None and record.state == "uncertain":
            reconcile = True
        if len(selection.due) >= limit:
            selection.outcomes.append(outcome("waiting", f"over this run's limit of {limit}"))
            continue
        try:
            parts = _texts(config, templates, entry, channel.name, posts, socials)
        except RenderError as error:
            selection.outcomes.append(outcome("skipped", f"text cannot be rendered: {error}"))
            continue
        media = _media(repo, socials.get(entry.id))
        first = _first_attempt(record, key) if reconcile else None
        outgoing = Outgoing(entry.id, channel.name, key, entry.start, parts, media, first)
        selection.due.append(Due(entry, channel, outgoing, reconcile))
        selection.outcomes.append(outcome("would publish", " / ".join(parts)[:120]))
    return selection


def _first_attempt(record: Record | None, key: str) -> datetime | None:
    """When this key was first claimed, by the wall clock (None if the ledger cannot say)."""
    if record is None or record.key != key:
        return None
    for event in record.events:
        if event.state == "claimed" and event.attempt_at:
            return datetime.fromisoformat(event.attempt_at)
    return None


def _candidates(
    entries: tuple[Entry, ...], config: Config, only: str | None
) -> Iterator[tuple[Entry, Channel]]:
    for entry in entries:
        if entry.kind not in ("social", "announce") or entry.status != "scheduled":
            continue
        for name in entry.channels:
            if name in config.channels and (only is None or name == only):
                yield entry, config.channels[name]


def _outcome_for(entry: Entry, channel: str) -> Callable[[OutcomeKind, str], Outcome]:
    def make(kind: OutcomeKind, detail: str) -> Outcome:
        return Outcome(entry.id, channel, entry.start, kind, detail)

    return make


def _record(record: Record | None, entry: Entry, channel: str, key: str) -> Record:
    if record is not None:
        return Record(record.item_id, channel, key, entry.start.isoformat(), record.events)
    return Record(entry.id, channel, key, entry.start.isoformat())


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _texts(
    config: Config,
    templates: Mapping[str, str],
    entry: Entry,
    channel: str,
    posts: Mapping[str, Post],
    socials: Mapping[str, SocialPost],
) -> tuple[str, ...]:
    if entry.kind == "announce":
        post = posts[entry.id.split(":")[0]]
        return (announcement_text(config, templates, post, channel),)
    social = socials[entry.id]
    article = next((p for p in posts.values() if p.source.path == f"content/{social.link}"), None)
    return social_parts(social, channel, article_url(config, article) if article else "")


def _media(repo: Path, social: SocialPost | None) -> tuple[tuple[str, str], ...]:
    if social is None:
        return ()
    return tuple((str((repo / m.path).resolve()), m.alt) for m in social.media)


def _live_articles(
    repo: Path,
    config: Config,
    options: PublishOptions,
    announcing: list[Entry],
    notes: list[str],
) -> set[str] | None:
    """The URLs of the articles the site's feed lists, or None when it cannot be read.

    Only a run with an announcement due and not yet recorded reads the feed.
    """
    if not announcing:
        return set()
    source = options.feed or _default_feed(repo, config)
    if source is None:
        notes.append("no site feed to read: announcements wait until the site is built")
        return None
    import feedparser

    try:
        parsed = feedparser.parse(_read_feed(source))
    except OSError as error:
        notes.append(f"the site's feed could not be read ({source}: {error}): announcements wait")
        return None
    if parsed.get("bozo") and not parsed.entries:
        notes.append(f"the site's feed is not a feed ({source}): announcements wait")
        return None
    return {_normal(str(item.get("link", ""))) for item in parsed.entries}


def _read_feed(source: str) -> bytes:
    """The feed's bytes from a file or a URL, with a timeout feedparser's own fetch lacks."""
    if "://" not in source:
        return Path(source).read_bytes()
    import urllib.request

    with urllib.request.urlopen(source, timeout=FEED_TIMEOUT) as response:
        data: bytes = response.read()
    return data


def _default_feed(repo: Path, config: Config) -> str | None:
    built = repo / "site" / "feed_rss_created.xml"
    if built.is_file():
        return str(built)
    return f"{config.site_url}feed_rss_created.xml" if config.site_url else None


def _normal(url: str) -> str:
    return url.split("#")[0].rstrip("/")


def _is_live(config: Config, post: Post, live: set[str] | None) -> bool:
    return live is not None and _normal(article_url(config, post)) in live


def _write_claims(ledger: Ledger, selection: Selection, options: PublishOptions) -> list[Path]:
    changed = []
    now = options.now.isoformat()
    attempt = datetime.now(UTC).isoformat(timespec="seconds")
    for record, event in selection.records:
        changed.append(ledger.write(record.with_event(event)))
    for due in selection.due:
        record = _record(
            ledger.get(due.entry.id, due.channel.name),
            due.entry,
            due.channel.name,
            due.outgoing.key,
        )
        claim = Event("claimed", now, options.run_id, attempt_at=attempt)
        changed.append(ledger.write(record.with_event(claim)))
    return changed


def _deliver(
    repo: Path,
    content: Content,
    ledger: Ledger,
    changed: list[Path],
    selection: Selection,
    options: PublishOptions,
    git: Git | None,
    remote: bool,
    adapter_for: AdapterFactory,
    sleep: Sleep,
    notes: list[str],
) -> Report:
    target = options.target or content.config.publish.target
    outcomes = {(o.item_id, o.channel): o for o in selection.outcomes}
    budget = [RETRY_BUDGET]
    adapters: dict[str, Adapter] = {}
    refused: set[str] = set()  # channels whose credentials failed: skip their other posts
    results: list[Path] = []
    for due in selection.due:
        name = due.channel.name
        key = (due.entry.id, name)
        if name in refused:
            event = _event(options, "failed", error="credentials refused earlier in this run")
        else:
            try:
                if name not in adapters:
                    adapters[name] = adapter_for(due.channel, target, repo)
                event = _deliver_one(adapters[name], due, options, sleep, budget)
            except AuthError as error:
                refused.add(name)
                event = _event(options, "failed", error=f"credentials: {error}")
        crash_point("after-post")
        record = ledger.get(*key)
        assert record is not None
        results.append(ledger.write(record.with_event(event)))
        outcomes[key] = Outcome(
            due.entry.id,
            name,
            due.entry.start,
            _RESULT_KINDS[event.state],
            event.error or event.url,
            event.url,
        )
    results += _notify_team(repo, content, ledger, selection, outcomes, options, adapter_for, notes)
    crash_point("after-record")
    if results and git is not None:
        _commit_results(git, ledger, results, options, remote, notes)
    return Report(tuple(outcomes.values()), tuple(notes))


_RESULT_KINDS: Mapping[str, OutcomeKind] = {
    "published": "published",
    "failed": "failed",
    "uncertain": "failed",
    "flagged": "flagged",
}


HEADS_UP = "heads-up"


def _notify_team(
    repo: Path,
    content: Content,
    ledger: Ledger,
    selection: Selection,
    outcomes: Mapping[tuple[str, str], Outcome],
    options: PublishOptions,
    adapter_for: AdapterFactory,
    notes: list[str],
) -> list[Path]:
    """Tell team chat channels (webhook, `purpose: team`) what goes out soon and what went out.

    Each entry gets one heads-up: it is recorded in the ledger under the channel
    `<team channel>~heads-up`, so the next run 15 minutes later stays quiet.
    """
    team = [
        c for c in content.config.channels.values()
        if c.platform == "webhook" and c.settings.get("purpose") == "team"
    ]  # fmt: skip
    if not team:
        return []
    # Only now: the webhook module brings httpx, which a run without team chat never needs.
    from edcal.platforms.webhook import digest, heads_up

    target = options.target or content.config.publish.target
    written: list[Path] = []
    for channel in team:
        marker = f"{channel.name}~{HEADS_UP}"
        soon = [e for e in selection.entries if ledger.get(e.id, marker) is None]
        messages = [
            (HEADS_UP, heads_up(soon, options.now)),
            (
                "digest",
                digest(Report(tuple(o for o in outcomes.values() if o.channel != channel.name))),
            ),
        ]
        for kind, text in messages:
            if not text:
                continue
            key = idempotency_key(f"{kind}@{options.run_id}", channel.name, options.now)
            message = Outgoing(
                f"{kind}@{options.now:%Y%m%dT%H%M}", channel.name, key, options.now, (text,)
            )
            try:
                adapter_for(channel, target, repo).post(message)
            except DeliveryError as error:
                notes.append(f"{channel.name}: the team {kind} did not go out ({error})")
                continue
            if kind == HEADS_UP:
                told = [e for e in soon if heads_up([e], options.now)]
                for entry in told:
                    record = Record(entry.id, marker, key, entry.start.isoformat())
                    event = _event(options, "published")
                    written.append(ledger.write(record.with_event(event)))
    return written


def _deliver_one(
    adapter: Adapter, due: Due, options: PublishOptions, sleep: Sleep, budget: list[float]
) -> Event:
    """Post one (item, channel), looking it up first whenever it may already exist."""
    maybe_posted = due.reconcile  # a claim or an attempt whose outcome nobody saw
    last = ""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            if maybe_posted:
                found = adapter.find_by_key(due.outgoing)
                if found is not None:
                    return _event(options, "published", found)
            return _event(options, "published", adapter.post(due.outgoing))
        except CannotTell as error:
            return _event(options, "flagged", error=f"it may already be online: {error}")
        except TransientError as error:
            last = str(error)
            maybe_posted = maybe_posted or error.uncertain
            wait = error.retry_after if error.retry_after is not None else 2.0**attempt
            if attempt == MAX_ATTEMPTS or wait > MAX_WAIT or wait > budget[0]:
                break
            budget[0] -= wait
            sleep(wait)
        except PermanentError as error:
            return _event(options, "failed", error=f"refused: {error}")
        except AuthError:
            raise  # the caller stops using this channel for the rest of the run
        except DeliveryError as error:
            return _event(options, "failed", error=str(error))
    # "uncertain" keeps the next run looking the post up before posting again.
    state: State = "uncertain" if maybe_posted else "failed"
    return _event(options, state, error=f"gave up for this run: {last}")


def _event(
    options: PublishOptions, state: State, delivery: Delivery | None = None, error: str = ""
) -> Event:
    return Event(
        state,
        options.now.isoformat(),
        options.run_id,
        remote_id=delivery.remote_id if delivery else "",
        url=delivery.url if delivery else "",
        error=error,
        attempt_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _commit_results(
    git: Git,
    ledger: Ledger,
    results: list[Path],
    options: PublishOptions,
    remote: bool,
    notes: list[str],
) -> None:
    message = f"edcal: record {len(results)} result(s) [{options.run_id}]"
    git.commit(results, message)
    if not remote:
        return
    for _ in range(PUSH_ATTEMPTS):
        if _push(git):
            return
        # Someone touched one of our records (a stale-claim reconciliation): put our
        # events on top of theirs rather than lose a result we know.
        events = _our_events(ledger, options.run_id)
        git.drop_last_commit()
        git.pull()
        fresh = read_ledger(ledger.repo)
        rewritten = [
            fresh.write(record.with_event(new))
            for (item_id, channel), new in events.items()
            if (record := fresh.get(item_id, channel)) is not None
        ]
        git.commit(rewritten, message)
    notes.append("results are committed locally but could not be pushed; the next run retries")
    raise GitError("could not push the results: the remote keeps moving")


def _our_events(ledger: Ledger, run_id: str) -> dict[tuple[str, str], Event]:
    found = {}
    for key, record in ledger.records.items():
        if record.events and record.events[-1].run == run_id and record.state != "claimed":
            found[key] = record.events[-1]
    return found


def summary_markdown(report: Report, now: datetime, tz: object) -> str:
    """The run as Markdown: counts, then one table row per item that did something."""
    counts: dict[str, int] = {}
    for outcome in report.outcomes:
        counts[outcome.kind] = counts.get(outcome.kind, 0) + 1
    lines = [f"## edcal publish — {now.isoformat(timespec='minutes')}", ""]
    order = (
        "published",
        "would publish",
        "missed",
        "failed",
        "flagged",
        "imported",
        "waiting",
        "skipped",
    )
    lines.append(", ".join(f"{counts[k]} {k}" for k in order if k in counts) or "nothing due")
    shown = list(report.outcomes)
    if shown:
        lines += [
            "",
            "| outcome | item | channel | scheduled | detail |",
            "| --- | --- | --- | --- | --- |",
        ]
        for o in sorted(shown, key=lambda o: (o.scheduled, o.item_id, o.channel)):
            detail = o.detail.replace("|", "\\|").replace("\n", " ")
            lines.append(
                f"| {o.kind} | {o.item_id} | {o.channel} | "
                f"{o.scheduled.isoformat(timespec='minutes')} | {detail} |"
            )
    lines += [f"- {note}" for note in report.notes]
    return "\n".join(lines) + "\n"
