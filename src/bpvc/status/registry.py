"""The issuer registry: every issued credential, its status list entries and their states.

SQLite is the default (a file; WAL; no setup). A ``postgresql://`` URL selects PostgreSQL so
several issuing instances can share one registry. The schema is created and migrated by
bpvc itself, but only when the caller says so (``create=True``, what issuing does): opening a
registry to read or change status refuses one that does not exist, so a mistyped path is an
error rather than a new, empty registry that knows no credential.

Status indexes come from a per-list counter passed through a keyed permutation: the counter
makes an index impossible to hand out twice (also across processes: the counter row is
locked), and the permutation (a Feistel network keyed by a secret per list, cycle-walked into
the list's size) makes the positions random-looking, so neighbouring indexes say nothing about
issuance order. Allocating an index, recording the credential and signing it happen in one
transaction: a crash before the commit leaves nothing behind, and nothing is handed out before it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .. import dates, model
from ..errors import BpvcError, MalformedError
from .bitstring import MIN_ENTRIES, Bitstring

PURPOSES = ("revocation", "suspension")
ACTIONS = ("revoke", "suspend", "reinstate")
SCHEMA_VERSION = 1


class RegistryError(BpvcError):
    """The registry refused an operation (unknown credential, revoked, bad configuration)."""

    title = "Registry error"


class UnknownCredentialError(RegistryError, LookupError):
    """No credential with that id was issued through this registry."""


class RegistryUnavailableError(RegistryError):
    """The registry cannot be used: it does not exist, is not a bpvc registry, or its database failed."""


@dataclass(frozen=True)
class Entry:
    """One allocated status list position."""

    purpose: str
    list_id: str
    list_url: str
    index: int

    def credential_status(self) -> dict[str, str]:
        return {
            "id": f"{self.list_url}#{self.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_url,
        }


@dataclass(frozen=True)
class StatusList:
    id: str
    purpose: str
    url: str
    issuer: str
    entries: int
    allocated: int


def _now() -> str:
    return dates.now_instant().strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the index permutation --------------------------------------------------------------------------


def permute(counter: int, size: int, key: bytes) -> int:
    """A bijection of ``range(size)``: a 4-round Feistel network on the next even power of two, cycle-walked."""
    if not 0 <= counter < size:
        raise ValueError("counter outside the list")
    bits = max(2, (size - 1).bit_length())
    bits += bits % 2
    half = bits // 2
    mask = (1 << half) - 1
    value = counter
    while True:
        left, right = value >> half, value & mask
        for round_ in range(4):
            digest = hmac.new(key, round_.to_bytes(1, "big") + right.to_bytes(8, "big"), hashlib.sha256).digest()
            left, right = right, left ^ (int.from_bytes(digest[:8], "big") & mask)
        value = (left << half) | right
        if value < size:
            return value


# -- backends --------------------------------------------------------------------------------------

_TABLES = [
    "CREATE TABLE status_lists (id TEXT PRIMARY KEY, purpose TEXT NOT NULL, url TEXT NOT NULL UNIQUE, "
    "issuer TEXT NOT NULL, entries INTEGER NOT NULL, status_size INTEGER NOT NULL DEFAULT 1, "
    "permutation_key TEXT NOT NULL, next_counter INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)",
    "CREATE TABLE credentials (id TEXT PRIMARY KEY, type TEXT NOT NULL, subject_id TEXT, issuer TEXT NOT NULL, "
    "digest TEXT NOT NULL, issued_at TEXT NOT NULL, valid_from TEXT, valid_until TEXT)",
    "CREATE TABLE status_entries (credential_id TEXT NOT NULL REFERENCES credentials(id), purpose TEXT NOT NULL, "
    "list_id TEXT NOT NULL REFERENCES status_lists(id), list_index INTEGER NOT NULL, "
    "status INTEGER NOT NULL DEFAULT 0, updated_at TEXT, PRIMARY KEY (credential_id, purpose), "
    "UNIQUE (list_id, list_index))",
    "CREATE TABLE status_events (id {serial}, credential_id TEXT NOT NULL, purpose TEXT NOT NULL, "
    "action TEXT NOT NULL, at TEXT NOT NULL)",
]
# the one difference between the two dialects: an auto-numbered key
_SERIAL = {
    "sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT",
    "postgresql": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
}


def _driver_errors() -> tuple[type[BaseException], ...]:
    """The database drivers' exception bases (psycopg's only when it is installed)."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - depends on the installation
        return (sqlite3.Error,)
    return (sqlite3.Error, psycopg.Error)


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__


