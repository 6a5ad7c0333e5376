"""Rehearse the GitHub workflows on this machine, over a simulated Friday morning.

`.github/workflows/publish.yml` is read and its jobs run in `needs` order, their `run:`
steps as written (with `bash -e`, the step's `env:`, secrets replaced by fake tokens), in
a temporary folder holding:

- a bare `origin` made from a copy of the example (content/, calendar/edcal.yml,
  mkdocs.yml, the workflows; no ledger), whose configuration is rewritten in that copy
  only: `site_url` is the local web server below, `publish.target: live`, and every
  channel points at the fake platforms (scripts/fake_platforms.py);
- a web server on 127.0.0.1 serving "the deployed site" (what GitHub Pages would serve);
- the fake platforms on 127.0.0.1, which keep what they receive.

`uses:` steps have stand-ins: actions/checkout is a fresh clone of the temporary origin
(every job is a fresh runner, as on GitHub), actions/setup-python is the interpreter
running this script, and configure-pages/upload-pages-artifact/deploy-pages copy the
built `site/` to the folder the local web server serves. The `pip install` steps are
skipped (edcal is already installed in this interpreter's environment, whose bin folder
comes first on PATH). Every Python process the steps start refuses, and reports, any
connection to an address other than loopback.

Every tick sets `EDCAL_NOW` for every step and runs the whole workflow (site, deploy,
publish). Then the rehearsal checks: articles appear on the deployed site at their time
and not before, announcements go out only once the article is in the deployed feed, each
due post reaches its platform exactly once, a tick with nothing due sends nothing and
changes no ledger record, and the ledger reaches origin. Finally a pull request that
moves one social post runs `.github/workflows/check.yml` and its preview must say
"moved".

    .venv/bin/python scripts/rehearse.py            # a short report; exit 1 when a check fails
    .venv/bin/python scripts/rehearse.py --verbose  # with every step's output
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import io
import os
import re
import secrets
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import yaml

from edcal.ledger import read_ledger
from edcal.load import load_content
from edcal.plan import build_plan
from edcal.render import announcement_text, article_url, load_templates, social_parts

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
REPOSITORY = "atelier-libre/calendar"  # what `github.repository` says in the rehearsal
BIN = Path(sys.executable).parent  # not resolved: a venv's python is a symlink to the base one
NETLOG_ENV = "EDCAL_REHEARSAL_NETLOG"
USER_AGENT = "edcal-rehearsal"  # the rehearsal's own requests to the site, told from edcal's
IDENTITY = ("-c", "user.name=Atelier Libre", "-c", "user.email=team@atelier-libre.example.org")


@dataclass(frozen=True)
class Tick:
    """One scheduled run of publish.yml, as of `now`."""

    now: str
    label: str
    import_past: bool = False  # the team's first run: `edcal publish --import-past`
    hold_deploy: bool = False  # Pages keeps serving the previous site (its CDN caches it)


TICKS = (
    Tick(
        "2026-12-04T00:00:00+01:00",
        "a team's first run: the publish step as `edcal publish --import-past`",
        import_past=True,
    ),
    Tick("2026-12-04T08:45:00+01:00", "nothing due; the 09:00 article is not out yet"),
    Tick(
        "2026-12-04T09:02:00+01:00",
        "the article is built, but Pages still serves the 08:45 site (a CDN-cached deploy)",
        hold_deploy=True,
    ),
    Tick("2026-12-04T09:05:00+01:00", "the article is in the deployed feed: its announcements"),
    Tick("2026-12-04T12:40:00+01:00", "the 12:30 social posts"),
    Tick("2026-12-04T12:55:00+01:00", "nothing new"),
)
PR_NOW = "2026-12-04T13:10:00+01:00"
PR_BRANCH = "move-a-post"
PR_MOVE = "social-2026-12-10-laser-cutter-training"  # moved one day later (no new warning)

# A `run:` step that installs edcal is skipped: this interpreter's environment has it.
PIP_INSTALL = re.compile(r"\bpip install\b")
# A `run:` step that calls GitHub's API cannot be rehearsed: nothing may leave 127.0.0.1.
GITHUB_API = re.compile(r"(^|[\s;&|(])gh api\b", re.M)
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
JOINED = frozenset({"facebook", "linkedin"})  # platforms that get a thread as one post
SETTING: Mapping[str, str] = {
    "x": "api_base",
    "mastodon": "instance",
    "bluesky": "service",
    "facebook": "base_url",
    "linkedin": "base_url",
}

# Loaded into every Python process a step starts (PYTHONPATH): connections to anything
# but loopback are refused and written to the log the rehearsal reads at the end.
GUARD = '''\
"""Rehearsal network guard: loopback only (written by scripts/rehearse.py)."""
import ipaddress
import os
import socket

_LOG = os.environ.get("EDCAL_REHEARSAL_NETLOG", "")
_LOCAL = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _local(host):
    if host is None:
        return True
    name = (host.decode() if isinstance(host, bytes) else str(host)).split("%")[0]
    if name.lower() in _LOCAL:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _refuse(what):
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {what}\\n")


def _guard(real):
    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
            _refuse(f"connect {address!r}")
            raise ConnectionRefusedError(f"rehearsal: loopback only, not {address!r}")
        return real(self, address)

    return connect


_real_getaddrinfo = socket.getaddrinfo


def _getaddrinfo(host, *args, **kwargs):
    if not _local(host):
        _refuse(f"resolve {host!r}")
        raise socket.gaierror(socket.EAI_NONAME, f"rehearsal: loopback only, not {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guard(socket.socket.connect)
socket.socket.connect_ex = _guard(socket.socket.connect_ex)
socket.getaddrinfo = _getaddrinfo
'''


# ---------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class StepResult:
    """One workflow step as the rehearsal ran it, simulated it or skipped it."""

    job: str
    name: str
    how: Literal["ran", "simulated", "skipped"]
    detail: str = ""
    seconds: float = 0.0
    code: int | None = None
    output: str = ""

    @property
    def failed(self) -> bool:
        return self.how == "ran" and self.code != 0


@dataclass(frozen=True)
class TickResult:
    """What one tick did, as seen from outside: the deployed site, the platforms, origin."""

    now: datetime
    label: str
    steps: tuple[StepResult, ...]
    live: tuple[str, ...]  # article URLs in the deployed feed after the run
    newly_live: tuple[str, ...]
    received: Mapping[str, tuple[str, ...]]  # platform -> texts received during the tick
    requests: int  # requests to the fake platforms during the tick
    writes: int  # of which POST or PUT
    feed_reads: int  # times a step read the deployed feed
    commits: tuple[str, ...]  # subjects of the commits that reached origin's main
    changed: tuple[str, ...]  # files those commits changed
    seconds: float

    @property
    def heartbeat_only(self) -> bool:
        """The commits only recorded that a run happened (calendar/ledger/_runs/)."""
        return all(path.startswith("calendar/ledger/_runs/") for path in self.changed)


@dataclass(frozen=True)
class PreviewResult:
    """The pull request's check.yml run."""

    moved: str  # the id of the social post the branch moves
    change: str  # its date line, before -> after
    steps: tuple[StepResult, ...]
    annotations: tuple[str, ...]  # `edcal check --format github` output lines
    preview: str  # preview.md as the workflow wrote it


