"""A local stand-in for the social platforms: one HTTP server on 127.0.0.1 for all of them.

It speaks the subset of each API that edcal's adapters use through the real client
libraries (Mastodon.py, atproto, tweepy/requests), keeps what was posted, records every
request, and fails on demand. Tests use it as a context manager; a person trying a live
setup runs it from the command line and points the channels at it:

    python scripts/fake_platforms.py --port 8765
    # calendar/edcal.yml:  mastodon: {instance: http://127.0.0.1:8765, ...}
    #                      bluesky:  {service: http://127.0.0.1:8765, ...}

    with FakePlatforms() as server:
        server.url                                  # http://127.0.0.1:<port>
        server.fail("mastodon", "429", path="/api/v1/statuses")
        ...                                         # run the adapter against server.url
        server.calls("mastodon", path="/api/v1/statuses")[0].headers["idempotency-key"]
        server.posts("mastodon")                    # what the platform now holds

Routes, by path:

- mastodon: `/api/v1/instance`, `/api/v2/instance` (`configuration.statuses.max_characters`),
  `/api/v1/accounts/verify_credentials`, `/api/v2/media` + `/api/v1/media/:id`,
  `/api/v1/statuses` (the same `Idempotency-Key` within an hour answers the same status),
  `/api/v1/statuses/:id`, `/api/v1/accounts/:id/statuses`.
- bluesky (`/xrpc/…`): `com.atproto.server.createSession`, `refreshSession`, `getSession`;
  `com.atproto.repo.createRecord` (a second create at the same rkey gets a bare 500, as
  from the reference PDS), `getRecord` (400 RecordNotFound), `uploadBlob`;
  `com.atproto.identity.resolveHandle`; `app.bsky.actor.getProfile`.
- x: `POST /2/tweets` (403 "duplicate content" for a text already posted), `GET /2/tweets/:id`,
  `POST /2/media/upload`, `POST /2/media/metadata` (alt text), `GET /2/users/me`, and the
  v1.1 `/1.1/media/upload.json` and `/1.1/media/metadata/create.json`; every answer has
  `x-rate-limit-limit/remaining/reset`.
- linkedin: `POST /rest/posts` (needs `LinkedIn-Version` and `X-Restli-Protocol-Version:
  2.0.0`; 201 with `x-restli-id`; 422 DUPLICATE_POST for the same commentary twice),
  `POST /rest/images?action=initializeUpload` + `PUT /linkedin-upload/:id`, `GET /v2/userinfo`.
- facebook: `GET /{version}/me`, `POST /{version}/{page}/feed`, `POST /{version}/{page}/photos`,
  `GET /{version}/{page}/feed`, `GET /{version}/{id}`.
- webhook: `POST /hooks/<anything>` (204; 200 with an `id` when `?wait=true`, as Discord).
- web: `GET /pages/<name>` serves the HTML in `server.pages[name]` (for link cards).

Credentials: any non-empty token is accepted unless `server.tokens[platform]` names the
only one (for Bluesky, the app password).

Faults: `server.fail(platform, kind, times=1, path=None)` fails the next `times` requests of
that platform whose path contains `path` (with no path: the next write requests, POST or
PUT, so a client's version probes go through), with the answer that platform gives:

- `401`: credentials refused: 401 (Facebook: 400 with error code 190, as Graph answers).
- `403-duplicate`: "already posted": X 403 duplicate content, LinkedIn 422 DUPLICATE_POST,
  Facebook 400 code 506, the others 403.
- `422`: the post refused: Mastodon and LinkedIn 422, Bluesky 400 InvalidRequest, X 400,
  Facebook 400 code 100.
- `429`: rate limited, with `Retry-After` (`retry_after=`, default 2) and the platform's reset
  headers (Facebook: 400 with code 4 and `X-App-Usage`/`X-Business-Use-Case-Usage`).
- `500`: a server error (Facebook: code 2, `is_transient`).
- `timeout`: held `hold=` seconds (default 5; released when the server closes), then 504;
  nothing is done.
- `drop-after-accept`: done and kept, then the connection closes without an answer.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

KINDS = ("401", "403-duplicate", "422", "429", "500", "timeout", "drop-after-accept")
IDEMPOTENCY_TTL = 3600.0  # Mastodon keeps an Idempotency-Key for an hour


# ---------------------------------------------------------------------------
# Requests in, answers out


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Recorded:
    """One request as the server received it."""

    platform: str
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # names in lower case
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        if "json" not in self.headers.get("content-type", "") or not self.body:
            return None
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, list[str]]:
        """Form fields, from a urlencoded or a multipart body (file parts excluded)."""
        kind = self.headers.get("content-type", "")
        if kind.startswith("application/x-www-form-urlencoded"):
            return parse_qs(self.body.decode(), keep_blank_values=True)
        fields: dict[str, list[str]] = {}
        for name, upload in _multipart(kind, self.body):
            if not upload.filename:
                fields.setdefault(name, []).append(upload.data.decode())
        return fields

    @property
    def files(self) -> dict[str, Upload]:
        """File parts of a multipart body, by field name."""
        kind = self.headers.get("content-type", "")
        return {name: up for name, up in _multipart(kind, self.body) if up.filename}

    def param(self, name: str, default: str = "") -> str:
        """A single value from the query, the form or a JSON object body, in that order."""
        for source in (self.query, self.form):
            if name in source:
                return source[name][0]
        data = self.json
        if isinstance(data, dict) and name in data:
            return str(data[name])
        return default

    def bearer(self) -> str:
        """The token of an `Authorization: Bearer …` header, or ""."""
        value = self.headers.get("authorization", "")
        return value[7:].strip() if value.lower().startswith("bearer ") else ""


def _multipart(content_type: str, body: bytes) -> Iterator[tuple[str, Upload]]:
    if not content_type.startswith("multipart/"):
        return
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition") or ""
        data = part.get_payload(decode=True) or b""
        yield str(name), Upload(part.get_filename() or "", part.get_content_type(), data)


@dataclass
class Answer:
    """What a route sends back: a status, a JSON value (or raw bytes), extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    """A failure waiting for the next matching request(s)."""

    platform: str
    kind: str
    times: int
    path: str | None
    retry_after: int
    hold: float

    def matches(self, request: Recorded) -> bool:
        if self.platform != request.platform:
            return False
        if self.path is None:
            return request.method in ("POST", "PUT")
        return self.path in request.path


