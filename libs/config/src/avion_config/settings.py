"""Declare settings as typed frozen dataclasses and load them from the environment and secrets.

Every problem is collected before anything is raised, so a misconfigured service reports all of
its configuration mistakes in one startup failure.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, dataclass_transform

from avion_config.checks import Check
from avion_config.parse import ParseError, parser_for
from avion_config.secret import Secret

T = TypeVar("T")

DEFAULT_SECRETS_DIR = Path("/run/secrets")
"""Where secret files are read from unless ``AVION_SECRETS_DIR`` says otherwise (Docker and Kubernetes mount them here)."""
SECRETS_DIR_ENV = "AVION_SECRETS_DIR"  # pragma: allowlist secret
"""Environment variable that moves the secrets directory (e.g. for local runs and tests)."""

_SPEC = "avion_config"
_MARK = "__avion_settings__"
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


_MISSING: Any = _Missing()


@dataclass(frozen=True)
class _Setting:
    env: str
    secret: bool
    checks: tuple[Check, ...]
    description: str


@dataclass(frozen=True)
class _Nested:
    prefix: str


@dataclass(frozen=True)
class SettingProblem:
    """One thing wrong with the configuration, named by the variable to fix."""

    env: str
    message: str

    def __str__(self) -> str:
        return f"{self.env}: {self.message}"


class SettingsError(Exception):
    """All configuration problems found while loading, reported together."""

    def __init__(self, problems: Iterable[SettingProblem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"configuration is invalid ({count} {noun}):\n{lines}")


@dataclass(frozen=True)
class SettingInfo:
    """What :func:`describe_settings` says about one variable (for docs and .env examples)."""

    env: str
    type: str
    required: bool
    default: str | None
    secret: bool
    description: str


def setting(
    env: str,
    *,
    default: Any = _MISSING,
    default_factory: Callable[[], Any] = _MISSING,
    secret: bool = False,
    check: Check | Iterable[Check] = (),
    description: str = "",
) -> Any:
    """Declare a field read from the environment variable ``env``.

    A field without ``default``/``default_factory`` is required. A ``secret`` field (and any field
    typed :class:`Secret`) is also read from ``<env>_FILE`` or ``<secrets_dir>/<env lowercased>``,
    and its value never appears in error messages. ``check`` runs on the parsed value.
    """
    if not _ENV_NAME.fullmatch(env):
        raise ValueError(f"environment variable name {env!r} must be UPPER_SNAKE_CASE")
    checks = (check,) if callable(check) else tuple(check)
    metadata = {_SPEC: _Setting(env, secret, checks, description)}
    if default is not _MISSING:
        return dataclasses.field(default=default, metadata=metadata)
    if default_factory is not _MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(metadata=metadata)


def nested(*, prefix: str = "") -> Any:
    """Declare a field holding another ``@settings`` class, its variables prefixed by ``prefix``."""
    if prefix and not _ENV_NAME.fullmatch(prefix):
        raise ValueError(f"prefix {prefix!r} must be UPPER_SNAKE_CASE")
    return dataclasses.field(metadata={_SPEC: _Nested(prefix)})


@dataclass_transform(frozen_default=True, kw_only_default=True, field_specifiers=(setting, nested))
def settings(cls: type[T]) -> type[T]:
    """Make ``cls`` a frozen keyword-only dataclass of :func:`setting`/:func:`nested` fields."""
    built = dataclasses.dataclass(frozen=True, kw_only=True)(cls)
    setattr(built, _MARK, True)
    return built


def load_settings(
    cls: type[T],
    *,
    environ: Mapping[str, str] | None = None,
    secrets_dir: str | os.PathLike[str] | None = None,
) -> T:
    """Build ``cls`` from ``environ`` (default ``os.environ``) and the secrets directory.

    The secrets directory is ``secrets_dir``, else ``$AVION_SECRETS_DIR``, else ``/run/secrets``.
    Raises :class:`SettingsError` listing every problem found.
    """
    env = os.environ if environ is None else environ
    directory = Path(secrets_dir or env.get(SECRETS_DIR_ENV) or DEFAULT_SECRETS_DIR)
    loader = _Loader(env, directory)
    result = loader.load(cls, "")
    if loader.problems:
        raise SettingsError(loader.problems)
    return typing.cast(T, result)


def describe_settings(cls: type[Any], *, prefix: str = "") -> list[SettingInfo]:
    """Every variable ``cls`` reads, nested ones flattened, in declaration order."""
    infos: list[SettingInfo] = []
    hints = _hints(cls)
    for field in _fields(cls):
        spec = field.metadata[_SPEC]
        if isinstance(spec, _Nested):
            infos.extend(describe_settings(hints[field.name], prefix=prefix + spec.prefix))
            continue
        declared = hints[field.name]
        default = _default_of(field)
        secret = _is_secret(spec, declared)
        infos.append(
            SettingInfo(
                env=prefix + spec.env,
                type=_type_name(declared),
                required=default is _MISSING,
                default=None if default is _MISSING or secret else repr(default),
                secret=secret,
                description=spec.description,
            )
        )
    return infos


class _Loader:
    def __init__(self, env: Mapping[str, str], secrets_dir: Path) -> None:
        self.env = env
        self.secrets_dir = secrets_dir
        self.problems: list[SettingProblem] = []

    def load(self, cls: type[Any], prefix: str) -> Any:
        hints = _hints(cls)
        values: dict[str, Any] = {}
        complete = True
        for field in _fields(cls):
            spec = field.metadata[_SPEC]
            if isinstance(spec, _Nested):
                value = self.load(hints[field.name], prefix + spec.prefix)
            else:
                value = self._value(field, spec, hints[field.name], prefix + spec.env)
            if value is _MISSING:
                complete = False
            else:
                values[field.name] = value
        return cls(**values) if complete else _MISSING

    def _value(self, field: dataclasses.Field[Any], spec: _Setting, declared: Any, env: str) -> Any:
        secret = _is_secret(spec, declared)
        try:
            raw = self._raw(env, secret)
        except _UnreadableSecret as exc:
            return self._problem(env, str(exc))
        if raw is None:
            default = _default_of(field)
            if default is _MISSING:
                where = f", {env}_FILE or {self.secrets_dir / env.lower()}" if secret else ""
                return self._problem(env, f"required, but not set (set {env}{where})")
            return default
        try:
            value = parser_for(declared)(raw)
        except ParseError as exc:
            got = "a value that is not shown because it is secret" if secret else repr(exc.got)
            return self._problem(env, f"expected {exc.expected}, got {got}")
        if value is None:  # an empty optional: there is nothing to check
            return None
        failures = [message for check in spec.checks if (message := _run(check, value))]
        if failures:
            return self._problem(env, "; ".join(failures))
        return value

    def _raw(self, env: str, secret: bool) -> str | None:
        file_var = f"{env}_FILE"
        if secret and env in self.env and file_var in self.env:
            raise _UnreadableSecret(f"both {env} and {file_var} are set; set only one of them")
        if env in self.env:
            return self.env[env]
        if not secret:
            return None
        if file_var in self.env:
            return _read_secret(Path(self.env[file_var]), f"{file_var}={self.env[file_var]}")
        candidate = self.secrets_dir / env.lower()
        return _read_secret(candidate, f"secret file {candidate}") if candidate.is_file() else None

    def _problem(self, env: str, message: str) -> Any:
        self.problems.append(SettingProblem(env, message))
        return _MISSING


MAX_SECRET_BYTES = 64 * 1024
"""The largest secret file read (a key or certificate chain fits; ``/dev/zero`` does not)."""


class _UnreadableSecret(Exception):
    """A secret that cannot be used; the message names the file, never its content."""


def _read_secret(path: Path, named: str) -> str:
    """The text of the regular file ``path`` (``named`` in messages), never blocking.

    At most :data:`MAX_SECRET_BYTES`. A FIFO, device or folder is refused before it is read; the bytes actually read are
    counted; a file that is not UTF-8 is refused without repeating it.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _UnreadableSecret(f"cannot read {named}: {exc.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _UnreadableSecret(f"cannot read {named}: not a regular file")
        data = b""
        while chunk := os.read(fd, MAX_SECRET_BYTES + 1 - len(data)):
            data += chunk
            if len(data) > MAX_SECRET_BYTES:
                raise _UnreadableSecret(
                    f"cannot read {named}: larger than the {MAX_SECRET_BYTES} bytes allowed"
                )
    except OSError as exc:
        raise _UnreadableSecret(f"cannot read {named}: {exc.strerror}") from None
    finally:
        os.close(fd)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _UnreadableSecret(f"{named} is not valid UTF-8 (its content is not shown)") from None
    # Files written by editors and `echo` end in a newline that is not part of the secret.
    return text.rstrip("\r\n")


def _run(check: Check, value: Any) -> str | None:
    try:
        return check(value)
    except ValueError as exc:
        return str(exc)


def _is_secret(spec: _Setting, declared: Any) -> bool:
    return spec.secret or declared is Secret or Secret in typing.get_args(declared)


def _fields(cls: type[Any]) -> tuple[dataclasses.Field[Any], ...]:
    if not getattr(cls, _MARK, False):
        raise TypeError(f"{cls!r} is not a settings class; decorate it with @settings")
    fields = dataclasses.fields(cls)
    for field in fields:
        if _SPEC not in field.metadata:
            raise TypeError(
                f"{cls.__qualname__}.{field.name} must be declared with setting() or nested()"
            )
    return fields


def _hints(cls: type[Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except NameError as exc:
        raise TypeError(f"cannot resolve the types of {cls.__qualname__}: {exc}") from exc


def _default_of(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return _MISSING


_MODULE_PATH = re.compile(r"\b(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_])")


def _type_name(declared: Any) -> str:
    if isinstance(declared, type) and not typing.get_args(declared):
        return declared.__name__
    # "typing.Optional[pathlib.Path]" and "avion_config.secret.Secret | None" read as their names.
    return _MODULE_PATH.sub("", str(declared))
