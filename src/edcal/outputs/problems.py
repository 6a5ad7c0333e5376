"""Problems -> text grouped by file (rich on a terminal), JSON, or GitHub annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import groupby
from typing import IO

from edcal.model import Problem


def summary_line(problems: Sequence[Problem]) -> str:
    """`2 errors, 1 warning` or `no problems`."""
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    if not problems:
        return "no problems"
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' * (errors != 1)}")
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    return ", ".join(parts)


def write_text(problems: Sequence[Problem], stream: IO[str], color: bool) -> None:
    """Problems grouped by file, `line: severity: message — hint`, coloured on a terminal."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(
        file=stream, force_terminal=color, no_color=not color, highlight=False, soft_wrap=True
    )
    for path, group in groupby(problems, key=lambda p: p.source.path):
        console.print(f"[bold]{escape(path)}[/bold]")
        for problem in group:
            style = "red" if problem.severity == "error" else "yellow"
            hint = f" [dim]— {escape(problem.hint)}[/dim]" if problem.hint else ""
            console.print(
                f"  {path}:{problem.source.line}: [{style}]{problem.severity}[/{style}]: "
                f"{escape(problem.message)}{hint}"
            )
    console.print(summary_line(problems))


def to_json(problems: Sequence[Problem]) -> str:
    """`{"problems": [{path, line, severity, message, hint, code}], "errors", "warnings"}`."""
    return json.dumps(
        {
            "problems": [
                {
                    "path": p.source.path,
                    "line": p.source.line,
                    "severity": p.severity,
                    "message": p.message,
                    "hint": p.hint,
                    "code": p.code,
                }
                for p in problems
            ],
            "errors": sum(1 for p in problems if p.severity == "error"),
            "warnings": sum(1 for p in problems if p.severity == "warning"),
        },
        ensure_ascii=False,
        indent=2,
    )


def to_github(problems: Sequence[Problem]) -> str:
    """GitHub workflow commands, one `::error file=…,line=…::message` per problem."""
    lines = []
    for p in problems:
        text = f"{p.message} — {p.hint}" if p.hint else p.message
        lines.append(
            f"::{p.severity} file={_property(p.source.path)},line={p.source.line},"
            f"title={_property('edcal ' + (p.code or p.severity))}::{_data(text)}"
        )
    return "\n".join(lines)


# GitHub's workflow-command escaping (actions/toolkit `command.ts`): no library ships it.
def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