def _now_iso(offset: float = 0.0) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=offset)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _cid(data: bytes, codec: int = 0x71) -> str:
    """A well-formed CIDv1 (sha2-256) string: dag-cbor for records, raw (0x55) for blobs."""
    raw = bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


Route = tuple[str, "re.Pattern[str]", Callable[[Recorded, "re.Match[str]"], Answer]]


class Platform:
    """One platform's routes and state; subclasses list their routes in `routes()`."""

    name = ""

    def __init__(self, server: FakePlatforms) -> None:
        self.server = server
        self.table: list[Route] = [
            (method, re.compile(pattern), handler) for method, pattern, handler in self.routes()
        ]

    def routes(self) -> list[tuple[str, str, Callable[[Recorded, re.Match[str]], Answer]]]:
        return []

    def handle(self, request: Recorded) -> Answer:
        for method, pattern, handler in self.table:
            match = pattern.fullmatch(request.path)
            if match and method == request.method:
                return handler(request, match)
        return self.error(404, f"no route for {request.method} {request.path}")

    def authorized(self, request: Recorded) -> bool:
        token = request.bearer()
        expected = self.server.tokens.get(self.name)
        return bool(token) and (expected is None or token == expected)

    def rate_headers(self, reset_in: float = 300, exhausted: bool = False) -> dict[str, str]:
        return {}

    def error(self, status: int, message: str) -> Answer:
        return Answer(status, {"error": message})

    def fault(self, kind: str, retry_after: int) -> Answer:
        if kind == "401":
            return self.error(401, "The access token is invalid")
        if kind == "403-duplicate":
            return self.error(403, "duplicate")
        if kind == "422":
            return self.error(422, "Validation failed")
        if kind == "429":
            headers = self.rate_headers(reset_in=retry_after, exhausted=True)
            headers["Retry-After"] = str(retry_after)
            answer = self.error(429, "Too many requests")
            answer.headers.update(headers)
            return answer
        return self.error(500, "Internal server error")

    def posts(self) -> list[dict[str, Any]]:
        return []


# ---------------------------------------------------------------------------
# Mastodon


