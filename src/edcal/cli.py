"""The `edcal` command line: parse options, call one function, print its result."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from edcal.model import PLATFORMS, Problem

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class Context:
    """What every command gets: the repository and the `--now` option as given."""

    repo: Path
    now_option: str | None

    def now(self, tz: ZoneInfo | None = None) -> datetime:
        """The run's `now`; a bad `--now`/`EDCAL_NOW` is a usage error, not a traceback."""
        from edcal.times import TimeError, current_time

        try:
            return current_time(self.now_option, tz)
        except TimeError as error:
            raise click.UsageError(f"--now / EDCAL_NOW: {error.message} — {error.hint}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--repo",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("."),
    show_default="the current folder",
    help="The calendar repository.",
)
@click.option(
    "--now",
    "now_option",
    metavar="TIME",
    help="Run as of this moment (ISO 8601; default: $EDCAL_NOW, else the clock).",
)
@click.version_option(package_name="edcal")
@click.pass_context
def main(ctx: click.Context, repo: Path, now_option: str | None) -> None:
    """edcal: an editorial calendar kept as Markdown in git."""
    ctx.obj = Context(repo, now_option)


def _color(stream: object) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


@main.command()
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="github: workflow annotations for GitHub Actions.",
)
@click.option(
    "--online", is_flag=True, help="Ask the platforms for live limits (Mastodon's per instance)."
)
@click.pass_obj
def check(obj: Context, output: str, online: bool) -> None:
    """Validate the config and every post; exit 1 when there is an error."""
    from edcal.check import check_content
    from edcal.load import load_content
    from edcal.outputs.problems import to_github, to_json, write_text
    from edcal.plan import build_plan

    content = load_content(obj.repo)
    extra: list[Problem] = []
    if online:
        from edcal.online import with_live_limits

        content, extra = with_live_limits(content)
    problems = [*check_content(obj.repo, content), *extra]
    plan = build_plan(obj.repo, content, obj.now(content.config.timezone))
    problems = sorted(
        [*problems, *plan.problems], key=lambda p: (p.source.path, p.source.line, p.message)
    )
    if output == "json":
        click.echo(to_json(problems))
    elif output == "github":
        text = to_github(problems)
        if text:
            click.echo(text)
    else:
        write_text(problems, sys.stdout, _color(sys.stdout))
    if any(p.severity == "error" for p in problems):
        sys.exit(EXIT_PROBLEMS)


def _day_bound(value: str | None, tz: ZoneInfo, end: bool) -> datetime | None:
    from edcal.times import TimeError, parse_datetime, parse_day

    if value is None:
        return None
    try:
        if "T" in value or " " in value.strip():
            return parse_datetime(value, tz)
        day = parse_day(value)
    except TimeError as error:
        raise click.BadParameter(f"{error.message} — {error.hint}") from None
    moment = datetime.combine(day, time(23, 59, 59) if end else time(), tz)
    return moment


@main.command()
@click.option("--from", "start", metavar="DATE", help="First day (YYYY-MM-DD or a time).")
@click.option("--to", "end", metavar="DATE", help="Last day, included.")
@click.option("--channel", metavar="NAME", help="Only this channel's entries.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entry (see README).")
@click.pass_obj
def plan(
    obj: Context, start: str | None, end: str | None, channel: str | None, as_json: bool
) -> None:
    """Show the plan: articles, social posts, announcements and recurring tasks."""
    from edcal.load import load_content
    from edcal.outputs.plan_text import write_plan
    from edcal.plan import build_plan, with_bounds

    content = load_content(obj.repo)
    tz = content.config.timezone
    if channel is not None and channel not in content.config.channels:
        from edcal.hints import did_you_mean

        raise click.BadParameter(
            f"unknown channel {channel!r}; {did_you_mean(channel, content.config.channels)}",
            param_hint="--channel",
        )
    low, high = _day_bound(start, tz, end=False), _day_bound(end, tz, end=True)
    from edcal.ledger import health_warnings, history, read_ledger

    ledger = read_ledger(obj.repo)
    result = build_plan(obj.repo, content, obj.now(tz), low, high, history=history(ledger))
    result = with_bounds(result, low, high, channel)
    errors = [p for p in content.problems if p.severity == "error"]
    if as_json:
        click.echo(json.dumps([e.to_json() for e in result.entries], ensure_ascii=False, indent=2))
    else:
        write_plan(result, sys.stdout, _color(sys.stdout))
    if ledger.records or ledger.heartbeats:  # a calendar that publishes: how are its runs?
        for warning in health_warnings(ledger, obj.now(tz)):
            click.echo(f"warning: {warning}", err=True)
    if errors:
        click.echo(
            f"{len(errors)} error(s) in the content: items with errors may be missing;"
            " run `edcal check`.",
            err=True,
        )
        sys.exit(EXIT_PROBLEMS)


