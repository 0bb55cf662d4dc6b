"""Running migrations against one database: connect, lock, plan, parse all, apply file by file.

Safer than goose's CLI by default: every file a command will run is parsed (both directions)
before anything is applied; each file runs in its own transaction (unless NO TRANSACTION) that
also records its version and checksum; the whole run holds goose's advisory lock; ``redo`` of a
transactional file is one transaction. Failures raise :class:`MigrationFailed` telling what was
applied before.
"""

from __future__ import annotations

import enum
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Generic, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict

from avion_migrate.errors import (
    ChecksumMismatch,
    DatabaseError,
    DatabaseUnavailable,
    Location,
    MigrationError,
    MigrationFailed,
    MigrationInterrupted,
    Problem,
)
from avion_migrate.parser import Direction, ParsedMigration, Statement
from avion_migrate.plan import (
    DbState,
    Step,
    VersionRow,
    plan_down,
    plan_down_to,
    plan_redo,
    plan_reset,
    plan_up,
)
from avion_migrate.source import (
    MAX_VERSION,
    LoadedSource,
    Source,
    collect_sources,
    file_checksum,
    load_source,
)
from avion_migrate.store import (
    ChecksumRow,
    Connection,
    PostgresStore,
    acquire_lock,
    release_lock,
)

T = TypeVar("T")

DEFAULT_LOCK_TIMEOUT = 300.0  # goose's session locker default: 60 tries, 5 s apart
CONNECTION_HINT = "is the database running (inv setup starts the local stack)? check --dsn"


@dataclass(frozen=True)
class Target:
    """One migrations folder and the database it migrates (``None`` when none is needed)."""

    name: str
    directory: Path
    dsn: str | None
    # What the caller can change when the database cannot be reached (its option or settings).
    connection_hint: str = CONNECTION_HINT


class Command(enum.Enum):
    UP = "up"
    UP_BY_ONE = "up-by-one"
    UP_TO = "up-to"
    DOWN = "down"
    DOWN_TO = "down-to"
    REDO = "redo"
    RESET = "reset"


@dataclass(frozen=True)
class RunOptions:
    allow_missing: bool = False
    dry_run: bool = False
    strict: bool = False
    lock: bool = True
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass(frozen=True)
class StepResult:
    """One file run (or, in a dry run, to be run)."""

    version: int
    file: str
    direction: Direction
    use_tx: bool
    statements: tuple[Statement, ...]
    duration: float = 0.0


@dataclass(frozen=True)
class ChecksumIssue:
    version: int
    file: str
    state: str  # "edited"


@dataclass(frozen=True)
class RunResult:
    target: str
    command: Command
    before: int
    after: int
    steps: tuple[StepResult, ...]
    dry_run: bool
    edited: tuple[ChecksumIssue, ...] = ()


@dataclass(frozen=True)
class MigrationStatus:
    version: int
    file: str | None
    state: str  # applied | pending | missing | no file
    applied_at: datetime | None
    checksum: str | None  # ok | edited | untracked | None (not applied)


@dataclass(frozen=True)
class StatusReport:
    target: str
    current_version: int
    table_exists: bool
    migrations: tuple[MigrationStatus, ...]


def describe_dsn(dsn: str) -> str:
    """``host:port/dbname`` without credentials, for messages."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "<unparseable DSN>"
    host = parts.get("host") or parts.get("hostaddr") or "localhost"
    return f"{host}:{parts.get('port') or 5432}/{parts.get('dbname') or ''}"


def _without_password(text: str, dsn: str) -> str:
    """``text`` (a libpq message) with the DSN's password masked; libpq quotes what it failed
    on, and a DSN it cannot parse at all is not repeated."""
    try:
        password = conninfo_to_dict(dsn).get("password")
    except psycopg.ProgrammingError:
        return "the DSN is not a valid PostgreSQL connection string"
    if isinstance(password, str) and password:
        text = text.replace(password, "***")
    return text


@contextmanager
def connect(
    dsn: str, *, read_only: bool = False, hint: str = CONNECTION_HINT
) -> Iterator[Connection]:
    try:
        conn = psycopg.connect(
            dsn, autocommit=True, connect_timeout=10, application_name="avion-migrate"
        )
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(
            f"cannot connect to {describe_dsn(dsn)}: {_without_password(reason, dsn)}",
            hint=hint,
        ) from None
    try:
        if read_only:
            conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        yield conn
    finally:
        conn.close()


@contextmanager
def _database_errors(target: Target) -> Iterator[None]:
    """Database errors outside a migration's own statements (those raise MigrationFailed)."""
    try:
        yield
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseError(
            f"{target.name}: database error: {reason}",
            hint="check the connection and the role's privileges (it must be able to create "
            "tables in the current schema)",
        ) from None


