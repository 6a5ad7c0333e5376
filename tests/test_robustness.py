"""Any front-matter and any text: `check` and `plan` report problems, never crash."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edcal.check import check_content
from edcal.load import load_content
from edcal.plan import build_plan
from repos import BASE_CONFIG

NOW = datetime(2026, 12, 1, tzinfo=ZoneInfo("Europe/Paris"))
KEYS = ["id", "date", "channels", "status", "queue", "link", "media", "variants", "title", "x"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.text(max_size=30),
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1)),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
front_matters = st.dictionaries(st.sampled_from(KEYS), values, max_size=8)


def check_everything(repo: Path) -> None:
    content = load_content(repo)
    problems = check_content(repo, content)
    plan = build_plan(repo, content, NOW)
    for problem in (*problems, *plan.problems):
        assert problem.source.line >= 1
        assert problem.source.path


def write_repo(root: Path, files: dict[str, str | bytes]) -> Path:
    shutil.rmtree(root, ignore_errors=True)
    for name, data in {"calendar/edcal.yml": BASE_CONFIG, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    return root


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(meta=front_matters, body=st.text(max_size=400))
def test_any_front_matter_is_reported_not_raised(
    tmp_path: Path, meta: dict[str, object], body: str
) -> None:
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body
    social = text.encode("utf-8", "replace")
    repo = write_repo(
        tmp_path / "r", {"content/social/a.md": social, "content/blog/posts/p.md": social}
    )
    check_everything(repo)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=300))
def test_any_bytes_in_a_content_file_are_reported_not_raised(tmp_path: Path, raw: bytes) -> None:
    repo = write_repo(
        tmp_path / "r", {"content/social/a.md": b"---\n" + raw, "content/blog/posts/b.md": raw}
    )
    check_everything(repo)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    meta=st.dictionaries(
        st.sampled_from(["timezone", "channels", "tasks", "publish", "workload", "check"]),
        values,
        max_size=6,
    )
)
def test_any_config_is_reported_not_raised(tmp_path: Path, meta: dict[str, object]) -> None:
    repo = write_repo(tmp_path / "r", {})
    (repo / "calendar/edcal.yml").write_text(
        yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8"
    )
    check_everything(repo)
