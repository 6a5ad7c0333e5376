"""Config + environment -> each channel's rules, target and credential variables (names only).

`edcal channels` lists them; `--verify` asks each platform, with a call that posts
nothing, whether the credentials work (X `GET /2/users/me`, LinkedIn `/v2/userinfo`,
Facebook `/me`, Mastodon and Bluesky through their adapters' `verify`); a webhook is only
checked for its variable, since calling it would post. Each platform's module (and its
SDK) is imported only when its channel is verified. Values of variables are never shown:
every message is scrubbed of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Literal

from edcal.model import Cadence, Channel, Config, Slot, Target
from edcal.platforms.base import AuthError, DeliveryError, TransientError
from edcal.platforms.secrets import scrub

VerifyStatus = Literal["ok", "failed", "unchecked"]
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MARKS: Mapping[VerifyStatus, str] = {"ok": "✓", "failed": "✗", "unchecked": "?"}
STYLES: Mapping[VerifyStatus, str] = {"ok": "green", "failed": "red", "unchecked": "yellow"}


@dataclass(frozen=True)
class Credential:
    """One credential a channel names: its role, the variable's name, whether it is set."""

    role: str
    variable: str
    present: bool


@dataclass(frozen=True)
class ChannelInfo:
    """A channel as `edcal channels` shows it."""

    channel: Channel
    target: Target
    credentials: tuple[Credential, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """The names of the variables that are not set."""
        return tuple(c.variable for c in self.credentials if not c.present)


@dataclass(frozen=True)
class Verification:
    """What checking one channel's credentials found."""

    channel: str
    status: VerifyStatus
    message: str


def describe_channels(config: Config, environ: Mapping[str, str]) -> list[ChannelInfo]:
    """Every configured channel with its credential variables, set or not."""
    return [
        ChannelInfo(
            channel,
            config.publish.target,
            tuple(
                Credential(role, variable, bool(environ.get(variable, "").strip()))
                for role, variable in channel.credentials.items()
            ),
        )
        for channel in config.channels.values()
    ]


def verify_channels(config: Config, environ: Mapping[str, str]) -> list[Verification]:
    """Check every channel's credentials; one channel's failure does not stop the others."""
    return [verify_channel(channel, environ) for channel in config.channels.values()]


def verify_channel(channel: Channel, environ: Mapping[str, str]) -> Verification:
    """Check one channel's credentials with its adapter's `verify`, which posts nothing."""
    values = [environ.get(v, "") for v in channel.credentials.values()]

    def result(status: VerifyStatus, message: str) -> Verification:
        return Verification(channel.name, status, scrub(message, values))

    if not channel.credentials:
        return result(
            "failed",
            "no `credentials:` in calendar/edcal.yml: name the environment variables"
            " that hold this channel's tokens",
        )
    missing = [v for v in channel.credentials.values() if not environ.get(v, "").strip()]
    if missing:
        return result("failed", "not set: " + ", ".join(missing))
    check = _verifier(channel.platform)
    if check is None:
        return result(
            "unchecked",
            f"variables set; this version cannot check {channel.platform} credentials online",
        )
    try:
        return result("ok", check(channel, environ))
    except AuthError as error:
        return result("failed", f"refused: {error}")
    except TransientError as error:
        return result("failed", f"could not check: {error}")
    except DeliveryError as error:
        return result("failed", str(error))
    except Exception as error:  # an SDK's own error: report it, never its traceback
        return result("failed", f"{type(error).__name__}: {error}")


def _verifier(platform: str) -> Callable[[Channel, Mapping[str, str]], str] | None:
    name = f"edcal.platforms.{platform}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        return None
    check: Callable[[Channel, Mapping[str, str]], str] | None = getattr(module, "verify", None)
    return check


def write_channels(
    infos: list[ChannelInfo],
    verifications: list[Verification] | None,
    stream: IO[str],
    color: bool,
    width: int | None = None,
) -> None:
    """One block per channel: platform and label, target, rules, slots, credentials."""
    from rich.console import Console
    from rich.text import Text

    console = Console(
        file=stream, force_terminal=color, no_color=not color, width=width or 120, highlight=False
    )
    checked = {v.channel: v for v in verifications or []}
    if not infos:
        console.print("No channels configured (calendar/edcal.yml, `channels:`).")
    for info in infos:
        channel = info.channel
        head = Text()
        head.append(channel.name, style="bold")
        head.append(f" — {channel.label}, platform {channel.platform}, target {info.target}")
        console.print(head)
        for key, value in channel.settings.items():
            console.print(Text(f"  {key}: {value}"))
        console.print(Text(f"  cadence: {cadence_text(channel.cadence)}"))
        slots = ", ".join(slot_text(s) for s in channel.slots) or "none"
        if channel.min_gap is not None:
            slots += f"; at least {_duration(channel.min_gap.total_seconds())} apart"
        console.print(Text(f"  slots: {slots}"))
        line = Text("  credentials: ")
        if not info.credentials:
            line.append("none named", style="yellow")
        for index, credential in enumerate(info.credentials):
            if index:
                line.append(", ")
            line.append(f"{credential.variable} ")
            if credential.present:
                line.append("set", style="green")
            else:
                line.append("missing", style="red")
        console.print(line)
        verification = checked.get(channel.name)
        if verification is not None:
            line = Text("  verify: ")
            line.append(
                f"{MARKS[verification.status]} {verification.message}",
                style=STYLES[verification.status],
            )
            console.print(line)
    if verifications:
        failed = sum(1 for v in verifications if v.status == "failed")
        console.print(
            f"{len(verifications) - failed} of {len(verifications)} channel(s) passed the check"
            + (f"; {failed} failed" if failed else "")
        )


def cadence_text(cadence: Cadence) -> str:
    """`1–2 per day, at most 3 per week`, or `no rule`."""
    parts = []
    for period in ("day", "week", "month"):
        low = getattr(cadence, f"min_per_{period}")
        high = getattr(cadence, f"max_per_{period}")
        if low is not None and high is not None:
            parts.append(f"{low}–{high} per {period}" if low != high else f"{low} per {period}")
        elif low is not None:
            parts.append(f"at least {low} per {period}")
        elif high is not None:
            parts.append(f"at most {high} per {period}")
    return ", ".join(parts) or "no rule"


def slot_text(slot: Slot) -> str:
    """A slot as written in the config: `Mon-Fri 09:00`, `Tue,Thu 18:00`, `daily 12:30`."""
    days = sorted(slot.weekdays)
    if len(days) == 7:
        named = "daily"
    else:
        runs: list[list[int]] = []
        for day in days:
            if runs and day == runs[-1][-1] + 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        named = ",".join(
            DAYS[r[0] - 1] if len(r) == 1 else f"{DAYS[r[0] - 1]}-{DAYS[r[-1] - 1]}" for r in runs
        )
    return f"{named} {slot.at:%H:%M}"


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"