def _require_dsn(target: Target) -> str:
    if target.dsn is None:
        raise MigrationError(
            f"{target.name}: no database to migrate",
            hint="pass --dsn URL with --dir, or use --service NAME / --all",
        )
    return target.dsn


def _checksum_states(
    sources: Sequence[Source], state: DbState, checksums: Mapping[int, ChecksumRow]
) -> dict[int, str]:
    """``ok`` / ``edited`` / ``untracked`` for every applied version that has a file."""
    by_version = {s.version: s for s in sources}
    result: dict[int, str] = {}
    for version, row in state.applied().items():
        source = by_version.get(version)
        if source is None:
            continue
        recorded = checksums.get(version)
        if recorded is None or recorded.goose_id != row.id:
            result[version] = "untracked"  # applied by goose, or re-applied by it since
        elif recorded.sha256 != file_checksum(source):
            result[version] = "edited"
        else:
            result[version] = "ok"
    return result


def _edited(
    sources: Sequence[Source], state: DbState, checksums: Mapping[int, ChecksumRow]
) -> tuple[ChecksumIssue, ...]:
    by_version = {s.version: s for s in sources}
    return tuple(
        ChecksumIssue(v, by_version[v].name, s)
        for v, s in sorted(_checksum_states(sources, state, checksums).items())
        if s == "edited"
    )


def _plan(
    command: Command,
    sources: Sequence[Source],
    state: DbState,
    version: int | None,
    opts: RunOptions,
) -> tuple[Step, ...]:
    if command is Command.UP:
        return plan_up(sources, state, allow_missing=opts.allow_missing)
    if command is Command.UP_BY_ONE:
        return plan_up(sources, state, allow_missing=opts.allow_missing, by_one=True)
    if command is Command.UP_TO:
        target = MAX_VERSION if version is None else version
        return plan_up(sources, state, target=target, allow_missing=opts.allow_missing)
    if command is Command.DOWN:
        return plan_down(sources, state)
    if command is Command.DOWN_TO:
        return plan_down_to(sources, state, 0 if version is None else version)
    if command is Command.REDO:
        return plan_redo(sources, state)
    return plan_reset(sources, state)


def _load(steps: Sequence[Step], env: Mapping[str, str]) -> dict[int, LoadedSource]:
    """Parse every file the plan touches, before anything runs."""
    loaded: dict[int, LoadedSource] = {}
    for step in steps:
        if step.source.version not in loaded:
            loaded[step.source.version] = load_source(step.source, env)
    return loaded


def _preview(sql: str) -> str:
    first = sql.splitlines()[0] if sql else ""
    return first if len(first) <= 80 and "\n" not in sql else first[:77] + "..."


class _StatementFailed(Exception):
    def __init__(self, index: int, statement: Statement, error: psycopg.Error) -> None:
        super().__init__(str(error))
        self.index = index
        self.statement = statement
        self.error = error


def _execute_all(
    conn: Connection, statements: Sequence[Statement], done: list[int] | None = None
) -> None:
    """Run ``statements`` in order; ``done[0]`` counts the ones that completed."""
    for index, statement in enumerate(statements, start=1):
        try:
            # No parameters: psycopg sends it with the simple query protocol, as goose's pgx
            # driver does, so several statements on one line run as goose runs them.
            conn.execute(statement.sql.encode())
        except psycopg.Error as exc:
            raise _StatementFailed(index, statement, exc) from exc
        if done is not None:
            done[0] = index