class Mastodon(Platform):
    name = "mastodon"
    version = "4.4.0"

    def __init__(self, server: FakePlatforms) -> None:
        super().__init__(server)
        self.max_characters = 500
        self.async_media = False  # True: uploads answer 202 and are ready at the first GET
        self.statuses: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, tuple[str, float]] = {}  # Idempotency-Key -> (status id, when)
        self.media: dict[str, dict[str, Any]] = {}
        self.counter = 0

    def routes(self) -> list[tuple[str, str, Callable[[Recorded, re.Match[str]], Answer]]]:
        return [
            ("GET", r"/api/v1/instance/?", self.instance_v1),
            ("GET", r"/api/v2/instance/?", self.instance_v2),
            ("GET", r"/api/v1/accounts/verify_credentials/?", self.verify_credentials),
            ("GET", r"/api/v1/accounts/(?P<id>[^/]+)/statuses/?", self.account_statuses),
            ("POST", r"/api/v[12]/media/?", self.upload_media),
            ("GET", r"/api/v1/media/(?P<id>[^/]+)/?", self.get_media),
            ("POST", r"/api/v1/statuses/?", self.post_status),
            ("GET", r"/api/v1/statuses/(?P<id>[^/]+)/?", self.get_status),
        ]

    def next_id(self) -> str:
        self.counter += 1
        return str(113_000_000_000_000_000 + self.counter)

    def account(self) -> dict[str, Any]:
        base = self.server.url
        return {
            "id": "1",
            "username": "edcal",
            "acct": "edcal",
            "display_name": "edcal test account",
            "locked": False,
            "bot": False,
            "created_at": "2026-01-01T00:00:00.000Z",
            "note": "",
            "url": f"{base}/@edcal",
            "avatar": f"{base}/avatar.png",
            "header": f"{base}/header.png",
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": len(self.statuses),
            "emojis": [],
            "fields": [],
        }

    def configuration(self) -> dict[str, Any]:
        return {
            "statuses": {
                "max_characters": self.max_characters,
                "max_media_attachments": 4,
                "characters_reserved_per_url": 23,
            },
            "media_attachments": {
                "supported_mime_types": ["image/png", "image/jpeg", "image/gif", "image/webp"],
                "image_size_limit": 16_777_216,
                "description_limit": 1500,
            },
        }

    def instance_v1(self, request: Recorded, match: re.Match[str]) -> Answer:
        host = urlsplit(self.server.url).netloc
        return Answer(
            200,
            {
                "uri": host,
                "title": "Fake Mastodon",
                "short_description": "edcal's test instance",
                "description": "",
                "email": "admin@example.invalid",
                "version": self.version,
                "urls": {"streaming_api": f"ws://{host}"},
                "stats": {"user_count": 1, "status_count": len(self.statuses), "domain_count": 1},
                "languages": ["en"],
                "registrations": False,
                "approval_required": False,
                "invites_enabled": False,
                "configuration": self.configuration(),
                "rules": [],
            },
        )

    def instance_v2(self, request: Recorded, match: re.Match[str]) -> Answer:
        host = urlsplit(self.server.url).netloc
        return Answer(
            200,
            {
                "domain": host,
                "title": "Fake Mastodon",
                "version": self.version,
                "source_url": "https://github.com/mastodon/mastodon",
                "description": "edcal's test instance",
                "usage": {"users": {"active_month": 1}},
                "languages": ["en"],
                "configuration": self.configuration(),
                "registrations": {"enabled": False, "approval_required": False},
                "contact": {"email": "admin@example.invalid"},
                "rules": [],
                "api_versions": {"mastodon": 2},
            },
        )

    def verify_credentials(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.error(401, "The access token is invalid")
        account = self.account()
        account["source"] = {"privacy": "public", "sensitive": False, "language": "", "note": ""}
        return Answer(200, account)

    def account_statuses(self, request: Recorded, match: re.Match[str]) -> Answer:
        statuses = [s["status"] for s in reversed(self.statuses.values())]
        limit = int(request.param("limit", "20"))
        return Answer(200, statuses[:limit])

    def upload_media(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.error(401, "The access token is invalid")
        upload = request.files.get("file")
        if upload is None:
            return self.error(422, "Validation failed: File can't be blank")
        media_id = self.next_id()
        description = request.form.get("description", [None])[0]
        ready = not self.async_media
        media = {
            "id": media_id,
            "type": "image",
            "url": f"{self.server.url}/media/{media_id}" if ready else None,
            "preview_url": f"{self.server.url}/media/{media_id}/small",
            "remote_url": None,
            "description": description,
            "blurhash": None,
            "meta": {},
        }
        self.media[media_id] = {"media": media, "bytes": len(upload.data), "attached": False}
        return Answer(200 if ready else 202, media)

    def get_media(self, request: Recorded, match: re.Match[str]) -> Answer:
        stored = self.media.get(match["id"])
        if stored is None:
            return self.error(404, "Record not found")
        stored["media"]["url"] = f"{self.server.url}/media/{match['id']}"
        return Answer(200, stored["media"])

    def post_status(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.error(401, "The access token is invalid")
        key = request.headers.get("idempotency-key", "")
        if key in self.keys:
            status_id, when = self.keys[key]
            if time.time() - when < IDEMPOTENCY_TTL:
                return Answer(200, self.statuses[status_id]["status"])
        fields = request.form
        data = request.json if isinstance(request.json, dict) else {}
        text = fields.get("status", [data.get("status", "")])[0] or ""
        reply = fields.get("in_reply_to_id", [data.get("in_reply_to_id")])[0]
        media_ids = fields.get("media_ids[]", data.get("media_ids") or [])
        if not text.strip() and not media_ids:
            return self.error(422, "Validation failed: Text can't be blank")
        if _mastodon_length(text) > self.max_characters:
            return self.error(
                422, f"Validation failed: Text character limit of {self.max_characters} exceeded"
            )
        if reply and reply not in self.statuses:
            return self.error(404, "Record not found")
        attachments = []
        for media_id in media_ids:
            stored = self.media.get(media_id)
            if stored is None or stored["attached"]:
                return self.error(422, "Validation failed: media not found or already attached")
            if stored["media"]["url"] is None:
                return self.error(
                    422, "Cannot attach files that have not finished processing. Try again!"
                )
            stored["attached"] = True
            attachments.append(stored["media"])
        status_id = self.next_id()
        base = self.server.url
        status = {
            "id": status_id,
            "created_at": _now_iso(),
            "in_reply_to_id": reply,
            "in_reply_to_account_id": "1" if reply else None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": fields.get("visibility", ["public"])[0],
            "language": fields.get("language", [None])[0],
            "uri": f"{base}/users/edcal/statuses/{status_id}",
            "url": f"{base}/@edcal/{status_id}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "edited_at": None,
            "content": "<p>" + html.escape(text).replace("\n", "<br />") + "</p>",
            "reblog": None,
            "application": {"name": "edcal", "website": None},
            "account": self.account(),
            "media_attachments": attachments,
            "mentions": [],
            "tags": [],
            "emojis": [],
            "card": None,
            "poll": None,
        }
        self.statuses[status_id] = {"status": status, "text": text, "key": key}
        if key:
            self.keys[key] = (status_id, time.time())
        return Answer(200, status)

    def get_status(self, request: Recorded, match: re.Match[str]) -> Answer:
        stored = self.statuses.get(match["id"])
        if stored is None:
            return self.error(404, "Record not found")
        return Answer(200, stored["status"])

    def rate_headers(self, reset_in: float = 300, exhausted: bool = False) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0" if exhausted else "299",
            "X-RateLimit-Reset": _now_iso(reset_in),
        }

    def fault(self, kind: str, retry_after: int) -> Answer:
        if kind == "403-duplicate":
            return self.error(403, "This action is not allowed")
        if kind == "422":
            return self.error(422, "Validation failed: Text character limit exceeded")
        return super().fault(kind, retry_after)

    def posts(self) -> list[dict[str, Any]]:
        return [
            {
                "id": sid,
                "text": stored["text"],
                "idempotency_key": stored["key"],
                "in_reply_to_id": stored["status"]["in_reply_to_id"],
                "media": [
                    {"description": m["description"]} for m in stored["status"]["media_attachments"]
                ],
                "url": stored["status"]["url"],
            }
            for sid, stored in self.statuses.items()
        ]


def _mastodon_length(text: str) -> int:
    return len(re.sub(r"https?://\S+", "x" * 23, text))


# ---------------------------------------------------------------------------
# Bluesky (XRPC, as a PDS answers)

RKEY = re.compile(r"[A-Za-z0-9._:~-]{1,512}")
TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"


class Bluesky(Platform):
    name = "bluesky"
    did = "did:plc:edcaltestaccountabcdefgh"

    def __init__(self, server: FakePlatforms) -> None:
        super().__init__(server)
        self.account = (
            ""  # the handle: set by the first createSession (the identifier it was given)
        )
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        self.blobs: dict[str, tuple[str, int]] = {}
        self.access: set[str] = set()
        self.refresh: set[str] = set()
        self.handles: dict[str, str] = {}  # other accounts resolveHandle knows: handle -> DID
        self.session_limit = 30  # createSession is rate-limited hard: 30 per 5 minutes

    def routes(self) -> list[tuple[str, str, Callable[[Recorded, re.Match[str]], Answer]]]:
        x = r"/xrpc/"
        return [
            ("POST", x + r"com\.atproto\.server\.createSession", self.create_session),
            ("POST", x + r"com\.atproto\.server\.refreshSession", self.refresh_session),
            ("GET", x + r"com\.atproto\.server\.getSession", self.get_session),
            ("POST", x + r"com\.atproto\.repo\.createRecord", self.create_record),
            ("GET", x + r"com\.atproto\.repo\.getRecord", self.get_record),
            ("POST", x + r"com\.atproto\.repo\.uploadBlob", self.upload_blob),
            ("GET", x + r"com\.atproto\.identity\.resolveHandle", self.resolve_handle),
            ("GET", x + r"app\.bsky\.actor\.getProfile", self.get_profile),
        ]

    def error(self, status: int, message: str, name: str = "") -> Answer:
        default = {
            400: "InvalidRequest",
            401: "AuthenticationRequired",
            404: "MethodNotImplemented",
            429: "RateLimitExceeded",
        }
        return Answer(
            status,
            {"error": name or default.get(status, "InternalServerError"), "message": message},
        )

    def authorized(self, request: Recorded) -> bool:
        return request.bearer() in self.access

    def jwt(self, scope: str, lifetime: int) -> str:
        now = int(time.time())
        header = _b64url(json.dumps({"typ": "at+jwt", "alg": "ES256K"}).encode())
        claims = {"scope": scope, "sub": self.did, "iat": now, "exp": now + lifetime}
        claims["jti"] = _b64url(
            hashlib.sha256(f"{scope}{time.perf_counter_ns()}".encode()).digest()
        )
        payload = _b64url(json.dumps(claims).encode())
        return f"{header}.{payload}.{_b64url(b'fake-signature')}"

    def session(self) -> dict[str, Any]:
        access, refresh = (
            self.jwt("com.atproto.appPass", 7200),
            self.jwt("com.atproto.refresh", 86400),
        )
        self.access.add(access)
        self.refresh.add(refresh)
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": self.account,
            "did": self.did,
            "didDoc": {
                "@context": ["https://www.w3.org/ns/did/v1"],
                "id": self.did,
                "alsoKnownAs": [f"at://{self.account}"],
                "verificationMethod": [],
                "service": [
                    {
                        "id": "#atproto_pds",
                        "type": "AtprotoPersonalDataServer",
                        "serviceEndpoint": self.server.url,
                    }
                ],
            },
            "email": "edcal@example.invalid",
            "emailConfirmed": True,
            "active": True,
        }

    def create_session(self, request: Recorded, match: re.Match[str]) -> Answer:
        created = len(self.server.calls("bluesky", path="createSession"))
        if created > self.session_limit:
            answer = self.error(429, "Rate Limit Exceeded")
            answer.headers.update(self.rate_headers(300, exhausted=True))
            return answer
        body = request.json or {}
        identifier, password = str(body.get("identifier", "")), str(body.get("password", ""))
        expected = self.server.tokens.get(self.name)
        if not identifier or not password or (expected is not None and password != expected):
            return self.error(401, "Invalid identifier or password")
        self.account = identifier if "." in identifier else f"{identifier}.test"
        return Answer(200, self.session())

    def refresh_session(self, request: Recorded, match: re.Match[str]) -> Answer:
        token = request.bearer()
        if token not in self.refresh:
            return self.error(400, "Token could not be verified", "InvalidToken")
        self.refresh.discard(token)
        return Answer(200, self.session())

    def get_session(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.error(401, "Authentication Required")
        return Answer(200, {"handle": self.account, "did": self.did, "active": True})

    def at_uri(self, collection: str, rkey: str) -> str:
        return f"at://{self.did}/{collection}/{rkey}"

    def create_record(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.error(401, "Authentication Required")
        body = request.json or {}
        repo, collection = body.get("repo"), str(body.get("collection", ""))
        if repo not in (self.did, self.account):
            return self.error(400, f"Could not find repo: {repo}")
        rkey = body.get("rkey") or self.next_tid()
        if not RKEY.fullmatch(rkey) or rkey in (".", ".."):
            return self.error(400, f"Invalid record key: {rkey}")
        record = body.get("record") or {}
        if record.get("$type", collection) != collection:
            return self.error(400, f"Invalid $type: expected {collection}, got {record['$type']}")
        problem = self.invalid_post(record) if collection == "app.bsky.feed.post" else ""
        if problem:
            return self.error(400, f"Invalid {collection} record: {problem}")
        if (collection, rkey) in self.records:
            # The reference PDS answers a second create at the same key with a bare 500
            # (bluesky-social/indigo#873): a client must look the key up to know.
            return self.error(500, "Internal Server Error")
        uri = self.at_uri(collection, rkey)
        cid = _cid(json.dumps(record, sort_keys=True).encode())
        self.records[(collection, rkey)] = {"uri": uri, "cid": cid, "value": record}
        commit = {"cid": _cid(uri.encode()), "rev": self.next_tid()}
        return Answer(200, {"uri": uri, "cid": cid, "commit": commit, "validationStatus": "valid"})

    def invalid_post(self, record: dict[str, Any]) -> str:
        text = record.get("text")
        if not isinstance(text, str) or "createdAt" not in record:
            return "Record must have the properties text and createdAt"
        if len(text.encode()) > 3000 or _graphemes(text) > 300:
            return "Record/text must not be longer than 300 graphemes"
        size = len(text.encode())
        for facet in record.get("facets") or []:
            index = facet.get("index", {})
            if not 0 <= index.get("byteStart", -1) < index.get("byteEnd", -1) <= size:
                return "Record/facets has an index outside the text"
        embed = record.get("embed") or {}
        for image in (
            embed.get("images", []) if embed.get("$type") == "app.bsky.embed.images" else []
        ):
            link = image.get("image", {}).get("ref", {}).get("$link")
            if link not in self.blobs:
                return f"Could not find blob: {link}"
            if not isinstance(image.get("alt"), str):
                return "Record/embed/images/0 must have the property alt"
        reply = record.get("reply")
        if reply is not None and not all(
            isinstance(reply.get(end), dict) and {"uri", "cid"} <= set(reply[end])
            for end in ("root", "parent")
        ):
            return "Record/reply must have the properties root and parent"
        return ""

    def next_tid(self) -> str:
        value = (time.time_ns() // 1000) << 10
        return "".join(TID_CHARS[(value >> (5 * i)) & 31] for i in reversed(range(13)))

    def get_record(self, request: Recorded, match: re.Match[str]) -> Answer:
        collection, rkey = request.param("collection"), request.param("rkey")
        stored = self.records.get((collection, rkey))
        if request.param("repo") not in (self.did, self.account) or stored is None:
            uri = self.at_uri(collection, rkey)
            return self.error(400, f"Could not locate record: {uri}", "RecordNotFound")
        return Answer(200, {"uri": stored["uri"], "cid": stored["cid"], "value": stored["value"]})

    def upload_blob(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.error(401, "Authentication Required")
        mime = request.headers.get("content-type", "application/octet-stream")
        cid = _cid(request.body, codec=0x55)
        self.blobs[cid] = (mime, len(request.body))
        blob = {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": len(request.body)}
        return Answer(200, {"blob": blob})

    def resolve_handle(self, request: Recorded, match: re.Match[str]) -> Answer:
        handle = request.param("handle").lower()
        did = self.did if handle == self.account else self.handles.get(handle)
        if did is None:
            return self.error(400, "Unable to resolve handle")
        return Answer(200, {"did": did})

    def get_profile(self, request: Recorded, match: re.Match[str]) -> Answer:
        if request.param("actor") not in (self.did, self.account):
            return self.error(400, "Profile not found")
        return Answer(
            200,
            {
                "did": self.did,
                "handle": self.account,
                "displayName": "edcal test account",
                "followersCount": 0,
                "followsCount": 0,
                "postsCount": len(self.records),
            },
        )

    def rate_headers(self, reset_in: float = 300, exhausted: bool = False) -> dict[str, str]:
        return {
            "ratelimit-limit": "5000",
            "ratelimit-remaining": "0" if exhausted else "4999",
            "ratelimit-reset": str(int(time.time() + reset_in)),
            "ratelimit-policy": "5000;w=3600",
        }

    def fault(self, kind: str, retry_after: int) -> Answer:
        if kind == "401":
            return self.error(401, "Invalid identifier or password")
        if kind == "422":
            return self.error(400, "Invalid app.bsky.feed.post record")
        if kind == "500":
            return self.error(500, "Internal Server Error")
        return super().fault(kind, retry_after)

    def posts(self) -> list[dict[str, Any]]:
        return [
            {
                "rkey": rkey,
                "uri": stored["uri"],
                "cid": stored["cid"],
                "text": stored["value"].get("text", ""),
                "record": stored["value"],
            }
            for (collection, rkey), stored in self.records.items()
            if collection == "app.bsky.feed.post"
        ]


def _graphemes(text: str) -> int:
    try:
        import regex
    except ImportError:  # a command-line trial without edcal's dependencies
        return len(text)
    return len(regex.findall(r"\X", text))


# ---------------------------------------------------------------------------
# X (API v2, and the v1.1 media endpoints tweepy knows)


class X(Platform):
    name = "x"

    def __init__(self, server: FakePlatforms) -> None:
        super().__init__(server)
        self.tweets: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.counter = 0

    def routes(self) -> list[tuple[str, str, Callable[[Recorded, re.Match[str]], Answer]]]:
        return [
            ("POST", r"/2/tweets", self.post_tweet),
            ("GET", r"/2/tweets/(?P<id>\d+)", self.get_tweet),
            ("GET", r"/2/users/me", self.me),
            ("POST", r"/2/media/upload", self.upload_media),
            ("POST", r"/2/media/metadata", self.media_metadata),
            ("POST", r"/1\.1/media/upload\.json", self.upload_media_v1),
            ("POST", r"/1\.1/media/metadata/create\.json", self.media_metadata_v1),
        ]

    def next_id(self) -> str:
        self.counter += 1
        return str(1_860_000_000_000_000_000 + self.counter)

    def authorized(self, request: Recorded) -> bool:
        value = request.headers.get("authorization", "")
        expected = self.server.tokens.get(self.name)
        return bool(value) and (expected is None or expected in value)

    def error(self, status: int, message: str) -> Answer:
        titles = {
            400: "Invalid Request",
            401: "Unauthorized",
            403: "Forbidden",
            429: "Too Many Requests",
        }
        title = titles.get(status, "Internal Server Error")
        return Answer(
            status, {"title": title, "type": "about:blank", "status": status, "detail": message}
        )

    def post_tweet(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.error(401, "Unauthorized")
        body = request.json or {}
        text = str(body.get("text", ""))
        if any(t["text"] == text for t in self.tweets.values()):
            return self.duplicate()
        reply = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if reply and reply not in self.tweets:
            return self.error(400, "The Tweet you are replying to does not exist.")
        media_ids = (body.get("media") or {}).get("media_ids") or []
        if any(m not in self.media for m in media_ids):
            return self.error(400, "Your media IDs are invalid.")
        tweet_id = self.next_id()
        self.tweets[tweet_id] = {
            "id": tweet_id,
            "text": text,
            "in_reply_to": reply,
            "media": [self.media[m] for m in media_ids],
        }
        return Answer(
            201, {"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}}
        )

    def duplicate(self) -> Answer:
        return self.error(403, "You are not allowed to create a Tweet with duplicate content.")

    def get_tweet(self, request: Recorded, match: re.Match[str]) -> Answer:
        tweet = self.tweets.get(match["id"])
        if tweet is None:
            detail = f"Could not find tweet with id: [{match['id']}]."
            error = {"value": match["id"], "detail": detail, "title": "Not Found Error"}
            return Answer(200, {"errors": [error]})
        return Answer(200, {"data": {"id": tweet["id"], "text": tweet["text"]}})

    def me(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.error(401, "Unauthorized")
        return Answer(200, {"data": {"id": "1", "name": "edcal test", "username": "edcal"}})

    def store_media(self, request: Recorded) -> dict[str, Any] | None:
        upload = request.files.get("media")
        if upload is not None:
            data = upload.data
        elif isinstance(request.json, dict) and "media" in request.json:
            data = base64.b64decode(request.json["media"])
        elif "media_data" in request.form:
            data = base64.b64decode(request.form["media_data"][0])
        else:
            return None
        media_id = self.next_id()
        self.media[media_id] = {"id": media_id, "size": len(data), "alt_text": None}
        return self.media[media_id]

    def upload_media(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.error(401, "Unauthorized")
        media = self.store_media(request)
        if media is None:
            return self.error(400, "media is required")
        data = {
            "id": media["id"],
            "media_key": f"3_{media['id']}",
            "size": media["size"],
            "expires_after_secs": 86400,
            "image": {"image_type": "image/png", "w": 1, "h": 1},
        }
        return Answer(200, {"data": data})

    def media_metadata(self, request: Recorded, match: re.Match[str]) -> Answer:
        body = request.json or {}
        media = self.media.get(str(body.get("id")))
        if media is None:
            return self.error(400, "media id not found")
        media["alt_text"] = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
        associated = {"alt_text": {"text": media["alt_text"]}}
        return Answer(200, {"data": {"id": media["id"], "associated_metadata": associated}})

    def upload_media_v1(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.error(401, "Unauthorized")
        media = self.store_media(request)
        if media is None:
            return self.error(400, "media is required")
        return Answer(
            200,
            {
                "media_id": int(media["id"]),
                "media_id_string": media["id"],
                "size": media["size"],
                "expires_after_secs": 86400,
                "image": {"image_type": "image/png", "w": 1, "h": 1},
            },
        )

    def media_metadata_v1(self, request: Recorded, match: re.Match[str]) -> Answer:
        body = request.json or {}
        media = self.media.get(str(body.get("media_id")))
        if media is None:
            return self.error(400, "media id not found")
        media["alt_text"] = (body.get("alt_text") or {}).get("text")
        return Answer(200, b"")

    def rate_headers(self, reset_in: float = 300, exhausted: bool = False) -> dict[str, str]:
        return {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "0" if exhausted else "99",
            "x-rate-limit-reset": str(int(time.time() + reset_in)),
        }

    def fault(self, kind: str, retry_after: int) -> Answer:
        if kind == "403-duplicate":
            return self.duplicate()
        if kind == "422":
            return self.error(400, "Invalid Request: text is too long")
        return super().fault(kind, retry_after)

    def posts(self) -> list[dict[str, Any]]:
        return [dict(t) for t in self.tweets.values()]


# ---------------------------------------------------------------------------
# LinkedIn (Posts API)


class LinkedIn(Platform):
    name = "linkedin"

    def __init__(self, server: FakePlatforms) -> None:
        super().__init__(server)
        self.shares: dict[str, dict[str, Any]] = {}
        self.images: dict[str, dict[str, Any]] = {}
        self.counter = 0

    def routes(self) -> list[tuple[str, str, Callable[[Recorded, re.Match[str]], Answer]]]:
        return [
            ("POST", r"/rest/posts", self.create_post),
            ("POST", r"/rest/images", self.initialize_upload),
            ("PUT", r"/linkedin-upload/(?P<id>\d+)", self.upload),
            ("GET", r"/v2/userinfo", self.userinfo),
        ]

    def next_id(self) -> str:
        self.counter += 1
        return str(7_200_000_000_000_000_000 + self.counter)

    def error(self, status: int, message: str, code: str = "") -> Answer:
        body: dict[str, Any] = {"status": status, "message": message}
        if code:
            body["code"] = code
        return Answer(status, body)

    def versioned(self, request: Recorded) -> Answer | None:
        if not re.fullmatch(r"\d{6}(\.\d{2})?", request.headers.get("linkedin-version", "")):
            return self.error(
                400, "A valid LinkedIn-Version header (YYYYMM) is required", "VERSION_MISSING"
            )
        if request.headers.get("x-restli-protocol-version") != "2.0.0":
            return self.error(400, "X-Restli-Protocol-Version: 2.0.0 is required")
        return None

    def create_post(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.error(401, "Invalid access token", "INVALID_ACCESS_TOKEN")
        refused = self.versioned(request)
        if refused is not None:
            return refused
        body = request.json or {}
        missing = [
            k for k in ("author", "commentary", "visibility", "lifecycleState") if k not in body
        ]
        if missing:
            return self.error(422, f"Missing required fields: {', '.join(missing)}")
        for urn, share in self.shares.items():
            if share["author"] == body["author"] and share["commentary"] == body["commentary"]:
                return self.duplicate(urn)
        urn = f"urn:li:share:{self.next_id()}"
        self.shares[urn] = {"urn": urn, **body}
        return Answer(201, b"", {"x-restli-id": urn, "x-linkedin-id": urn})

    def duplicate(self, urn: str = "urn:li:share:7000000000000000000") -> Answer:
        answer = self.error(422, f"Content is a duplicate of {urn}", "DUPLICATE_POST")
        answer.body["errorDetailType"] = "com.linkedin.common.error.BadRequest"
        return answer

    def initialize_upload(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.error(401, "Invalid access token", "INVALID_ACCESS_TOKEN")
        if request.param("action") != "initializeUpload":
            return self.error(400, "action=initializeUpload is required")
        image_id = self.next_id()
        self.images[image_id] = {"urn": f"urn:li:image:{image_id}", "size": None}
        value = {
            "uploadUrlExpiresAt": int((time.time() + 3600) * 1000),
            "uploadUrl": f"{self.server.url}/linkedin-upload/{image_id}",
            "image": f"urn:li:image:{image_id}",
        }
        return Answer(200, {"value": value})

    def upload(self, request: Recorded, match: re.Match[str]) -> Answer:
        image = self.images.get(match["id"])
        if image is None:
            return self.error(404, "upload not found")
        image["size"] = len(request.body)
        return Answer(201, b"")

    def userinfo(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.error(401, "Invalid access token", "INVALID_ACCESS_TOKEN")
        return Answer(
            200,
            {
                "sub": "edcal-test",
                "name": "Edcal Test",
                "given_name": "Edcal",
                "family_name": "Test",
            },
        )

    def fault(self, kind: str, retry_after: int) -> Answer:
        if kind == "401":
            return self.error(401, "Invalid access token", "INVALID_ACCESS_TOKEN")
        if kind == "403-duplicate":
            return self.duplicate()
        if kind == "422":
            return self.error(422, "commentary is too long", "UNPROCESSABLE_ENTITY")
        return super().fault(kind, retry_after)

    def posts(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.shares.values()]


# ---------------------------------------------------------------------------
# Facebook (Graph API, a page)


class Facebook(Platform):
    name = "facebook"

    def __init__(self, server: FakePlatforms) -> None:
        super().__init__(server)
        self.page_id = "100000000000000"
        self.feed: dict[str, dict[str, Any]] = {}
        self.counter = 0

    def routes(self) -> list[tuple[str, str, Callable[[Recorded, re.Match[str]], Answer]]]:
        v = r"/v\d+\.\d+/"
        return [
            ("GET", v + r"me", self.me),
            ("POST", v + r"(?P<page>\d+)/feed", self.post_feed),
            ("POST", v + r"(?P<page>\d+)/photos", self.post_photo),
            ("GET", v + r"(?P<page>\d+)/feed", self.get_feed),
            ("GET", v + r"(?P<id>\d+(_\d+)?)", self.get_object),
        ]

    def next_id(self) -> str:
        self.counter += 1
        return str(900_000_000_000_000 + self.counter)

    def token(self, request: Recorded) -> str:
        return request.param("access_token") or request.bearer()

    def authorized(self, request: Recorded) -> bool:
        token = self.token(request)
        expected = self.server.tokens.get(self.name)
        return bool(token) and (expected is None or token == expected)

    def error(self, status: int, message: str, code: int = 100, **extra: Any) -> Answer:
        body = {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "Fake",
            **extra,
        }
        return Answer(status, {"error": body})

    def refused(self) -> Answer:
        return self.error(400, "Invalid OAuth access token - Cannot parse access token", 190)

    def me(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.refused()
        return Answer(200, {"id": self.page_id, "name": "Fake Page"})

    def store(self, page: str, message: str, **extra: Any) -> str:
        post_id = f"{page}_{self.next_id()}"
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
        self.feed[post_id] = {"id": post_id, "message": message, "created_time": created, **extra}
        return post_id

    def post_feed(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.refused()
        message, link = request.param("message"), request.param("link")
        if not message and not link:
            return self.error(400, "(#100) Missing message or attachment")
        post_id = self.store(match["page"], message, link=link or None)
        return Answer(200, {"id": post_id})

    def post_photo(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.refused()
        upload = request.files.get("source")
        if upload is None and not request.param("url"):
            return self.error(400, "(#324) Requires upload file")
        photo_id = self.next_id()
        message = request.param("message") or request.param("caption")
        alt = request.param("alt_text_custom") or None
        post_id = self.store(match["page"], message, photo=photo_id, alt_text=alt)
        return Answer(200, {"id": photo_id, "post_id": post_id})

    def get_feed(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.refused()
        data = [p for p in reversed(self.feed.values()) if p["id"].startswith(match["page"] + "_")]
        return Answer(200, {"data": data, "paging": {}})

    def get_object(self, request: Recorded, match: re.Match[str]) -> Answer:
        if not self.authorized(request):
            return self.refused()
        post = self.feed.get(match["id"])
        if post is None:
            return self.error(
                400, f"Unsupported get request. Object with ID '{match['id']}' does not exist", 100
            )
        return Answer(200, post)

    def rate_headers(self, reset_in: float = 300, exhausted: bool = False) -> dict[str, str]:
        usage = 100 if exhausted else 1
        headers = {
            "X-App-Usage": json.dumps({"call_count": usage, "total_cputime": 1, "total_time": 1})
        }
        if exhausted:
            minutes = max(1, round(reset_in / 60))
            page_usage = {
                "type": "pages",
                "call_count": 100,
                "estimated_time_to_regain_access": minutes,
            }
            headers["X-Business-Use-Case-Usage"] = json.dumps({self.page_id: [page_usage]})
        return headers

    def fault(self, kind: str, retry_after: int) -> Answer:
        if kind == "401":
            return self.refused()
        if kind == "403-duplicate":
            return self.error(400, "(#506) Duplicate status message", 506)
        if kind == "422":
            return self.error(400, "(#100) Invalid parameter", 100)
        if kind == "429":
            answer = self.error(400, "(#4) Application request limit reached", 4, is_transient=True)
            answer.headers.update(self.rate_headers(retry_after, exhausted=True))
            answer.headers["Retry-After"] = str(retry_after)
            return answer
        return self.error(
            500,
            "An unexpected error has occurred. Please retry your request later.",
            2,
            is_transient=True,
        )

    def posts(self) -> list[dict[str, Any]]:
        return [dict(p) for p in self.feed.values()]


# ---------------------------------------------------------------------------
# Webhooks and plain pages


class Webhook(Platform):
    name = "webhook"

    def __init__(self, server: FakePlatforms) -> None:
        super().__init__(server)
        self.received: list[dict[str, Any]] = []

    def routes(self) -> list[tuple[str, str, Callable[[Recorded, re.Match[str]], Answer]]]:
        return [("POST", r"/hooks/(?P<name>.+)", self.receive)]

    def receive(self, request: Recorded, match: re.Match[str]) -> Answer:
        message_id = str(len(self.received) + 1)
        self.received.append({"id": message_id, "hook": match["name"], "body": request.json})
        if request.param("wait") == "true":
            return Answer(200, {"id": message_id})
        return Answer(204, b"")

    def posts(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.received]


class Web(Platform):
    name = "web"

    def routes(self) -> list[tuple[str, str, Callable[[Recorded, re.Match[str]], Answer]]]:
        return [("GET", r"/pages/(?P<name>.+)", self.page)]

    def page(self, request: Recorded, match: re.Match[str]) -> Answer:
        text = self.server.pages.get(match["name"])
        if text is None:
            return Answer(404, b"not found", {"Content-Type": "text/plain"})
        return Answer(200, text.encode(), {"Content-Type": "text/html; charset=utf-8"})


# ---------------------------------------------------------------------------
# The server


class FakePlatforms:
    """All the fake platforms behind one ThreadingHTTPServer on 127.0.0.1."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        self.requests: list[Recorded] = []
        self.tokens: dict[str, str] = {}  # platform -> the only token (password) it accepts
        self.pages: dict[str, str] = {}  # /pages/<name> -> HTML
        self.verbose = verbose
        self._faults: list[Fault] = []
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self.mastodon = Mastodon(self)
        self.bluesky = Bluesky(self)
        self.x = X(self)
        self.linkedin = LinkedIn(self)
        self.facebook = Facebook(self)
        self.webhook = Webhook(self)
        self.web = Web(self)
        self.platforms: dict[str, Platform] = {
            p.name: p
            for p in (
                self.mastodon,
                self.bluesky,
                self.x,
                self.linkedin,
                self.facebook,
                self.webhook,
                self.web,
            )
        }
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakePlatforms:
        # A short poll makes close() quick: shutdown() waits for the loop to look up.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()  # releases requests held by a `timeout` fault
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakePlatforms:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fail(
        self,
        platform: str,
        kind: str,
        times: int = 1,
        path: str | None = None,
        *,
        retry_after: int = 2,
        hold: float = 5.0,
    ) -> None:
        """Make the next `times` matching requests of `platform` fail as `kind` (see the table)."""
        if platform not in self.platforms or kind not in KINDS:
            raise ValueError(f"unknown platform or fault: {platform!r}, {kind!r}")
        with self._lock:
            self._faults.append(Fault(platform, kind, times, path, retry_after, hold))

    def calls(
        self, platform: str | None = None, method: str | None = None, path: str | None = None
    ) -> list[Recorded]:
        """The recorded requests of a platform, method and path fragment (each optional)."""
        with self._lock:
            return [
                r
                for r in self.requests
                if (platform is None or r.platform == platform)
                and (method is None or r.method == method)
                and (path is None or path in r.path)
            ]

    def posts(self, platform: str) -> list[dict[str, Any]]:
        """What the platform holds now, in the order it was posted."""
        with self._lock:
            return self.platforms[platform].posts()

    # -- used by the request handler

    def _platform_for(self, path: str) -> Platform:
        if path.startswith("/api/"):
            return self.mastodon
        if path.startswith("/xrpc/"):
            return self.bluesky
        if path.startswith(("/2/", "/1.1/")):
            return self.x
        if path.startswith(("/rest/", "/v2/userinfo", "/linkedin-upload/")):
            return self.linkedin
        if re.match(r"/v\d+\.\d+/", path):
            return self.facebook
        if path.startswith("/hooks/"):
            return self.webhook
        return self.web

    def _record(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Recorded:
        parts = urlsplit(target)
        request = Recorded(
            platform=self._platform_for(parts.path).name,
            method=method,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=headers,
            body=body,
            at=time.time(),
        )
        with self._lock:
            self.requests.append(request)
        return request

    def _take_fault(self, request: Recorded) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(request):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _answer(self, request: Recorded, fault: Fault | None) -> Answer | None:
        platform = self.platforms[request.platform]
        if fault is not None and fault.kind == "timeout":
            self._closing.wait(fault.hold)
            return platform.error(504, "Gateway Timeout")
        if fault is not None and fault.kind != "drop-after-accept":
            with self._lock:
                return platform.fault(fault.kind, fault.retry_after)
        with self._lock:
            answer = platform.handle(request)
            answer.headers = {**platform.rate_headers(), **answer.headers}
        return None if fault is not None else answer


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakePlatforms/1.0"

    def _serve(self) -> None:
        fake: FakePlatforms = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = fake._record(self.command, self.path, headers, body)
        fault = fake._take_fault(request)
        try:
            answer = fake._answer(request, fault)
        except Exception as error:  # a bug in the fake: say so rather than hang up
            answer = Answer(500, {"error": "FakePlatformsBug", "message": repr(error)})
        if answer is None:  # drop-after-accept: done and kept, never answered
            self.close_connection = True
            return
        if isinstance(answer.body, bytes | str):
            data = answer.body.encode() if isinstance(answer.body, str) else answer.body
            kind = "text/plain; charset=utf-8"
        else:
            data = json.dumps(answer.body).encode()
            kind = "application/json; charset=utf-8"
        try:
            self.send_response(answer.status)
            headers = {"Content-Type": kind, **answer.headers} if data else answer.headers
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a held `timeout` request)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.fake.verbose:  # type: ignore[attr-defined]
            super().log_message(format, *args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake social platforms on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    with FakePlatforms(args.host, args.port, verbose=True) as server:
        print(server.url, flush=True)
        print(
            "Point a channel at it (mastodon `instance:`, bluesky `service:`) and set its"
            " credential variables to any value. Ctrl-C stops.",
            flush=True,
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