@main.command()
@click.option("--platform", type=click.Choice(PLATFORMS), required=True)
@click.option("--limit", type=click.IntRange(min=1), help="Override the platform's limit.")
@click.option("--json", "as_json", is_flag=True, help='{"platform", "length", "limit", "valid"}')
@click.argument("text", required=False)
def count(platform: str, limit: int | None, as_json: bool, text: str | None) -> None:
    """The length of TEXT (or standard input) as PLATFORM counts it."""
    from edcal.text import measure

    if text is None:
        text = sys.stdin.read().rstrip("\n")
    result = measure(platform, text, limit)  # type: ignore[arg-type]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "platform": result.platform,
                    "length": result.length,
                    "limit": result.limit,
                    "valid": result.valid,
                }
            )
        )
    else:
        verdict = "ok" if result.valid else (result.reason or "too long")
        click.echo(f"{result.length}/{result.limit} {result.unit} — {verdict}")
    if not result.valid:
        sys.exit(EXIT_PROBLEMS)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def init(obj: Context, directory: Path) -> None:
    """Create a new calendar repository in DIRECTORY, with a month of examples."""
    from edcal.scaffold import first_monday, write_scaffold

    # The example month starts on the Monday after today, so nothing in it is in the past.
    monday = first_monday(obj.now().date() + timedelta(days=1))
    try:
        written = write_scaffold(directory, monday)
    except FileExistsError as error:
        raise click.ClickException(f"{error}; nothing was changed") from None
    click.echo(f"Created {len(written)} files in {directory}, starting Monday {monday}.")
    click.echo(f"Next: cd {directory} && edcal check && edcal plan")


@main.command()
@click.argument("kind", type=click.Choice(["post", "social"]))
@click.argument("title")
@click.option("--date", "when", metavar="WHEN", help="Date and time (default: next free slot).")
@click.option("--channels", metavar="A,B", help="Comma-separated channel names.")
@click.pass_obj
def new(obj: Context, kind: str, title: str, when: str | None, channels: str | None) -> None:
    """Write a new article or social post with a fresh id, a date and a status."""
    from edcal.load import load_content
    from edcal.newitem import NewItemError, write_new_item

    content = load_content(obj.repo)
    fatal = [p for p in content.problems if p.source.path.startswith("calendar/")]
    if any(p.severity == "error" for p in fatal):
        _fail_with(fatal)
    names = tuple(c.strip() for c in channels.split(",") if c.strip()) if channels else None
    try:
        path = write_new_item(
            obj.repo, content, kind, title, when, names, obj.now(content.config.timezone)
        )
    except NewItemError as error:
        raise click.ClickException(str(error)) from None
    click.echo(str(path))


@main.command()
@click.option("--dry-run", is_flag=True, help="Show what would go out; change nothing.")
@click.option("--target", type=click.Choice(["outbox", "live"]), help="Default: publish.target.")
@click.option("--channel", metavar="NAME", help="Only this channel.")
@click.option("--max", "max_items", type=click.IntRange(min=1), help="At most N posts this run.")
@click.option("--no-push", is_flag=True, help="Commit the ledger locally, never pull or push.")
@click.option("--import-past", is_flag=True, help="Record everything already past as done.")
@click.option("--feed", metavar="URL|FILE", help="The site's feed (default: site/ or site_url).")
@click.pass_obj
def publish(
    obj: Context,
    dry_run: bool,
    target: str | None,
    channel: str | None,
    max_items: int | None,
    no_push: bool,
    import_past: bool,
    feed: str | None,
) -> None:
    """Publish what is due, exactly once, and record it in the ledger."""
    import os

    from edcal.config import load_config
    from edcal.ledger import GitError
    from edcal.publish import PublishError, PublishOptions, summary_markdown
    from edcal.publish import publish as run_publish

    config, _ = load_config(obj.repo)
    now = obj.now(config.timezone)
    options = PublishOptions(
        now=now,
        target=target,  # type: ignore[arg-type]
        channel=channel,
        max_items=max_items,
        dry_run=dry_run,
        push=not no_push,
        import_past=import_past,
        feed=feed,
    )
    try:
        report = run_publish(obj.repo, options)
    except (PublishError, GitError) as error:
        raise click.ClickException(str(error)) from None
    summary = summary_markdown(report, now, config.timezone)
    click.echo(summary, nl=False)
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as stream:
            stream.write(summary)
    if report.failed:
        sys.exit(EXIT_PROBLEMS)