def _failure(
    loaded: LoadedSource,
    direction: Direction,
    failed: _StatementFailed,
    applied: Sequence[StepResult],
    use_tx: bool,
) -> MigrationFailed:
    diag = failed.error.diag
    primary = diag.message_primary or str(failed.error).strip()
    sqlstate = f" (SQLSTATE {diag.sqlstate})" if diag.sqlstate else ""
    position = diag.statement_position
    line = (
        failed.statement.line_at(int(position))
        if position and position.isdigit()
        else failed.statement.line
    )
    details = [f"statement: {_preview(failed.statement.sql)}"]
    if diag.message_detail:
        details.insert(0, f"detail: {diag.message_detail}")
    if diag.message_hint:
        details.insert(0, f"postgres hint: {diag.message_hint}")
    total = len(loaded.parsed.statements(direction))
    name = loaded.source.name
    done = [f"{r.file} ({r.direction.value})" for r in applied]
    before = "applied before the failure: " + (", ".join(done) if done else "nothing")
    if use_tx:
        after = f"{name} was rolled back as a whole and is not recorded"
    elif failed.index > 1:
        after = (
            f"{name} has NO TRANSACTION: its statements 1-{failed.index - 1} ran and were not "
            "rolled back; its version is not recorded"
        )
    else:
        after = f"{name} has NO TRANSACTION; nothing of it ran and its version is not recorded"
    return MigrationFailed(
        f"{name}: {direction.value} statement {failed.index} of {total} failed: "
        f"{primary}{sqlstate}",
        applied=[r.file for r in applied],
        failed=name,
        statement=failed.index,
        problems=[
            Problem(
                f"{direction.value} statement {failed.index} failed: {primary}{sqlstate}\n    "
                + "\n    ".join(details),
                location=Location(str(loaded.source.path), line),
            )
        ],
        hint=f"{before}; {after}",
    )


def _interrupted(
    loaded: LoadedSource, direction: Direction, done: int, applied: Sequence[StepResult]
) -> MigrationInterrupted:
    """Ctrl-C during a file: say truthfully what of it persisted."""
    name = loaded.source.name
    statements = loaded.parsed.statements(direction)
    total = len(statements)
    finished = [f"{r.file} ({r.direction.value})" for r in applied]
    before = "applied before the interruption: " + (", ".join(finished) if finished else "nothing")
    if loaded.parsed.use_tx:
        what = f"{name} was rolled back as a whole and is not recorded"
        problems: list[Problem] = []
    else:
        ran = (
            f"statements 1-{done} ran and were not rolled back"
            if done
            else "no statement completed"
        )
        if done < total:
            running = statements[done]
            ran += (
                f"; statement {done + 1} (line {running.line}) was running and may or may "
                "not have taken effect"
            )
        what = f"{name} has NO TRANSACTION: {ran}; its version is not recorded"
        problems = [
            Problem(
                f"{direction.value}: {done} of {total} statements completed before Ctrl-C",
                location=Location(str(loaded.source.path), statements[done].line)
                if done < total
                else Location(str(loaded.source.path)),
            )
        ]
    return MigrationInterrupted(
        f"interrupted during {name} ({direction.value}): {what}",
        problems=problems,
        hint=f"{before}; check the database before running it again",
    )


