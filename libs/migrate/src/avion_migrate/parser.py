"""The goose v3 SQL migration parser: text in, statements out. Pure.

Follows pressly/goose ``internal/sqlparser/parser.go`` line by line: the same annotations, the same
state machine, the same statement splitting (a statement ends on a line whose last word before a
``--`` comment ends in ``;``; a StatementBegin/End block is one statement) and the same comment
handling (comments before a statement are dropped, comments inside one are kept). Every error is
a :class:`MigrationParseError` naming the file and line.

Two deliberate differences, both where goose silently does something surprising: a SQL line right
after an *empty* StatementBegin/End block is an error (goose drops that line and runs an empty
statement instead), and empty statements are never produced.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

from avion_migrate.envsub import EnvsubError, interpolate
from avion_migrate.errors import MigrationParseError

DOCS = "https://github.com/pressly/goose#sql-migrations"

# Go's unicode.IsSpace set (strings.TrimSpace, bufio.ScanWords); Python's also has \x1c-\x1f.
GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
_WORDS = re.compile(f"[^{re.escape(GO_SPACE)}]+")


class Direction(enum.Enum):
    UP = "up"
    DOWN = "down"


class Annotation(enum.Enum):
    UP = "Up"
    DOWN = "Down"
    STATEMENT_BEGIN = "StatementBegin"
    STATEMENT_END = "StatementEnd"
    NO_TRANSACTION = "NO TRANSACTION"
    ENVSUB_ON = "ENVSUB ON"
    ENVSUB_OFF = "ENVSUB OFF"


class _State(enum.Enum):
    START = 0
    UP = 1
    BEGIN_UP = 2
    END_UP = 3
    DOWN = 4
    BEGIN_DOWN = 5
    END_DOWN = 6


_UP_STATES = frozenset({_State.UP, _State.BEGIN_UP, _State.END_UP})
_DOWN_STATES = frozenset({_State.DOWN, _State.BEGIN_DOWN, _State.END_DOWN})


@dataclass(frozen=True)
class Statement:
    """One statement as sent to the database, with the file line of each of its lines."""

    sql: str
    lines: tuple[int, ...]

    @property
    def line(self) -> int:
        return self.lines[0]

    def line_at(self, position: int) -> int:
        """The file line of 1-based character ``position`` in :attr:`sql` (PostgreSQL's)."""
        index = self.sql.count("\n", 0, max(position - 1, 0))
        return self.lines[min(index, len(self.lines) - 1)]


@dataclass(frozen=True)
class ParsedMigration:
    """Both directions of one file, and whether it runs in a transaction."""

    up: tuple[Statement, ...]
    down: tuple[Statement, ...]
    use_tx: bool

    def statements(self, direction: Direction) -> tuple[Statement, ...]:
        return self.up if direction is Direction.UP else self.down


def go_trim_space(text: str) -> str:
    return text.strip(GO_SPACE)


def split_lines(text: str) -> list[str]:
    """Lines as Go's bufio.ScanLines yields them: split on LF, one trailing CR dropped."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def ends_with_semicolon(line: str) -> bool:
    """Whether the last word before a word starting with ``--`` ends in ``;``."""
    last = ""
    for word in _WORDS.findall(line):
        if word.startswith("--"):
            break
        last = word
    return last.endswith(";")


def _fold(char: str) -> str:
    # Go's strings.EqualFold uses simple case folding: one rune for one rune.
    if char == "\u017f":  # LATIN SMALL LETTER LONG S folds to "s"
        return "s"
    lower = char.lower()
    return lower if len(lower) == 1 else char


def _equal_fold(a: str, b: str) -> bool:
    return len(a) == len(b) and all(_fold(x) == _fold(y) for x, y in zip(a, b, strict=True))


def is_annotation_line(line: str) -> bool:
    return go_trim_space(line).startswith("--") and "+goose" in line


def extract_annotation(line: str) -> Annotation:
    """The annotation of a ``-- +goose ...`` line; ``ValueError`` says why it is not one."""
    if line.startswith((" ", "\t")):
        raise ValueError("annotation must start at the beginning of the line")
    command = line.replace("--", "").replace("+goose", "", 1)
    if "+goose" in command:
        raise ValueError("more than one '+goose' on one line")
    command = go_trim_space(command)
    if not command:
        raise ValueError("empty '-- +goose' annotation")
    for annotation in Annotation:
        if _equal_fold(annotation.value, command):
            return annotation
    known = ", ".join(a.value for a in Annotation)
    raise ValueError(f"unknown annotation {command!r} (known: {known})")


def parse_migration(text: str, *, file: str, env: Mapping[str, str]) -> ParsedMigration:
    """Parse both directions of a goose SQL file, as goose's Provider does before running it."""
    up, use_tx = parse_direction(text, Direction.UP, file=file, env=env)
    down, _ = parse_direction(text, Direction.DOWN, file=file, env=env)
    return ParsedMigration(up=up, down=down, use_tx=use_tx)


def parse_direction(
    text: str, direction: Direction, *, file: str, env: Mapping[str, str]
) -> tuple[tuple[Statement, ...], bool]:
    """The statements of one direction and whether the file uses a transaction."""
    return _DirectionParser(direction, file, env).run(split_lines(text))


class _DirectionParser:
    def __init__(self, direction: Direction, file: str, env: Mapping[str, str]) -> None:
        self.direction = direction
        self.file = file
        self.env = env
        self.state = _State.START
        self.use_tx = True
        self.envsub = False
        self.buffer: list[str] = []
        self.buffer_lines: list[int] = []
        self.statements: list[Statement] = []
        self.up_line = 0
        self.down_line = 0
        self.begin_line = 0
        self.end_line = 0

    def fail(self, line: int | None, reason: str, hint: str | None = None) -> MigrationParseError:
        return MigrationParseError(self.file, line, reason, hint=hint)

    def run(self, lines: list[str]) -> tuple[tuple[Statement, ...], bool]:
        for number, line in enumerate(lines, start=1):
            self.feed(number, line)
        return self.finish(len(lines))

    def feed(self, number: int, line: str) -> None:
        if self.state is _State.START and go_trim_space(line) == "":
            return
        if is_annotation_line(line) and self.annotate(number, line):
            return
        # Until a statement has started, comments and empty lines are dropped; inside one they
        # are kept.
        if not self.buffer and (go_trim_space(line).startswith("--") or line == ""):
            return
        if self.state in (_State.END_UP, _State.END_DOWN):
            # A SQL line right after a StatementEnd that closed an empty block.
            if self.wanted(self.state) and not self.buffer and go_trim_space(line):
                raise self.fail(
                    number,
                    "SQL right after an empty StatementBegin/StatementEnd block "
                    f"(line {self.end_line}); goose would silently drop this line",
                    hint="remove the empty block or put the statement inside it",
                )
        else:
            if self.envsub:
                try:
                    line = interpolate(line, self.env)
                except EnvsubError as exc:
                    raise self.fail(
                        number,
                        f"variable substitution failed: {exc}",
                        hint="ENVSUB ON substitutes $VAR and ${...}; write $$ for a literal $, "
                        "or end the section with -- +goose ENVSUB OFF",
                    ) from None
            self.buffer.append(line + "\n")
            self.buffer_lines.append(number)
        if self.state is _State.START:
            hint = None
            if line.startswith("\ufeff"):
                hint = "the file starts with a byte order mark; save it as UTF-8 without BOM"
            raise self.fail(
                number, "SQL before the '-- +goose Up' annotation", hint=hint or f"see {DOCS}"
            )
        if not self.wanted(self.state):
            self.clear()
            return
        if self.state in (_State.UP, _State.DOWN):
            if ends_with_semicolon(line):
                self.emit()
        elif self.state in (_State.END_UP, _State.END_DOWN):  # the block is complete
            self.emit()
            self.state = _State.UP if self.state is _State.END_UP else _State.DOWN

    def wanted(self, state: _State) -> bool:
        if state in _UP_STATES:
            return self.direction is Direction.UP
        return self.direction is Direction.DOWN

    def annotate(self, number: int, line: str) -> bool:
        """Apply an annotation; ``False`` when the line must go on (StatementEnd does)."""
        try:
            annotation = extract_annotation(line)
        except ValueError as exc:
            raise self.fail(number, f"invalid annotation: {exc}", hint=f"see {DOCS}") from None
        state = self.state
        if annotation is Annotation.UP:
            if state is not _State.START:
                raise self.fail(
                    number,
                    f"duplicate '-- +goose Up' annotation (first on line {self.up_line})",
                    hint="a file has one Up section, optionally followed by one Down section",
                )
            self.state, self.up_line = _State.UP, number
        elif annotation is Annotation.DOWN:
            if state in (_State.UP, _State.END_UP):
                self.check_no_unfinished()
                self.state, self.down_line = _State.DOWN, number
            elif state is _State.START:
                raise self.fail(
                    number, "'-- +goose Down' before '-- +goose Up'", hint=f"see {DOCS}"
                )
            elif state is _State.BEGIN_UP:
                raise self.fail(
                    number,
                    f"'-- +goose Down' inside the StatementBegin block of line {self.begin_line}",
                    hint="close the block with -- +goose StatementEnd",
                )
            else:
                raise self.fail(
                    number,
                    f"duplicate '-- +goose Down' annotation (first on line {self.down_line})",
                )
        elif annotation is Annotation.STATEMENT_BEGIN:
            if state in (_State.UP, _State.END_UP):
                self.state = _State.BEGIN_UP
            elif state in (_State.DOWN, _State.END_DOWN):
                self.state = _State.BEGIN_DOWN
            elif state is _State.START:
                raise self.fail(number, "'-- +goose StatementBegin' before '-- +goose Up'")
            else:
                raise self.fail(
                    number,
                    f"'-- +goose StatementBegin' inside the block opened on line {self.begin_line}",
                    hint="close the first block with -- +goose StatementEnd",
                )
            self.begin_line = number
        elif annotation is Annotation.STATEMENT_END:
            if state is _State.BEGIN_UP:
                self.state = _State.END_UP
            elif state is _State.BEGIN_DOWN:
                self.state = _State.END_DOWN
            else:
                raise self.fail(
                    number, "'-- +goose StatementEnd' without a '-- +goose StatementBegin'"
                )
            self.end_line = number
            return False
        elif annotation is Annotation.NO_TRANSACTION:
            self.use_tx = False
        elif annotation is Annotation.ENVSUB_ON:
            self.envsub = True
        else:
            self.envsub = False
        return True

    def check_no_unfinished(self) -> None:
        if go_trim_space("".join(self.buffer)):
            start = self.buffer_lines[0]
            raise self.fail(
                start,
                "unfinished statement starting here: missing semicolon?",
                hint="end the statement's last line with ';', "
                "or wrap it in -- +goose StatementBegin / StatementEnd",
            )

    def emit(self) -> None:
        text = "".join(self.buffer)
        sql = go_trim_space(text)
        if sql:
            leading = text[: len(text) - len(text.lstrip(GO_SPACE))]
            dropped = leading.count("\n")
            self.statements.append(Statement(sql, tuple(self.buffer_lines[dropped:])))
        self.clear()

    def clear(self) -> None:
        self.buffer.clear()
        self.buffer_lines.clear()

    def finish(self, last_line: int) -> tuple[tuple[Statement, ...], bool]:
        if self.state is _State.START:
            raise self.fail(max(last_line, 1), "no '-- +goose Up' annotation", hint=f"see {DOCS}")
        if self.state in (_State.BEGIN_UP, _State.BEGIN_DOWN):
            raise self.fail(
                self.begin_line,
                "'-- +goose StatementBegin' is never closed by '-- +goose StatementEnd'",
            )
        self.check_no_unfinished()
        return tuple(self.statements), self.use_tx