@main.command(name="channels")
@click.option(
    "--verify",
    "check_credentials",
    is_flag=True,
    help="Check each channel's credentials with a call that posts nothing.",
)
@click.pass_obj
def channels_command(obj: Context, check_credentials: bool) -> None:
    """The channels: platform, rules, slots, target and credential variables (names only)."""
    import os

    from edcal.channels import describe_channels, verify_channels, write_channels
    from edcal.config import load_config

    config, problems = load_config(obj.repo)
    errors = [p for p in problems if p.severity == "error"]
    for problem in errors:
        click.echo(str(problem), err=True)
    results = verify_channels(config, os.environ) if check_credentials else None
    write_channels(describe_channels(config, os.environ), results, sys.stdout, _color(sys.stdout))
    if errors or any(r.status == "failed" for r in results or []):
        sys.exit(EXIT_PROBLEMS)


@main.command()
@click.option(
    "--json", "as_json", is_flag=True, help="A list of {feed, title, link, published, keywords}."
)
@click.pass_obj
def watch(obj: Context, as_json: bool) -> None:
    """New mentions of the `watch.keywords` in the `watch.feeds`, each reported once."""
    import os

    from edcal.config import load_config
    from edcal.watch import digest_markdown
    from edcal.watch import watch as run_watch

    config, _ = load_config(obj.repo)
    tz = config.timezone
    report = run_watch(obj.repo, config, obj.now(tz))
    digest = digest_markdown(report, tz)
    if as_json:
        mentions = [mention.to_json(tz) for mention in report.mentions]
        click.echo(json.dumps(mentions, ensure_ascii=False, indent=2))
    else:
        click.echo(digest, nl=False)
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as stream:
            stream.write(digest)
    for failure in report.failures:
        click.echo(f"watch: feed {failure}", err=True)
    for note in report.notes:
        click.echo(f"watch: {note}", err=True)
    if report.all_failed:
        sys.exit(EXIT_PROBLEMS)


@main.command()
@click.option("--base", metavar="REF", required=True, help="The git ref to compare with.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
)
@click.pass_obj
def preview(obj: Context, base: str, output: str) -> None:
    """What the working tree adds, moves, edits or removes against REF, and when.

    Exits 0 whenever the preview is made, errors included: `edcal check` is the gate,
    and a CI step that failed here could not show the author what went wrong.
    """
    from edcal.config import load_config
    from edcal.ledger import history, read_ledger
    from edcal.outputs.preview import PreviewError, preview_json, preview_markdown
    from edcal.outputs.preview import preview as run_preview

    config, _ = load_config(obj.repo)
    try:
        result = run_preview(
            obj.repo, base, obj.now(config.timezone), history(read_ledger(obj.repo))
        )
    except PreviewError as error:
        raise click.ClickException(str(error)) from None
    click.echo(preview_json(result) if output == "json" else preview_markdown(result), nl=False)
    if output == "json":
        click.echo()


def _fail_with(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    sys.exit(EXIT_PROBLEMS)


@main.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the calendar here (default: standard output).",
)
@click.option("--channel", metavar="NAME", help="Only this channel's entries (no tasks).")
@click.pass_obj
def ics(obj: Context, output: Path | None, channel: str | None) -> None:
    """The whole plan as iCalendar, with one RRULE event per recurring task."""
    from edcal.load import load_content
    from edcal.outputs.ics import calendar_ics
    from edcal.plan import build_plan

    content = load_content(obj.repo)
    config = content.config
    if channel is not None and channel not in config.channels:
        from edcal.hints import did_you_mean

        raise click.BadParameter(
            f"unknown channel {channel!r}; {did_you_mean(channel, config.channels)}",
            param_hint="--channel",
        )
    errors = [p for p in content.problems if p.severity == "error"]
    if errors:
        # A feed silently missing the broken items would replace a good one people subscribe to.
        click.echo(
            f"{len(errors)} error(s) in the content; no calendar written. Run `edcal check`.",
            err=True,
        )
        sys.exit(EXIT_PROBLEMS)
    from edcal.ledger import history, read_ledger

    # Like `plan`: the ledger pins queued posts that went out and gives the live URLs.
    known = history(read_ledger(obj.repo))
    result = build_plan(obj.repo, content, obj.now(config.timezone), history=known)
    data = calendar_ics(config, result, channel)
    if output is None:
        click.echo(data, nl=False)
    else:
        output.write_bytes(data)