def _run_step(
    conn: Connection,
    store: PostgresStore,
    loaded: LoadedSource,
    direction: Direction,
    applied: Sequence[StepResult],
) -> StepResult:
    source, parsed = loaded.source, loaded.parsed
    statements = parsed.statements(direction)
    started = time.perf_counter()
    done = [0]
    try:
        if parsed.use_tx:
            with conn.transaction():
                _execute_all(conn, statements)
                _record(store, loaded, direction)
        else:
            _execute_all(conn, statements, done)
            with conn.transaction():
                _record(store, loaded, direction)
    except _StatementFailed as failed:
        raise _failure(loaded, direction, failed, applied, parsed.use_tx) from None
    except KeyboardInterrupt:
        raise _interrupted(loaded, direction, done[0], applied) from None
    return StepResult(
        source.version,
        source.name,
        direction,
        parsed.use_tx,
        statements,
        time.perf_counter() - started,
    )


def _record(store: PostgresStore, loaded: LoadedSource, direction: Direction) -> None:
    if direction is Direction.UP:
        store.record_up(loaded.source.version, loaded.source.name, loaded.checksum)
    else:
        store.record_down(loaded.source.version)


def _run_redo_in_one_tx(
    conn: Connection, store: PostgresStore, loaded: LoadedSource
) -> tuple[StepResult, StepResult]:
    """Down then up of one transactional file, in a single transaction."""
    results: list[StepResult] = []
    try:
        with conn.transaction():
            for direction in (Direction.DOWN, Direction.UP):
                started = time.perf_counter()
                statements = loaded.parsed.statements(direction)
                try:
                    _execute_all(conn, statements)
                except _StatementFailed as failed:
                    raise _failure(loaded, direction, failed, (), use_tx=True) from None
                _record(store, loaded, direction)
                source = loaded.source
                results.append(
                    StepResult(
                        source.version,
                        source.name,
                        direction,
                        True,
                        statements,
                        time.perf_counter() - started,
                    )
                )
    except MigrationFailed as exc:
        raise MigrationFailed(
            exc.message,
            applied=(),
            failed=exc.failed,
            statement=exc.statement,
            problems=exc.problems,
            hint=f"redo runs in one transaction: nothing changed, {exc.failed} is still applied",
        ) from None
    return results[0], results[1]


def _dry_steps(steps: Sequence[Step], loaded: Mapping[int, LoadedSource]) -> tuple[StepResult, ...]:
    out = []
    for step in steps:
        parsed: ParsedMigration = loaded[step.source.version].parsed
        out.append(
            StepResult(
                step.source.version,
                step.source.name,
                step.direction,
                parsed.use_tx,
                parsed.statements(step.direction),
            )
        )
    return tuple(out)


def _version_after(state: DbState, steps: Sequence[Step]) -> int:
    """The version the database is at after ``steps`` (what goose's table will say)."""
    for step in steps:
        if step.direction is Direction.DOWN:
            state = state.without(step.source.version)
        else:
            next_id = max((r.id for r in state.rows), default=0) + 1
            row = VersionRow(next_id, step.source.version, True)
            state = DbState((row, *state.rows), state.table_exists)
    return state.current_version()


def migrate(
    target: Target,
    command: Command,
    *,
    version: int | None = None,
    options: RunOptions | None = None,
) -> RunResult:
    """Run ``command`` on ``target``; a dry run reads the database and changes nothing."""
    opts = options or RunOptions()
    sources = collect_sources(target.directory)
    dsn = _require_dsn(target)
    if opts.dry_run:
        with (
            _database_errors(target),
            connect(dsn, read_only=True, hint=target.connection_hint) as conn,
        ):
            state, checksums = PostgresStore(conn).snapshot()
            steps = _plan(command, sources, state, version, opts)
            loaded = _load(steps, opts.env)
            edited = _edited(sources, state, checksums)
        _check_strict(target, edited, opts)
        return RunResult(
            target.name,
            command,
            state.current_version(),
            _version_after(state, steps),
            _dry_steps(steps, loaded),
            dry_run=True,
            edited=edited,
        )
    with _database_errors(target), connect(dsn, hint=target.connection_hint) as conn:
        if opts.lock:
            acquire_lock(conn, timeout=opts.lock_timeout)
        try:
            return _migrate_locked(conn, target, command, sources, version, opts)
        finally:
            if opts.lock:
                # Closing the session releases the lock too, so a broken connection is fine.
                with suppress(psycopg.Error):
                    release_lock(conn)