@dataclass
class Rehearsal:
    """Everything the rehearsal saw, and every expectation that failed."""

    folder: Path
    site_url: str
    platforms_url: str
    ticks: list[TickResult] = field(default_factory=list)
    preview: PreviewResult | None = None
    failures: list[str] = field(default_factory=list)
    network: list[str] = field(default_factory=list)  # refused non-loopback attempts
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


class WorkflowError(RuntimeError):
    """A workflow uses something the rehearsal has no stand-in for."""


# ---------------------------------------------------------------------------
# The deployed site: a web server on 127.0.0.1 over a folder that deploys replace


class _SiteHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        site: DeployedSite = self.server.site  # type: ignore[attr-defined]
        site.record(self.path, self.headers.get("User-Agent", ""))
        super().do_GET()


class DeployedSite:
    """What GitHub Pages serves: `deploy(folder)` swaps the folder the server serves."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.live = root / "live"
        self.live.mkdir(parents=True)
        self.requests: list[tuple[str, str]] = []  # (path, user agent)
        self._lock = threading.Lock()
        handler = functools.partial(_SiteHandler, directory=str(self.live))
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._httpd.site = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> DeployedSite:
        self._thread.start()
        return self

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def record(self, path: str, agent: str) -> None:
        with self._lock:
            self.requests.append((path, agent))

    def deploy(self, artifact: Path) -> None:
        incoming, old = self.root / "incoming", self.root / "old"
        shutil.rmtree(incoming, ignore_errors=True)
        shutil.copytree(artifact, incoming)
        self.live.rename(old)
        incoming.rename(self.live)
        shutil.rmtree(old)

    def get(self, url: str) -> tuple[int, bytes]:
        """Status and body of a page of the deployed site, as a browser would get it."""
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status), bytes(response.read())
        except urllib.error.HTTPError as error:
            return int(error.code), b""


# ---------------------------------------------------------------------------
# Helpers


def fake_platforms_module() -> ModuleType:
    """scripts/fake_platforms.py as a module (the same one the tests load)."""
    script = ROOT / "scripts" / "fake_platforms.py"
    module = sys.modules.get("fake_platforms")
    if module is None or getattr(module, "__file__", None) != str(script):
        spec = importlib.util.spec_from_file_location("fake_platforms", script)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["fake_platforms"] = module  # dataclasses look their module up by name
        spec.loader.exec_module(module)
    return module


def post_text(platform: str, post: Mapping[str, Any]) -> str:
    """The text a fake platform holds for one post."""
    if platform == "facebook":
        return str(post.get("message") or "")
    if platform == "linkedin":
        return re.sub(r"\\(.)", r"\1", str(post.get("commentary") or ""))  # little text
    if platform == "webhook":
        body = post.get("body") or {}
        return str(body.get("content") or body.get("text") or "")
    return str(post.get("text") or "")


def normal(url: str) -> str:
    return url.split("#")[0].rstrip("/")


def short(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def rewrite_config(text: str, site_url: str, platforms_url: str) -> tuple[str, set[str]]:
    """The rehearsal's calendar/edcal.yml, and the variables holding webhook URLs."""
    data = yaml.safe_load(text)
    data["site_url"] = site_url
    data.setdefault("publish", {})["target"] = "live"
    webhooks: set[str] = set()
    for name, channel in (data.get("channels") or {}).items():
        platform = channel.get("platform")
        if platform in SETTING:
            channel[SETTING[platform]] = platforms_url.rstrip("/")
        elif platform == "webhook":
            webhooks.update(v for k, v in (channel.get("credentials") or {}).items() if k == "url")
        else:
            raise WorkflowError(f"channel {name}: no fake server for platform {platform!r}")
    head = (
        "# Rewritten by scripts/rehearse.py for a rehearsal: site_url is a local web server,\n"
        "# publish.target is live and every channel points at the fake platforms.\n"
    )
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), webhooks


