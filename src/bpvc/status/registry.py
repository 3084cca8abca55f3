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

from .. import data_model as model
from .. import dates
from ..errors import BpvcError, MalformedError
from ..errors import RegistryError as RegistryError
from ..errors import RegistryUnavailableError as RegistryUnavailableError
from ..errors import UnknownCredentialError as UnknownCredentialError
from .bitstring import MIN_ENTRIES, Bitstring
from .messages import StatusScheme

PURPOSES = ("revocation", "suspension", "message")  # message: multi-bit, with a StatusScheme
ACTIONS = ("revoke", "suspend", "reinstate")
SCHEMA_VERSION = 3
STATES = ("active", "suspended", "revoked", "no status")


@dataclass(frozen=True)
class Entry:
    """One allocated status list position."""

    purpose: str
    list_id: str
    list_url: str
    index: int
    scheme: StatusScheme | None = None

    def credential_status(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": f"{self.list_url}#{self.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_url,
        }
        return entry | (self.scheme.entry_fields() if self.scheme is not None else {})


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
# version 2: what a credential is about (to find it by passport identifier or serial), and who changed
# a status, when and why
_TABLES_V2 = [
    "CREATE TABLE credential_index (credential_id TEXT PRIMARY KEY REFERENCES credentials(id), "
    "passport_identifier TEXT, serial TEXT, superseded_by TEXT)",
    "CREATE INDEX credential_index_passport ON credential_index (passport_identifier)",
    "CREATE INDEX credential_index_serial ON credential_index (serial)",
    "ALTER TABLE status_events ADD COLUMN reason TEXT",
    "ALTER TABLE status_events ADD COLUMN actor TEXT",
]
# version 3: multi-bit lists (purpose message) keep their messages and references; one list per scheme
_TABLES_V3 = ["ALTER TABLE status_lists ADD COLUMN status_scheme TEXT"]
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
            if version < 2:
                for statement in _TABLES_V2:
                    self._db.execute(statement)
                self._backfill_index()
                self._db.execute("INSERT INTO bpvc_schema (version) VALUES (?)", (2,))
            if version < 3:
                for statement in _TABLES_V3:
                    self._db.execute(statement)
                self._db.execute("INSERT INTO bpvc_schema (version) VALUES (?)", (3,))

    def _backfill_index(self) -> None:
        """Version 1 registries knew a passport only by its subject id (``urn:uuid:`` + passport identifier)."""
        for credential_id, type_, subject_id in self._db.execute(
            "SELECT id, type, subject_id FROM credentials"
        ).fetchall():
            identifier = None
            if "BatteryPassportCredential" in str(type_).split(",") and isinstance(subject_id, str):
                identifier = subject_id.removeprefix("urn:uuid:")
            self._db.execute(
                "INSERT INTO credential_index (credential_id, passport_identifier) VALUES (?, ?)",
                (credential_id, identifier),
            )

    # -- issuing ------------------------------------------------------------------------------------

    def issue(
        self,
        credential: dict[str, Any],
        *,
        purposes: list[str],
        status_base: str,
        sign: Callable[[dict[str, Any]], dict[str, Any] | str],
        supersede: bool = False,
        actor: str | None = None,
        warn: Callable[[str], None] | None = None,
        scheme: StatusScheme | None = None,
    ) -> dict[str, Any] | str:
        """Allocate entries, add them as ``credentialStatus``, sign, record; all in one transaction.

        The ``message`` purpose needs ``scheme`` (its statusSize, messages and references); its
        entries start at value 0x0 and change with :meth:`set_value`.

        When the passport identifier already has an active credential, ``warn`` is told; with
        ``supersede`` those credentials are revoked in the same transaction (refused if one
        cannot be revoked), so the new one never coexists with the old.
        """
        unknown = [p for p in purposes if p not in PURPOSES]
        if unknown or not purposes:
            raise RegistryError(f"status purposes must be among {', '.join(PURPOSES)} (got {purposes})")
        if ("message" in purposes) != (scheme is not None):
            raise RegistryError(
                "the message purpose needs a status size and messages"
                if scheme is None
                else "a status size and messages go with the message purpose"
            )
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
            identifier, serial = _identity(credential)
            active = self._active_for(identifier) if identifier else []
            if active and supersede:
                for old in active:
                    self._change(old, "revoke", reason=f"superseded by {credential_id}", actor=actor)
                    self._db.execute(
                        "UPDATE credential_index SET superseded_by = ? WHERE credential_id = ?", (credential_id, old)
                    )
            elif active and warn is not None:
                warn(
                    f"passport {identifier} already has an active credential ({', '.join(active)}); "
                    "--supersede revokes it when issuing the new one"
                )
            entries = [
                self._allocate(purpose, status_base.rstrip("/"), issuer, scheme if purpose == "message" else None)
                for purpose in purposes
            ]
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
            self._db.execute(
                "INSERT INTO credential_index (credential_id, passport_identifier, serial) VALUES (?, ?, ?)",
                (credential_id, identifier, serial),
            )
        return signed

    def _active_for(self, identifier: str) -> list[str]:
        """The credentials of a passport identifier that are not revoked (inside a transaction)."""
        rows = self._db.execute(
            "SELECT i.credential_id FROM credential_index i WHERE i.passport_identifier = ? AND NOT EXISTS "
            "(SELECT 1 FROM status_entries e WHERE e.credential_id = i.credential_id "
            "AND e.purpose = 'revocation' AND e.status = 1) ORDER BY i.credential_id",
            (identifier,),
        ).fetchall()
        return [str(r[0]) for r in rows]

    def _allocate(self, purpose: str, base: str, issuer: str, scheme: StatusScheme | None = None) -> Entry:
        """The next position of the open list for (purpose, base, issuer, scheme); a new list when it is full."""
        size = scheme.size if scheme is not None else 1
        stored = scheme.stored() if scheme is not None else ""
        row = self._db.execute(
            "SELECT id, url, entries, permutation_key, next_counter FROM status_lists "
            "WHERE purpose = ? AND issuer = ? AND url LIKE ? AND next_counter < entries "
            "AND status_size = ? AND COALESCE(status_scheme, '') = ? "
            "ORDER BY created_at, id LIMIT 1",
            (purpose, issuer, base + "/%", size, stored),
        ).fetchone()
        if row is None:
            count = self._db.execute("SELECT COUNT(*) FROM status_lists").fetchone()[0]
            list_id = f"{purpose}-{count + 1}"
            url = f"{base}/{list_id}"
            key = secrets.token_hex(32)
            self._db.execute(
                "INSERT INTO status_lists (id, purpose, url, issuer, entries, status_size, status_scheme, "
                "permutation_key, next_counter, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                (list_id, purpose, url, issuer, self.list_size, size, stored or None, key, _now()),
            )
            row = (list_id, url, self.list_size, key, 0)
        list_id, url, entries, key, counter = row
        self._db.execute("UPDATE status_lists SET next_counter = next_counter + 1 WHERE id = ?", (list_id,))
        return Entry(purpose, list_id, url, permute(int(counter), int(entries), bytes.fromhex(key)), scheme)

    # -- status changes ---------------------------------------------------------------------------

    def set_status(
        self, credential_id: str, action: str, *, reason: str | None = None, actor: str | None = None
    ) -> str:
        """Revoke (final), suspend, or reinstate (suspension only). Returns what happened, in words.

        Every change is recorded with its time, ``reason`` and ``actor`` (see :meth:`history`).
        """
        if action not in ACTIONS:
            raise RegistryError(f"unknown action {action!r} (revoke, suspend or reinstate)")
        with self._lock, self._db.transaction():
            return self._change(credential_id, action, reason=reason, actor=actor)

    def _change(self, credential_id: str, action: str, *, reason: str | None, actor: str | None) -> str:
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
            raise RegistryError(f"credential {credential_id} is revoked; revocation is final and cannot be reinstated")
        if rows[purpose] == value:
            return f"{credential_id} was already {_state(purpose, value)}"
        at = _now()
        self._db.execute(
            "UPDATE status_entries SET status = ?, updated_at = ? WHERE credential_id = ? AND purpose = ?",
            (value, at, credential_id, purpose),
        )
        self._db.execute(
            "INSERT INTO status_events (credential_id, purpose, action, at, reason, actor) VALUES (?, ?, ?, ?, ?, ?)",
            (credential_id, purpose, action, at, reason, actor),
        )
        return f"{credential_id} is now {_state(purpose, value)}"

    def set_value(self, credential_id: str, value: str, *, reason: str | None = None, actor: str | None = None) -> str:
        """Set a credential's ``message`` entry to ``value`` (``0x…``, decimal, or one of its messages)."""
        with self._lock, self._db.transaction():
            row = self._db.execute(
                "SELECT e.status, l.status_size, l.status_scheme FROM status_entries e "
                "JOIN status_lists l ON l.id = e.list_id WHERE e.credential_id = ? AND e.purpose = 'message'",
                (credential_id,),
            ).fetchone()
            if row is None:
                if not self._db.execute("SELECT 1 FROM credentials WHERE id = ?", (credential_id,)).fetchone():
                    raise UnknownCredentialError(f"no credential {credential_id} in the registry")
                raise RegistryError(f"credential {credential_id} has no message entry, so it has no status value")
            scheme = StatusScheme.from_stored(int(row[1]), str(row[2]))
            try:
                number = scheme.parse_value(value)
            except BpvcError as err:
                raise RegistryError(err.detail) from None
            words = f"{hex(number)} ({scheme.messages[number]})"
            if int(row[0]) == number:
                return f"{credential_id} was already {words}"
            at = _now()
            self._db.execute(
                "UPDATE status_entries SET status = ?, updated_at = ? WHERE credential_id = ? AND purpose = 'message'",
                (number, at, credential_id),
            )
            self._db.execute(
                "INSERT INTO status_events (credential_id, purpose, action, at, reason, actor) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (credential_id, "message", f"set {hex(number)}", at, reason, actor),
            )
            return f"{credential_id} is now {words}"

    def history(self, credential_id: str) -> list[dict[str, Any]]:
        """Every status change of a credential, oldest first: time, action, purpose, reason, actor."""
        with self._lock:
            rows = self._db.execute(
                "SELECT at, action, purpose, reason, actor FROM status_events WHERE credential_id = ? ORDER BY id",
                (credential_id,),
            ).fetchall()
        return [dict(zip(("at", "action", "purpose", "reason", "actor"), r, strict=True)) for r in rows]

    def resolve(self, reference: str) -> list[str]:
        """The credential ids a reference names: a credential id, or a passport identifier (all its credentials)."""
        with self._lock:
            if self._db.execute("SELECT 1 FROM credentials WHERE id = ?", (reference,)).fetchone():
                return [reference]
            rows = self._db.execute(
                "SELECT credential_id FROM credential_index WHERE passport_identifier = ? ORDER BY credential_id",
                (reference.removeprefix("urn:uuid:"),),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def find(
        self,
        *,
        passport_identifier: str | None = None,
        serial: str | None = None,
        state: str | None = None,
        type_: str | None = None,
        issued_from: str | None = None,
        issued_until: str | None = None,
    ) -> list[dict[str, Any]]:
        """The credentials matching every filter given, in issue order, each with its current state.

        ``issued_from`` / ``issued_until`` are inclusive bounds on the issue time (dateTimeStamps in UTC,
        or dates: a date as the upper bound includes that whole day).
        """
        if state is not None and state not in STATES:
            raise RegistryError(f"state must be one of {', '.join(STATES)} (got {state!r})")
        where, params = [], []
        if passport_identifier is not None:
            where.append("i.passport_identifier = ?")
            params.append(passport_identifier.removeprefix("urn:uuid:"))
        if serial is not None:
            where.append("i.serial = ?")
            params.append(serial)
        if type_ is not None:
            where.append("(',' || c.type || ',') LIKE ?")
            params.append(f"%,{type_},%")
        if issued_from is not None:
            where.append("c.issued_at >= ?")
            params.append(issued_from)
        if issued_until is not None:
            where.append("c.issued_at <= ?")
            params.append(issued_until + ("T23:59:59Z" if len(issued_until) == 10 else ""))
        sql = (
            "SELECT c.id, c.type, i.passport_identifier, i.serial, c.issued_at, c.valid_until, i.superseded_by, "
            "MAX(CASE WHEN e.purpose = 'revocation' THEN e.status END), "
            "MAX(CASE WHEN e.purpose = 'suspension' THEN e.status END), COUNT(e.purpose) "
            "FROM credentials c LEFT JOIN credential_index i ON i.credential_id = c.id "
            "LEFT JOIN status_entries e ON e.credential_id = c.id"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " GROUP BY c.id, c.type, i.passport_identifier, i.serial, c.issued_at, c.valid_until, i.superseded_by"
            " ORDER BY c.issued_at, c.id"
        )
        with self._lock:
            rows = self._db.execute(sql, tuple(params)).fetchall()
        found = []
        for cid, type_s, ident, ser, issued, until, superseded, revoked, suspended, count in rows:
            current = "no status" if not count else "revoked" if revoked else "suspended" if suspended else "active"
            if state is None or state == current:
                found.append(
                    {
                        "id": cid,
                        "type": type_s,
                        "passport_identifier": ident,
                        "serial": ser,
                        "issued_at": issued,
                        "valid_until": until,
                        "state": current,
                        "superseded_by": superseded,
                    }
                )
        return found

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
                "SELECT e.purpose, e.list_id, l.url, e.list_index, e.status, e.updated_at, l.status_size, "
                "l.status_scheme FROM status_entries e "
                "JOIN status_lists l ON l.id = e.list_id WHERE e.credential_id = ? ORDER BY e.purpose",
                (credential_id,),
            ).fetchall()
        keys = ("id", "type", "subject_id", "issuer", "digest", "issued_at", "valid_from", "valid_until")
        return {
            **dict(zip(keys, row, strict=True)),
            "history": self.history(credential_id),
            "status": [
                {
                    "purpose": p,
                    "list": lid,
                    "list_url": url,
                    "index": idx,
                    "state": _state(p, s, StatusScheme.from_stored(int(size), scheme) if scheme else None),
                    "updated_at": at,
                }
                for p, lid, url, idx, s, at, size, scheme in entries
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


def _identity(credential: dict[str, Any]) -> tuple[str | None, str | None]:
    """A passport credential's passport identifier and battery serial (partInstanceId), where it carries them."""
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        return None, None
    metadata = subject.get("metadata")
    identifier = metadata.get("passportIdentifier") if isinstance(metadata, dict) else None
    serial = None
    ident = subject.get("identification")
    inner = ident.get("identification") if isinstance(ident, dict) else None
    serials = inner.get("serial") if isinstance(inner, dict) else None
    for item in serials if isinstance(serials, list) else []:
        if isinstance(item, dict) and item.get("key") == "partInstanceId" and isinstance(item.get("value"), str):
            serial = item["value"]
    return (identifier if isinstance(identifier, str) else None), serial


def _state(purpose: str, value: int, scheme: StatusScheme | None = None) -> str:
    if scheme is not None:
        return f"{hex(value)} ({scheme.messages[value]})"
    if purpose == "revocation":
        return "revoked" if value else "not revoked"
    return "suspended" if value else "not suspended"


def _canonical_json(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