class _Connection:
    """The few SQL operations the registry needs, for sqlite3 and psycopg alike (``?`` placeholders).

    Every driver error comes out as a :class:`RegistryUnavailableError` naming the registry.
    """

    def __init__(self, location: str, *, create: bool) -> None:
        self.location = location
        self._errors = _driver_errors()
        if location.startswith(("postgresql://", "postgres://")):
            try:
                import psycopg
            except ImportError:  # pragma: no cover - depends on the installation
                raise RegistryError("PostgreSQL needs the psycopg package: pip install 'bpvc[postgres]'") from None
            self.kind = "postgresql"
            try:
                self._conn: Any = psycopg.connect(location, autocommit=True, connect_timeout=10)
            except psycopg.Error as err:
                raise RegistryUnavailableError(f"cannot connect to the PostgreSQL registry: {_one_line(err)}") from None
            return
        self.kind = "sqlite"
        self._conn = self._open_sqlite(location, create=create)
        try:
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA busy_timeout=60000")
            self._conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # reads the header
        except sqlite3.Error as err:
            self._conn.close()
            raise RegistryUnavailableError(f"{location} is not a bpvc registry ({_one_line(err)})") from None

    def tune(self) -> None:
        """Settings that change the database file (WAL): only once it is known to be a registry."""
        if self.kind == "sqlite":
            self.execute("PRAGMA journal_mode=WAL")
            self.execute("PRAGMA synchronous=FULL")

    @staticmethod
    def _open_sqlite(location: str, *, create: bool) -> sqlite3.Connection:
        if location == ":memory:":
            return sqlite3.connect(location, isolation_level=None, check_same_thread=False)
        path = Path(location)
        if path.is_dir():
            raise RegistryUnavailableError(f"the registry {location} is a directory, not a registry file")
        if not path.exists():
            if not create:
                raise RegistryUnavailableError(f"there is no registry at {location} (no such file)")
            if not path.parent.is_dir():
                raise RegistryUnavailableError(
                    f"cannot create the registry {location}: the folder {path.parent} does not exist"
                )
        # mode=rw never creates a file; rwc only when issuing asked for it
        uri = f"file:{quote(str(path.absolute()))}?mode={'rwc' if create else 'rw'}"
        try:
            return sqlite3.connect(uri, uri=True, isolation_level=None, timeout=60, check_same_thread=False)
        except sqlite3.Error as err:
            raise RegistryUnavailableError(f"cannot open the registry {location}: {_one_line(err)}") from None

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        if self.kind == "postgresql":
            sql = sql.replace("?", "%s")
        try:
            return self._conn.execute(sql, params)
        except self._errors as err:
            raise RegistryUnavailableError(f"registry {self._name()}: {_one_line(err)}") from None

    def _name(self) -> str:
        if self.kind == "postgresql":
            return "(PostgreSQL)"  # the URL may hold a password
        return self.location

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction that serializes allocation across processes."""
        if self.kind == "sqlite":
            self.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._rollback()
                raise
            self.execute("COMMIT")
            return
        try:
            with self._conn.transaction():
                # one lock for all allocation and list creation: simple, and issuing is not the bottleneck
                self.execute("SELECT pg_advisory_xact_lock(4242)")
                yield
        except self._errors as err:  # raised by the commit itself
            raise RegistryUnavailableError(f"registry {self._name()}: {_one_line(err)}") from None

    def _rollback(self) -> None:
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # no transaction left to roll back (SQLite ended it on the error)

    def close(self) -> None:
        try:
            self._conn.close()
        except self._errors:
            pass


class Registry:
    """The registry behind one database; safe to use from several threads (calls are serialized)."""

    def __init__(self, location: str | Path, *, list_size: int = MIN_ENTRIES, create: bool = False) -> None:
        """Open the registry at ``location``; with ``create``, make it if it does not exist yet.

        Even with ``create``, a SQLite registry is only made in an existing folder, and a database
        that holds other tables but no bpvc registry is refused, never written into.
        Raises :class:`RegistryUnavailableError` when the registry cannot be used.
        """
        if list_size < MIN_ENTRIES:
            raise RegistryError(f"status lists need at least {MIN_ENTRIES} entries (got {list_size})")
        self.location = str(location)
        self.list_size = list_size
        self._db = _Connection(self.location, create=create)
        self._lock = threading.RLock()
        try:
            self._refuse_foreign(create=create)
            self._db.tune()
            self._migrate(create=create)
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tables(self) -> set[str]:
        if self._db.kind == "sqlite":
            rows = self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        else:
            rows = self._db.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            ).fetchall()
        return {str(r[0]) for r in rows}

    def _refuse_foreign(self, *, create: bool) -> None:
        """Refuse a database without a bpvc registry: one with other tables always, an empty one unless creating."""
        tables = self._tables()
        if "bpvc_schema" in tables:
            return
        where = self.location if self._db.kind == "sqlite" else "the PostgreSQL database"
        if tables - {"sqlite_sequence"}:
            raise RegistryUnavailableError(f"{where} is a database but not a bpvc registry")
        if not create:
            raise RegistryUnavailableError(f"{where} holds no bpvc registry (issuing with --status creates one)")

    def _migrate(self, *, create: bool) -> None:
        with self._lock, self._db.transaction():
            if "bpvc_schema" not in self._tables():
                self._refuse_foreign(create=create)  # again, under the lock: another process may have been first
                self._db.execute("CREATE TABLE bpvc_schema (version INTEGER NOT NULL)")
            row = self._db.execute("SELECT MAX(version) FROM bpvc_schema").fetchone()
            version = row[0] or 0
            if version > SCHEMA_VERSION:
                raise RegistryUnavailableError(
                    f"the registry schema is version {version}; this bpvc knows {SCHEMA_VERSION}"
                )
            if version < 1:
                for statement in _TABLES:
                    self._db.execute(statement.replace("{serial}", _SERIAL[self._db.kind]))
                self._db.execute("INSERT INTO bpvc_schema (version) VALUES (?)", (1,))

    # -- issuing ------------------------------------------------------------------------------------

    def issue(
        self,
        credential: dict[str, Any],
        *,
        purposes: list[str],
        status_base: str,
        sign: Callable[[dict[str, Any]], dict[str, Any] | str],
    ) -> dict[str, Any] | str:
        """Allocate entries, add them as ``credentialStatus``, sign, record; all in one transaction."""
        unknown = [p for p in purposes if p not in PURPOSES]
        if unknown or not purposes:
            raise RegistryError(f"status purposes must be among {', '.join(PURPOSES)} (got {purposes})")
        if not model.is_url(status_base) or not status_base.startswith("https://"):
            raise RegistryError(f"--status-base must be an https URL (got {status_base!r})")
        credential_id = credential.get("id")
        if not isinstance(credential_id, str) or not model.is_url(credential_id):
            raise MalformedError("a credential with a status entry needs an id (a URL or URN)", json_path="$.id")
        issuer = model.issuer_id(credential)
        if issuer is None:
            raise MalformedError("the credential names no issuer", json_path="$.issuer")
        with self._lock, self._db.transaction():
            if self._db.execute("SELECT 1 FROM credentials WHERE id = ?", (credential_id,)).fetchone():
                raise RegistryError(f"credential {credential_id} was already issued through this registry")
            entries = [self._allocate(purpose, status_base.rstrip("/"), issuer) for purpose in purposes]
            statuses = [e.credential_status() for e in entries]
            with_status = dict(credential, credentialStatus=statuses[0] if len(statuses) == 1 else statuses)
            signed = sign(with_status)
            text = signed if isinstance(signed, str) else _canonical_json(signed)
            subject = credential.get("credentialSubject")
            subject_id = subject.get("id") if isinstance(subject, dict) else None
            self._db.execute(
                "INSERT INTO credentials (id, type, subject_id, issuer, digest, issued_at, valid_from, valid_until) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    credential_id,
                    ",".join(model.types_of(credential)),
                    subject_id,
                    issuer,
                    "sha256:" + hashlib.sha256(text.encode()).hexdigest(),
                    _now(),
                    credential.get("validFrom"),
                    credential.get("validUntil"),
                ),
            )
            for entry in entries:
                self._db.execute(
                    "INSERT INTO status_entries (credential_id, purpose, list_id, list_index, status) "
                    "VALUES (?, ?, ?, ?, 0)",
                    (credential_id, entry.purpose, entry.list_id, entry.index),
                )
        return signed

    def _allocate(self, purpose: str, base: str, issuer: str) -> Entry:
        """The next position of the open list for (purpose, base, issuer); a new list when it is full."""
        row = self._db.execute(
            "SELECT id, url, entries, permutation_key, next_counter FROM status_lists "
            "WHERE purpose = ? AND issuer = ? AND url LIKE ? AND next_counter < entries "
            "ORDER BY created_at, id LIMIT 1",
            (purpose, issuer, base + "/%"),
        ).fetchone()
        if row is None:
            count = self._db.execute("SELECT COUNT(*) FROM status_lists").fetchone()[0]
            list_id = f"{purpose}-{count + 1}"
            url = f"{base}/{list_id}"
            key = secrets.token_hex(32)
            self._db.execute(
                "INSERT INTO status_lists (id, purpose, url, issuer, entries, permutation_key, next_counter, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                (list_id, purpose, url, issuer, self.list_size, key, _now()),
            )
            row = (list_id, url, self.list_size, key, 0)
        list_id, url, entries, key, counter = row
        self._db.execute("UPDATE status_lists SET next_counter = next_counter + 1 WHERE id = ?", (list_id,))
        return Entry(purpose, list_id, url, permute(int(counter), int(entries), bytes.fromhex(key)))

    # -- status changes ---------------------------------------------------------------------------

    def set_status(self, credential_id: str, action: str) -> str:
        """Revoke (final), suspend, or reinstate (suspension only). Returns what happened, in words."""
        if action not in ACTIONS:
            raise RegistryError(f"unknown action {action!r} (revoke, suspend or reinstate)")
        with self._lock, self._db.transaction():
            rows = dict(
                self._db.execute(
                    "SELECT purpose, status FROM status_entries WHERE credential_id = ?", (credential_id,)
                ).fetchall()
            )
            if not rows:
                known = self._db.execute("SELECT 1 FROM credentials WHERE id = ?", (credential_id,)).fetchone()
                if not known:
                    raise UnknownCredentialError(f"no credential {credential_id} in the registry")
                raise RegistryError(f"credential {credential_id} was issued without status entries")
            purpose, value = {
                "revoke": ("revocation", 1),
                "suspend": ("suspension", 1),
                "reinstate": ("suspension", 0),
            }[action]
            if purpose not in rows:
                raise RegistryError(
                    f"credential {credential_id} has no {purpose} entry, so it cannot be {action}d"
                    if action != "reinstate"
                    else f"credential {credential_id} has no suspension entry; revocation is final"
                )
            if action == "reinstate" and rows.get("revocation") == 1:
                raise RegistryError(
                    f"credential {credential_id} is revoked; revocation is final and cannot be reinstated"
                )
            if rows[purpose] == value:
                return f"{credential_id} was already {_state(purpose, value)}"
            self._db.execute(
                "UPDATE status_entries SET status = ?, updated_at = ? WHERE credential_id = ? AND purpose = ?",
                (value, _now(), credential_id, purpose),
            )
            self._db.execute(
                "INSERT INTO status_events (credential_id, purpose, action, at) VALUES (?, ?, ?, ?)",
                (credential_id, purpose, action, _now()),
            )
        return f"{credential_id} is now {_state(purpose, value)}"

    def show(self, credential_id: str) -> dict[str, Any]:
        with self._lock:
            row = self._db.execute(
                "SELECT id, type, subject_id, issuer, digest, issued_at, valid_from, valid_until FROM credentials "
                "WHERE id = ?",
                (credential_id,),
            ).fetchone()
            if row is None:
                raise UnknownCredentialError(f"no credential {credential_id} in the registry")
            entries = self._db.execute(
                "SELECT e.purpose, e.list_id, l.url, e.list_index, e.status, e.updated_at FROM status_entries e "
                "JOIN status_lists l ON l.id = e.list_id WHERE e.credential_id = ? ORDER BY e.purpose",
                (credential_id,),
            ).fetchall()
        keys = ("id", "type", "subject_id", "issuer", "digest", "issued_at", "valid_from", "valid_until")
        return {
            **dict(zip(keys, row, strict=True)),
            "status": [
                {"purpose": p, "list": lid, "list_url": url, "index": idx, "state": _state(p, s), "updated_at": at}
                for p, lid, url, idx, s, at in entries
            ],
        }

    # -- lists --------------------------------------------------------------------------------------

    def lists(self) -> list[StatusList]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, purpose, url, issuer, entries, next_counter FROM status_lists ORDER BY created_at, id"
            ).fetchall()
        return [StatusList(r[0], r[1], r[2], r[3], int(r[4]), int(r[5])) for r in rows]

    def bitstring(self, list_id: str) -> Bitstring:
        with self._lock:
            row = self._db.execute("SELECT entries, status_size FROM status_lists WHERE id = ?", (list_id,)).fetchone()
            if row is None:
                raise RegistryError(f"no status list {list_id}")
            bits = Bitstring(int(row[0]), int(row[1]))
            for index, status in self._db.execute(
                "SELECT list_index, status FROM status_entries WHERE list_id = ? AND status <> 0", (list_id,)
            ).fetchall():
                bits.set(int(index), int(status))
        return bits

    def check_consistency(self) -> list[str]:
        """Invariants a crash must never break; an empty list means consistent."""
        problems = []
        with self._lock:
            for list_id, counter in self._db.execute("SELECT id, next_counter FROM status_lists").fetchall():
                used = self._db.execute("SELECT COUNT(*) FROM status_entries WHERE list_id = ?", (list_id,)).fetchone()
                if int(used[0]) != int(counter):
                    problems.append(f"list {list_id}: counter {counter} but {used[0]} entries")
            orphans = self._db.execute(
                "SELECT COUNT(*) FROM credentials c WHERE NOT EXISTS "
                "(SELECT 1 FROM status_entries e WHERE e.credential_id = c.id)"
            ).fetchone()
            if int(orphans[0]):
                problems.append(f"{orphans[0]} credential(s) without status entries")
        return problems


def _state(purpose: str, value: int) -> str:
    if purpose == "revocation":
        return "revoked" if value else "not revoked"
    return "suspended" if value else "not suspended"


def _canonical_json(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