def with_site_url(text: str, site_url: str) -> str:
    """mkdocs.yml with another `site_url` line (the rest untouched, comments included)."""
    new, count = re.subn(r"(?m)^site_url:.*$", f"site_url: {site_url}", text)
    if count != 1:
        raise WorkflowError(f"mkdocs.yml: expected one `site_url:` line, found {count}")
    return new


def job_order(jobs: Mapping[str, Any]) -> list[str]:
    """The jobs in `needs` order (a job after every job it needs)."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in path:
            raise WorkflowError(f"jobs {' -> '.join((*path, name))} need each other")
        needs = jobs[name].get("needs") or []
        for need in [needs] if isinstance(needs, str) else needs:
            visit(str(need), (*path, name))
        order.append(name)

    for name in jobs:
        visit(str(name), ())
    return order


def needs_of(job: Mapping[str, Any]) -> list[str]:
    needs = job.get("needs") or []
    return [needs] if isinstance(needs, str) else [str(n) for n in needs]


# ---------------------------------------------------------------------------
# The rehearsal


@dataclass(frozen=True)
class Run:
    """How to run a workflow once: its event, the branch checked out, the time."""

    workflow: Path
    event: str
    ref: str
    now: str
    folder: Path
    base_ref: str = ""
    hold_deploy: bool = False
    rewrite: Callable[[str], str] | None = None  # applied to every `run:` script


@dataclass(frozen=True)
class Expected:
    """One (item, channel) the calendar schedules, with the text its platform should get."""

    item: str
    channel: str
    platform: str
    kind: str
    start: datetime
    texts: tuple[str, ...]
    article: str  # the article's URL (announcements, and social posts that link one)


@dataclass(frozen=True)
class Article:
    """A scheduled article: it goes live on the site at `date`."""

    title: str
    date: datetime


class Rehearser:
    """Runs the workflows against the temporary origin, the fake platforms and the site."""

    def __init__(self, folder: Path, fake: Any, site: DeployedSite, verbose: bool) -> None:
        self.folder = folder
        self.fake = fake
        self.site = site
        self.verbose = verbose
        self.home = folder / "home"
        self.guard = folder / "guard"
        self.netlog = folder / "network.log"
        self.origin = folder / "origin.git"
        self.seed = folder / "seed"
        self.nonce = secrets.token_hex(4)
        self.secrets_used: dict[str, str] = {}
        self.webhooks: set[str] = set()
        self.outputs: list[str] = []  # every step's output and summary, for the leak check
        self.home.mkdir()
        self.guard.mkdir()
        (self.guard / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
        self.netlog.touch()

    # -- environment, git, expressions

    def env(self, **extra: str) -> dict[str, str]:
        """A runner's environment: this interpreter's bin first, nothing of the caller's."""
        return {
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "TZ": "UTC",  # a runner's clock; edcal reads EDCAL_NOW and the calendar's zone
            "PYTHONPATH": str(self.guard),
            NETLOG_ENV: str(self.netlog),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": REPOSITORY,
            **extra,
        }

    def check_tools(self) -> None:
        """edcal and mkdocs come from this interpreter's bin; its Python loads the guard."""
        for tool in ("edcal", "mkdocs"):
            if not (BIN / tool).is_file():
                raise WorkflowError(f"{tool} is not installed next to {sys.executable}")
        probe = (
            "import socket, sitecustomize;"
            " print(sitecustomize.__file__, socket.getaddrinfo.__name__)"
        )
        done = subprocess.run(
            ["python", "-c", probe], env=self.env(), capture_output=True, text=True, check=False
        )
        if done.stdout.split() != [str(self.guard / "sitecustomize.py"), "_getaddrinfo"]:
            raise WorkflowError(f"the network guard is not active in steps: {done.stderr.strip()}")

    def git(self, cwd: Path, *args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=cwd, env=self.env(), capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise WorkflowError(f"git {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def secret(self, name: str) -> str:
        if name not in self.secrets_used:
            if name in self.webhooks:
                value = f"{self.fake.url}/hooks/{name.lower()}-{self.nonce}"
            else:
                value = f"rehearsal-{name.lower().replace('_', '-')}-{self.nonce}"
            self.secrets_used[name] = value
        return self.secrets_used[name]

    def expression(self, text: str, run: Run) -> str:
        known = {
            "github.base_ref": run.base_ref,
            "github.event_name": run.event,
            "github.repository": REPOSITORY,
            "github.event.pull_request.number": "1",
        }

        def value(match: re.Match[str]) -> str:
            name = match[1]
            if name.startswith("secrets."):
                return self.secret(name.removeprefix("secrets."))
            if name == "github.token":
                return self.secret("GITHUB_TOKEN")
            if name in known:
                return known[name]
            raise WorkflowError(f"the expression ${{{{ {name} }}}} has no stand-in")

        return EXPRESSION.sub(value, text)

    # -- the temporary origin

    def make_origin(self) -> tuple[str, str]:
        """origin.git from a copy of the example, configured for the rehearsal."""
        seed = self.seed
        shutil.copytree(ROOT / "content", seed / "content")
        (seed / "calendar").mkdir()
        config = (ROOT / "calendar" / "edcal.yml").read_text(encoding="utf-8")
        config, self.webhooks = rewrite_config(config, self.site.url, self.fake.url)
        (seed / "calendar" / "edcal.yml").write_text(config, encoding="utf-8")
        if (ROOT / "calendar" / "templates").is_dir():
            shutil.copytree(ROOT / "calendar" / "templates", seed / "calendar" / "templates")
        mkdocs = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
        (seed / "mkdocs.yml").write_text(with_site_url(mkdocs, self.site.url), encoding="utf-8")
        shutil.copytree(WORKFLOWS, seed / ".github" / "workflows")
        (seed / ".gitignore").write_text("site/\noutbox/\n", encoding="utf-8")
        self.git(seed, "init", "-q", "-b", "main")
        self.git(seed, "add", "-A")
        self.git(seed, *IDENTITY, "commit", "-q", "-m", "The calendar of Atelier Libre")
        self.git(self.folder, "clone", "-q", "--bare", str(seed), str(self.origin))
        return self.site.url, self.fake.url

    def origin_head(self) -> str:
        return self.git(self.origin, "rev-parse", "main").strip()

    def origin_ledger(self, into: Path) -> dict[tuple[str, str], str]:
        """(item, channel) -> state, as origin's main branch records them."""
        done = subprocess.run(
            ["git", "archive", "main", "calendar/ledger"],
            cwd=self.origin,
            env=self.env(),
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            return {}  # no ledger on origin yet
        with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
            archive.extractall(into, filter="data")
        return {key: str(r.state) for key, r in read_ledger(into).records.items()}

    # -- workflows

    def run_workflow(self, run: Run) -> tuple[list[StepResult], dict[str, Path]]:
        """Every job of the workflow in `needs` order; their steps and workspaces."""
        data = yaml.safe_load(run.workflow.read_text(encoding="utf-8"))
        jobs: Mapping[str, Any] = data["jobs"]
        results: list[StepResult] = []
        workspaces: dict[str, Path] = {}
        failed: set[str] = set()
        for name in job_order(jobs):
            job = jobs[name]
            if any(need in failed for need in needs_of(job)):
                failed.add(name)
                results.append(StepResult(name, "(job)", "skipped", "a job it needs failed"))
                continue
            env = {**(data.get("env") or {}), **(job.get("env") or {})}
            steps, workspace = self.run_job(name, job, env, run)
            workspaces[name] = workspace
            results += steps
            if any(s.failed for s in steps):
                failed.add(name)
        return results, workspaces

    def run_job(
        self, name: str, job: Mapping[str, Any], env: Mapping[str, str], run: Run
    ) -> tuple[list[StepResult], Path]:
        runner = run.folder / name
        workspace, temp = runner / "workspace", runner / "temp"
        workspace.mkdir(parents=True)
        temp.mkdir()
        summary = temp / "step_summary.md"
        summary.touch()
        timeout = float(job.get("timeout-minutes", 360)) * 60
        results: list[StepResult] = []
        for index, spec in enumerate(job.get("steps") or []):
            if results and results[-1].failed:
                title = spec.get("name") or spec.get("uses") or "a step"
                results.append(StepResult(name, str(title), "skipped", "an earlier step failed"))
                continue
            if "if" in spec:
                raise WorkflowError(f"{name}: `if:` conditions have no stand-in yet")
            if "uses" in spec:
                results.append(self.action(name, spec, workspace, run))
                continue
            base = self.env(
                GITHUB_EVENT_NAME=run.event,
                GITHUB_REF="refs/pull/1/merge" if run.base_ref else f"refs/heads/{run.ref}",
                GITHUB_BASE_REF=run.base_ref,
                GITHUB_HEAD_REF=run.ref if run.base_ref else "",
                GITHUB_WORKSPACE=str(workspace),
                GITHUB_STEP_SUMMARY=str(summary),
                RUNNER_TEMP=str(temp),
                TMPDIR=str(temp),
                EDCAL_NOW=run.now,
            )
            step_env = {**env, **(spec.get("env") or {})}
            full = {**base, **{k: self.expression(str(v), run) for k, v in step_env.items()}}
            results.append(self.run_step(name, index, spec, full, workspace, temp, timeout, run))
        self.outputs.append(summary.read_text(encoding="utf-8"))
        return results, workspace

    def action(self, job: str, spec: Mapping[str, Any], workspace: Path, run: Run) -> StepResult:
        """The stand-in for a `uses:` step."""
        uses = str(spec["uses"])
        action = uses.split("@")[0]
        title = str(spec.get("name") or action)
        given = {str(k): self.expression(str(v), run) for k, v in (spec.get("with") or {}).items()}
        artifact = run.folder / "pages-artifact"
        if action == "actions/checkout":
            depth = int(given.get("fetch-depth", "1"))
            args = ["clone", "-q", "--branch", run.ref]
            if depth > 0:
                args += ["--depth", str(depth)]
            self.git(workspace, *args, f"file://{self.origin}", ".")
            history = "full history" if depth == 0 else f"depth {depth}"
            return StepResult(
                job, title, "simulated", f"a fresh clone of the temporary origin ({history})"
            )
        if action == "actions/setup-python":
            want = given.get("python-version", "")
            have = f"{sys.version_info.major}.{sys.version_info.minor}"
            note = "" if want in ("", have) else f"; the workflow asks for {want}"
            return StepResult(job, title, "simulated", f"this interpreter, Python {have}{note}")
        if action == "actions/configure-pages":
            return StepResult(job, title, "simulated", f"the Pages site is {self.site.url}")
        if action == "actions/upload-pages-artifact":
            source = workspace / given.get("path", "_site")
            if not source.is_dir():
                return StepResult(job, title, "ran", f"no {source.name}/ to upload", code=1)
            shutil.rmtree(artifact, ignore_errors=True)
            shutil.copytree(source, artifact)
            return StepResult(job, title, "simulated", f"{source.name}/ kept as the artifact")
        if action == "actions/deploy-pages":
            if run.hold_deploy:
                return StepResult(
                    job, title, "simulated", "held: the server keeps serving the previous site"
                )
            if not artifact.is_dir():
                return StepResult(job, title, "ran", "no artifact to deploy", code=1)
            self.site.deploy(artifact)
            return StepResult(
                job, title, "simulated", f"the artifact now served at {self.site.url}"
            )
        raise WorkflowError(f"{job}: {uses} has no stand-in: this step cannot be rehearsed")

    def run_step(
        self,
        job: str,
        index: int,
        spec: Mapping[str, Any],
        env: dict[str, str],
        workspace: Path,
        temp: Path,
        timeout: float,
        run: Run,
    ) -> StepResult:
        """A `run:` step, as written, with bash -e in the job's workspace."""
        script = self.expression(str(spec["run"]), run)
        title = str(spec.get("name") or script.strip().splitlines()[0])
        if PIP_INSTALL.search(script):
            # edcal (and mkdocs with its plugins) is installed in the environment of the
            # interpreter running the rehearsal, and its bin folder comes first on PATH:
            # installing again would only be slower and need the network.
            return StepResult(job, title, "skipped", "edcal is already installed here")
        if GITHUB_API.search(script):
            return StepResult(
                job, title, "skipped", "calls GitHub's API (gh api): nothing may leave 127.0.0.1"
            )
        if run.rewrite is not None:
            script = run.rewrite(script)
        shell = str(spec.get("shell", ""))
        if shell not in ("", "bash"):
            raise WorkflowError(f"{job}: step {title!r} uses shell {shell!r}")
        command = (
            ["bash", "-e"] if not shell else ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
        )
        path = temp / f"step-{index}.sh"
        path.write_text(script, encoding="utf-8")
        cwd = workspace / str(spec.get("working-directory", ""))
        started = time.monotonic()
        try:
            done = subprocess.run(
                [*command, str(path)],
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
                check=False,
            )
            code, output = done.returncode, done.stdout
        except subprocess.TimeoutExpired as error:
            code, output = 124, f"timed out after {timeout:.0f} s\n{error.output or ''}"
        seconds = time.monotonic() - started
        self.outputs.append(output)
        if self.verbose:
            print(f"--- {job} / {title} (exit {code}, {seconds:.1f} s)\n{output}", end="")
        if code != 0 and spec.get("continue-on-error"):
            return StepResult(job, title, "ran", "failed; continue-on-error", seconds, 0, output)
        return StepResult(job, title, "ran", " ".join(script.split()), seconds, code, output)

    # -- what the calendar expects

    def expectations(self, last: datetime) -> tuple[list[Expected], dict[str, Article], timedelta]:
        """Every scheduled (item, channel); the scheduled articles by URL; max_delay."""
        content = load_content(self.seed)
        config = content.config
        plan = build_plan(self.seed, content, last)
        posts = {p.id: p for p in content.posts}
        socials = {s.id: s for s in content.socials}
        templates = load_templates(self.seed)
        articles = {
            article_url(config, p): Article(p.title, p.date)
            for p in content.posts
            if p.status == "scheduled" and p.date is not None
        }
        expected: list[Expected] = []
        for entry in plan.entries:
            if entry.kind not in ("social", "announce") or entry.status != "scheduled":
                continue
            for name in entry.channels:
                channel = config.channels.get(name)
                if channel is None:
                    continue
                if entry.kind == "announce":
                    post = posts[entry.id.split(":")[0]]
                    url = article_url(config, post)
                    parts: tuple[str, ...] = (announcement_text(config, templates, post, name),)
                else:
                    social = socials[entry.id]
                    linked = next(
                        (p for p in posts.values() if p.source.path == f"content/{social.link}"),
                        None,
                    )
                    url = article_url(config, linked) if linked else ""
                    parts = social_parts(social, name, url)
                texts = ("\n\n".join(parts),) if channel.platform in JOINED else parts
                expected.append(
                    Expected(entry.id, name, channel.platform, entry.kind, entry.start, texts, url)
                )
        return expected, articles, config.publish.max_delay


def pr_move(rehearser: Rehearser, clone: Path) -> tuple[str, str]:
    """On a new branch of `clone`, move one social post a day later; (its id, the change)."""
    content = load_content(clone)
    now = datetime.fromisoformat(PR_NOW)
    future = [
        s
        for s in content.socials
        if s.status == "scheduled" and s.date is not None and s.date > now
    ]
    social = next((s for s in future if s.id == PR_MOVE), None) or min(
        future, key=lambda s: s.date or now
    )
    path = clone / social.source.path
    text = path.read_text(encoding="utf-8")
    match = re.search(r"(?m)^date:\s*(\S+)", text)
    if match is None:
        raise WorkflowError(f"{social.source.path}: no `date:` line to move")
    later = datetime.fromisoformat(match[1].strip("'\"")) + timedelta(days=1)
    line = f"date: {later.isoformat()}"
    path.write_text(text[: match.start()] + line + text[match.end() :], encoding="utf-8")
    rehearser.git(clone, "checkout", "-q", "-b", PR_BRANCH)
    rehearser.git(clone, *IDENTITY, "commit", "-q", "-am", f"Move {social.id} a day later")
    rehearser.git(clone, "push", "-q", "origin", PR_BRANCH)
    return social.id, f"{match[0]} -> {line}"


def rehearse(
    folder: Path | None = None,
    verbose: bool = False,
    ticks: Sequence[Tick] = TICKS,
    pull_request: bool = True,
) -> Rehearsal:
    """Run the whole rehearsal; the result lists every expectation that failed.

    Without `folder` it works in a temporary folder, removed at the end (kept with
    `verbose`). `ticks` and `pull_request` make shorter rehearsals possible (for tests).
    """
    started = time.monotonic()
    own = folder is None
    work = Path(tempfile.mkdtemp(prefix="edcal-rehearsal-")) if folder is None else folder
    work.mkdir(parents=True, exist_ok=True)
    fake = fake_platforms_module().FakePlatforms().start()
    site = DeployedSite(work / "pages").start()
    result = Rehearsal(work, site.url, fake.url)
    try:
        rehearser = Rehearser(work, fake, site, verbose)
        rehearser.check_tools()
        rehearser.make_origin()
        _ticks(rehearser, result, ticks)
        _credentials(rehearser, result)
        if pull_request:
            _pull_request(rehearser, result)
        _leaks(rehearser, result)
        log = rehearser.netlog.read_text(encoding="utf-8").splitlines()
        result.network = sorted(set(line.split(" ", 1)[-1] for line in log))
        for attempt in result.network:
            result.failures.append(f"a step tried to leave 127.0.0.1: {attempt}")
    except WorkflowError as error:
        result.failures.append(f"cannot rehearse: {error}")
    finally:
        site.close()
        fake.close()
        if own and not verbose:
            shutil.rmtree(work, ignore_errors=True)
    result.seconds = time.monotonic() - started
    return result


def _in_feed(site: DeployedSite, articles: Mapping[str, Article]) -> list[str]:
    """The article URLs the deployed feed lists (none while nothing is deployed)."""
    import feedparser

    status, body = site.get(site.url + "feed_rss_created.xml")
    if status != 200:
        return []
    links = {normal(str(e.get("link", ""))) for e in feedparser.parse(body).entries}
    return sorted(url for url in articles if normal(url) in links)


@dataclass
class Model:
    """What the calendar says each tick should do: the publishing contract, run by hand."""

    expected: list[Expected]
    articles: dict[str, Article]
    max_delay: timedelta
    done: dict[tuple[str, str], str] = field(default_factory=dict)  # -> the ledger's state
    should_be_live: set[str] = field(default_factory=set)  # on the deployed site

    def tick(self, tick: Tick, now: datetime, in_feed: Sequence[str]) -> list[Expected]:
        """Advance to `now`; the (item, channel)s that this tick must post."""
        if not tick.hold_deploy:
            self.should_be_live = {url for url, a in self.articles.items() if a.date <= now}
        due = []
        for e in self.expected:
            key = (e.item, e.channel)
            if key in self.done or e.start > now:
                continue
            if tick.import_past:
                self.done[key] = "imported"
            elif now - e.start >= self.max_delay:
                self.done[key] = "missed"
            elif e.kind != "announce" or e.article in in_feed:
                self.done[key] = "published"
                due.append(e)
        return due

    def published(self) -> Counter[tuple[str, str]]:
        """(platform, text) of everything that should be on the platforms by now."""
        return Counter(
            (e.platform, text)
            for e in self.expected
            if self.done.get((e.item, e.channel)) == "published"
            for text in e.texts
        )


def _ticks(rehearser: Rehearser, result: Rehearsal, ticks: Sequence[Tick]) -> None:
    model = Model(*rehearser.expectations(datetime.fromisoformat(ticks[-1].now)))
    site, fake = rehearser.site, rehearser.fake
    platforms = sorted({e.platform for e in model.expected})
    for number, tick in enumerate(ticks, 1):
        now = datetime.fromisoformat(tick.now)
        where = f"tick {number} ({now:%a %H:%M})"
        started = time.monotonic()
        head = rehearser.origin_head()
        requests_before, site_before = len(fake.requests), len(site.requests)
        posts_before = {p: len(fake.posts(p)) for p in platforms}
        rewritten: list[str] = []

        def import_past(script: str, rewritten: list[str] = rewritten) -> str:
            new, count = re.subn(r"\bedcal publish\b", "edcal publish --import-past", script)
            rewritten += [new] * count
            return new

        run = Run(
            WORKFLOWS / "publish.yml",
            "workflow_dispatch" if tick.import_past else "schedule",
            "main",
            tick.now,
            rehearser.folder / f"tick-{number}",
            hold_deploy=tick.hold_deploy,
            rewrite=import_past if tick.import_past else None,
        )
        steps, _ = rehearser.run_workflow(run)
        failures = [_step_failure(step) for step in steps if step.failed]
        if tick.import_past and len(rewritten) != 1:
            failures.append("no single `edcal publish` step to run with --import-past")

        in_feed = _in_feed(site, model.articles)
        due = model.tick(tick, now, in_feed)
        failures += _site_failures(site, model, in_feed)
        received = {
            p: tuple(post_text(p, post) for post in fake.posts(p)[posts_before[p] :])
            for p in platforms
        }
        received = {p: texts for p, texts in received.items() if texts}
        failures += _platform_failures(fake, platforms, model, due, received, in_feed)
        new_requests = fake.requests[requests_before:]
        after = rehearser.origin_head()
        log = rehearser.git(rehearser.origin, "log", "--reverse", "--format=%s", f"{head}..{after}")
        diff = rehearser.git(rehearser.origin, "diff", "--name-only", head, after)
        outcome = TickResult(
            now=now,
            label=tick.label,
            steps=tuple(steps),
            live=tuple(in_feed),
            newly_live=tuple(
                url for url in in_feed if not result.ticks or url not in result.ticks[-1].live
            ),
            received=received,
            requests=len(new_requests),
            writes=sum(r.method in ("POST", "PUT") for r in new_requests),
            feed_reads=sum(
                path.startswith("/feed_rss_created.xml") and agent != USER_AGENT
                for path, agent in site.requests[site_before:]
            ),
            commits=tuple(log.splitlines()),
            changed=tuple(diff.split()),
            seconds=time.monotonic() - started,
        )
        if (tick.import_past or not due) and new_requests:
            failures.append(f"nothing to post, yet {len(new_requests)} request(s) to the platforms")
        if not tick.import_past and not due and not outcome.heartbeat_only:
            failures.append(f"nothing to post, yet origin changed: {', '.join(outcome.changed)}")
        ledger = rehearser.origin_ledger(run.folder / "origin-ledger")
        for key in sorted(set(ledger) | set(model.done)):
            if ledger.get(key) != model.done.get(key):
                failures.append(
                    f"origin's ledger has {key[0]} on {key[1]} as {ledger.get(key) or 'nothing'},"
                    f" not {model.done.get(key) or 'nothing'}"
                )
        result.failures += [f"{where}: {failure}" for failure in failures]
        result.ticks.append(outcome)


def _step_failure(step: StepResult) -> str:
    tail = "\n".join("      " + line for line in step.output.strip().splitlines()[-6:])
    return f"{step.job} / {step.name} exited {step.code}\n{tail}"


def _site_failures(site: DeployedSite, model: Model, in_feed: Sequence[str]) -> list[str]:
    """Each article is on the deployed site (feed, blog index, page) exactly when it should."""
    failures = []
    _, index = site.get(site.url + "blog/")
    for url, article in model.articles.items():
        page, _ = site.get(url)
        listed = f'href="{url.removeprefix(site.url + "blog/")}"'.encode() in index
        want = url in model.should_be_live
        seen = {"the feed": url in in_feed, "the blog index": listed, "its own page": page == 200}
        for what, there in seen.items():
            if there != want:
                state = "already in" if there else "missing from"
                failures.append(f"{article.title!r} {state} {what} of the deployed site")
    return failures


def _platform_failures(
    fake: Any,
    platforms: Sequence[str],
    model: Model,
    due: Sequence[Expected],
    received: Mapping[str, tuple[str, ...]],
    in_feed: Sequence[str],
) -> list[str]:
    """This tick's posts are exactly the due ones; the platforms hold each post once."""
    failures = []
    want = Counter((e.platform, text) for e in due for text in e.texts)
    got = Counter((p, text) for p, texts in received.items() for text in texts)
    for (platform, text), count in (got - want).items():
        failures.append(f"{platform} got {short(text)!r} ({count}x), not due")
    for (platform, text), count in (want - got).items():
        failures.append(f"{platform} never got {short(text)!r} ({count}x), due")
    held = Counter((p, post_text(p, post)) for p in platforms for post in fake.posts(p))
    if held != model.published() or any(count != 1 for count in held.values()):
        failures.append("the platforms do not hold each due post exactly once")
    for platform, texts in received.items():
        for url in model.articles:
            if url not in in_feed and any(normal(url) in text for text in texts):
                failures.append(f"{platform} got a link to {url} before the feed listed it")
    return failures


def _pull_request(rehearser: Rehearser, result: Rehearsal) -> None:
    folder = rehearser.folder / "pull-request"
    contributor = folder / "contributor"
    contributor.mkdir(parents=True)
    rehearser.git(contributor, "clone", "-q", f"file://{rehearser.origin}", ".")
    moved, change = pr_move(rehearser, contributor)
    run = Run(WORKFLOWS / "check.yml", "pull_request", PR_BRANCH, PR_NOW, folder, base_ref="main")
    steps, workspaces = rehearser.run_workflow(run)
    for step in steps:
        if step.failed:
            tail = "\n".join(step.output.strip().splitlines()[-5:])
            result.failures.append(f"pull request: {step.job} / {step.name} failed\n{tail}")
    checked = [s for s in steps if "edcal check" in s.detail]
    annotations = tuple(
        line for s in checked for line in s.output.splitlines() if line.startswith("::")
    )
    if not checked:
        result.failures.append("pull request: check.yml has no `edcal check` step")
    if any(line.startswith("::error") for line in annotations):
        result.failures.append("pull request: edcal check reports errors")
    preview_file = next(iter(workspaces.values()), folder) / "preview.md"
    preview = preview_file.read_text(encoding="utf-8") if preview_file.is_file() else ""
    rows = [line for line in preview.splitlines() if "**moved**" in line]
    if not any(moved in row for row in rows):
        result.failures.append(f"pull request: the preview does not show {moved} as moved")
    result.preview = PreviewResult(moved, change, tuple(steps), annotations, preview)


def _credentials(rehearser: Rehearser, result: Rehearsal) -> None:
    """Each channel that posted sent a token the workflow's `env:` gave it (a fake secret)."""
    from edcal.config import load_config

    config, _ = load_config(rehearser.seed)
    for channel in config.channels.values():
        calls = [r for r in rehearser.fake.requests if r.platform == channel.platform]
        if not any(r.method in ("POST", "PUT") for r in calls):
            continue
        sent = " ".join(
            " ".join(r.headers.values()) + r.body.decode("utf-8", "replace") for r in calls
        )
        given = [rehearser.secrets_used.get(v) for v in channel.credentials.values()]
        if not any(value and value in sent for value in given):
            names = ", ".join(channel.credentials.values())
            result.failures.append(
                f"{channel.name}: posted without any token from the workflow's env ({names})"
            )


def _leaks(rehearser: Rehearser, result: Rehearsal) -> None:
    """The fake secrets appear in no step output, summary, or commit on origin."""
    history = rehearser.git(rehearser.origin, "log", "-p", "--all")
    for name, value in rehearser.secrets_used.items():
        if any(value in output for output in rehearser.outputs) or value in history:
            result.failures.append(f"the secret {name} was printed or committed")


# ---------------------------------------------------------------------------
# The report


def how_it_ran(steps: Sequence[StepResult]) -> list[str]:
    """One line per step: ran as written, or what stood in for it, or why it was skipped."""
    lines = []
    for step in steps:
        what = {"ran": "ran as written", "simulated": step.detail}.get(step.how)
        lines.append(f"    {step.job:<8} {step.name} -> {what or 'skipped: ' + step.detail}")
    return lines


def report(result: Rehearsal) -> str:
    """A short text report: per tick what went live, what the platforms got, what origin got."""
    lines = [
        "edcal rehearsal of .github/workflows/publish.yml and check.yml",
        f"  deployed site {result.site_url}  fake platforms {result.platforms_url}",
    ]
    if result.ticks:
        lines.append("  publish.yml, each job on a fresh clone (steps of the first tick):")
        lines += how_it_ran(result.ticks[0].steps)
    for number, tick in enumerate(result.ticks, 1):
        lines.append(
            f"[{number}] {tick.now:%a %Y-%m-%d %H:%M}  {tick.label}  ({tick.seconds:.1f} s)"
        )
        live = ", ".join(url.rsplit("/", 2)[-2] for url in tick.newly_live)
        lines.append(
            f"    site:      {len(tick.live)} article(s) live"
            + (f", new: {live}" if live else "")
            + f"; the feed read by the run {tick.feed_reads}x"
        )
        if tick.received:
            for platform, texts in tick.received.items():
                for text in texts:
                    lines.append(f"    {platform + ':':<10} {short(text, 70)}")
        else:
            lines.append(f"    platforms: nothing received ({tick.requests} request(s))")
        if tick.commits:
            kind = " (heartbeat only)" if tick.heartbeat_only else ""
            lines.append(f"    origin:    {'; '.join(tick.commits)}{kind}")
        else:
            lines.append("    origin:    no new commit")
    if result.preview is not None:
        preview = result.preview
        rows = [line for line in preview.preview.splitlines() if "**moved**" in line]
        when = rows[0].split("|")[3].strip() if rows and rows[0].count("|") > 3 else "?"
        warnings = sum(line.startswith("::warning") for line in preview.annotations)
        lines.append(f"[PR] check.yml on branch {PR_BRANCH} ({preview.change})")
        errors = sum(line.startswith("::error") for line in preview.annotations)
        lines.append(f"    edcal check --format github: {errors} error(s), {warnings} warning(s)")
        lines.append(f"    edcal preview --base origin/main: moved {preview.moved}, {when}")
        lines += [line for line in how_it_ran(preview.steps) if "skipped" in line]
    if result.failures:
        lines.append(f"FAILED: {len(result.failures)} expectation(s) ({result.seconds:.0f} s)")
        lines += [f"  - {failure}" for failure in result.failures]
    else:
        lines.append(
            f"OK: every expectation held; no connection left 127.0.0.1 ({result.seconds:.0f} s)"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, help="work here (kept) instead of a temporary folder")
    parser.add_argument(
        "--verbose", action="store_true", help="print every step's output (and keep the folder)"
    )
    options = parser.parse_args(argv)
    result = rehearse(options.dir.resolve() if options.dir else None, options.verbose)
    print(report(result))
    if options.verbose or options.dir:
        print(f"(the rehearsal's folder: {result.folder})")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