def _check_strict(target: Target, edited: Sequence[ChecksumIssue], opts: RunOptions) -> None:
    if edited and opts.strict:
        raise ChecksumMismatch(
            f"{target.name}: {len(edited)} applied migration file(s) edited since applied",
            problems=[
                Problem(
                    f"version {i.version} was edited after it was applied",
                    location=Location(str(target.directory / i.file)),
                )
                for i in edited
            ],
            hint="restore the applied content and add a new migration for the change",
        )


def _migrate_locked(
    conn: Connection,
    target: Target,
    command: Command,
    sources: Sequence[Source],
    version: int | None,
    opts: RunOptions,
) -> RunResult:
    store = PostgresStore(conn)
    # Plan and parse before creating anything: a broken file leaves the database untouched.
    state, checksums = store.snapshot()
    steps = _plan(command, sources, state, version, opts)
    loaded = _load(steps, opts.env)
    edited = _edited(sources, state, checksums)
    _check_strict(target, edited, opts)
    state = store.ensure() or state
    results: list[StepResult] = []
    if command is Command.REDO and loaded[steps[0].source.version].parsed.use_tx:
        results.extend(_run_redo_in_one_tx(conn, store, loaded[steps[0].source.version]))
    else:
        for step in steps:
            loaded_source = loaded[step.source.version]
            results.append(_run_step(conn, store, loaded_source, step.direction, results))
    return RunResult(
        target.name,
        command,
        state.current_version(),
        _version_after(state, steps),
        tuple(results),
        dry_run=False,
        edited=edited,
    )


def status(target: Target) -> StatusReport:
    """Each file's state; read-only (unlike goose, it never creates the version table)."""
    sources = collect_sources(target.directory)
    with (
        _database_errors(target),
        connect(_require_dsn(target), read_only=True, hint=target.connection_hint) as conn,
    ):
        state, checksums = PostgresStore(conn).snapshot()
    applied = state.applied()
    db_max = state.max_version()
    sums = _checksum_states(sources, state, checksums)
    migrations: list[MigrationStatus] = []
    for source in sources:
        row = applied.get(source.version)
        if row is not None:
            migrations.append(
                MigrationStatus(
                    source.version, source.name, "applied", row.tstamp, sums.get(source.version)
                )
            )
        else:
            recorded = source.version in state.recorded_versions()
            missing = not recorded and source.version < db_max
            migrations.append(
                MigrationStatus(
                    source.version, source.name, "missing" if missing else "pending", None, None
                )
            )
    known = {s.version for s in sources}
    for version, row in sorted(applied.items()):
        if version not in known:
            migrations.append(MigrationStatus(version, None, "no file", row.tstamp, None))
    migrations.sort(key=lambda m: m.version)
    return StatusReport(target.name, state.current_version(), state.table_exists, tuple(migrations))


def current_version(target: Target) -> int:
    """The database's version (0 when goose's table does not exist yet); read-only."""
    with (
        _database_errors(target),
        connect(_require_dsn(target), read_only=True, hint=target.connection_hint) as conn,
    ):
        return PostgresStore(conn).state().current_version()


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """One target's result or error, from a run over several targets."""

    target: Target
    value: T | None
    error: MigrationError | None
    duration: float


def run_each(
    targets: Sequence[Target], action: Callable[[Target], T], *, parallel: bool = True
) -> list[Outcome[T]]:
    """Run ``action`` on every target (in parallel threads), collecting errors per target."""

    def one(target: Target) -> Outcome[T]:
        started = time.perf_counter()
        try:
            value = action(target)
        except MigrationError as exc:
            return Outcome(target, None, exc, time.perf_counter() - started)
        return Outcome(target, value, None, time.perf_counter() - started)

    if not parallel or len(targets) <= 1:
        return [one(t) for t in targets]
    with ThreadPoolExecutor(max_workers=min(len(targets), 16)) as pool:
        return list(pool.map(one, targets))
