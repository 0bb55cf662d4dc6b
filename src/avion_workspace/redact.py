"""What may be printed of a value that can carry a credential: the one place that masks it.

- URLs (``oci://user:{token}@host/path``, ``https://user:{token}@charts.example/``): their user
  information is masked, as a whole value (:func:`shown_url`) or wherever a URL appears in a
  text such as a tool's error output (:func:`mask_urls`); :func:`register_url_secrets` also
  hands it to the task boundary, which then masks it in everything it prints.
- Output of a credential program (a kubeconfig ``exec`` plugin), whose purpose is to hand out a
  token and which may echo one in a debug or error line: :func:`mask_tokens` masks every
  token-like word (see there for the rules and what they cannot catch).
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from avion_workspace.boundary import MASK, register_secret

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# In free text: a scheme, then user information up to the last "@" before the path. "?", "#"
# and quotes count as user information there: a password written with them unencoded (common
# in generated ones) would otherwise end the match before its "@" and be printed whole. At
# worst an "@" in a query without a path masks the host too.
# Each pattern here runs over text a failing program wrote (untrusted, possibly long): every one
# is linear in it. A scheme is at most 32 characters; a user information runs to the next "/"
# or space, and the next scheme's "://" comes after it: each character is scanned once.
_URL_SCHEME = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{0,31}://")
_URL_WORD = re.compile(r"[^\s/<>]*")


def userinfo_span(url: str) -> tuple[int, int] | None:
    """Where ``url``'s user information (``user:password`` before ``@``) is, if it has any.

    Without a scheme the whole value is read as ``user:password@host/path`` (a registry path)."""
    match = _SCHEME.match(url)
    start = match.end() if match else 0
    # Up to the path: "?" or "#" before an "@" is a password's unencoded character rather than
    # a query or fragment (masking a query's "@" too is the safe mistake).
    end = url.find("/", start)
    at = url.rfind("@", start, end if end != -1 else len(url))
    return (start, at) if at != -1 else None


def shown_url(url: str) -> str:
    """``url`` as it may be printed: any user information (``user:password@``) masked."""
    span = userinfo_span(url)
    return url if span is None else url[: span[0]] + MASK + url[span[1] :]


def mask_urls(text: str) -> str:
    """``text`` with the user information of every ``scheme://user:{password}@`` in it masked."""
    pieces: list[str] = []
    done = 0  # text[:done] is in pieces
    for scheme in _URL_SCHEME.finditer(text):
        if scheme.start() < done:
            continue  # inside user information already masked
        start = scheme.end()
        word = _URL_WORD.match(text, start)
        end = word.end() if word else start
        at = text.rfind("@", start, end)
        if at != -1:
            pieces += [text[done:start], MASK]
            done = at
    pieces.append(text[done:])
    return "".join(pieces)


def register_url_secrets(url: str) -> None:
    """Mask ``url``'s user information (whole, and its password alone, as written, decoded and
    encoded) in everything the task boundary prints from now on."""
    span = userinfo_span(url)
    if span is None:
        return
    userinfo = url[span[0] : span[1]]
    for secret in (userinfo, userinfo.partition(":")[2]):
        for variant in (secret, unquote(secret), quote(secret, safe="")):
            register_secret(variant)


# Words that name a secret in a key (``auth`` and ``pass`` alone, not "authentication" or
# "passed", which name none).
_NAMING_WORDS = (
    r"(?:token|secret|pass(?:w(?:or)?d|phrase)?(?![a-z])|pwd|credential|api[_-]?key|access[_-]?key"
    r"|private[_-]?key|session|signature|auth(?![a-z])|authorization|cookie)"
)
# A key that names a secret, then ":" or "=" (JSON, YAML, HTTP header, key=value), then its value
# (a quoted one whole, spaces included); or a command-line flag ending in such a word (not
# ``--token-file``), then its value.
# Keys start where a word starts and are at most 64 characters around the word, so that a long
# word ("tokentoken...") is tried once, in bounded ways, not from each of its characters.
_SECRET_KEY = re.compile(
    rf"(?i)(?P<key>(?<![\w.-])[\w.-]{{0,64}}?{_NAMING_WORDS}[\w.-]{{0,64}}[\"']?\s*[:=]\s*"
    r"|(?<![\w-])--?[\w-]{0,64}?" + _NAMING_WORDS + r"\s+)"
    r"(?P<value>\"[^\"\n]*\"?|'[^'\n]*'?|[^\s\"',;&]+)"
)
# An authorization scheme and its credential, wherever it appears.
_AUTH_SCHEME = re.compile(r"(?i)(?P<key>\b(?:bearer|basic)\s+)(?P<value>[A-Za-z0-9+/=_.~-]{8,})")
# An opaque word: 20 or more characters of a token alphabet (base64, base64url, hex, JWT,
# "k8s-aws-v1.<...>", AWS key ids) with both a letter and a digit.
_OPAQUE = re.compile(r"[A-Za-z0-9+/=_.~-]{20,}")
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f]")  # CSI escapes too


# A word of lowercase names joined by "." or "/": an API version, a host name, a file path
# ("client.authentication.k8s.io/v1alpha1", "/home/me/bin/kubelogin-v1.2.3"): what a failing
# plugin names to say what is wrong. A token's alphabet mixes cases, or it is one long run.
_NAMES = re.compile(r"[./]*(?:[a-z0-9_-]{1,24}[./]+)+[a-z0-9_-]{1,24}[./]*")


def _opaque(match: re.Match[str]) -> str:
    word = match[0]
    if _NAMES.fullmatch(word):
        return word
    if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
        return MASK
    return word


def _masked_value(match: re.Match[str]) -> str:
    value = match["value"]
    quote = value[0] if value[0] in "\"'" else ""
    if value.strip("\"'") == MASK:  # masked already (a URL's user information)
        return match["key"] + value
    return match["key"] + quote + MASK + (quote if len(value) > 1 and value[-1] == quote else "")


def mask_tokens(text: str) -> str:
    """``text`` with everything token-like masked, for output of a program that hands out
    credentials. Masked: the value after a key naming a secret (``token=``, ``"password": ``,
    ``Authorization:``), the word after ``Bearer``/``Basic``, user information in URLs, and any
    word of 20+ token characters mixing letters and digits, unless it is lowercase names joined
    by "." or "/" (an API version, a host, a path). Control characters (terminal
    escapes) are dropped. A short secret printed bare, with no key before it, cannot be told
    from prose: callers show this text only from a program that failed, never its standard
    output (which carries the credential itself)."""
    text = _CONTROL.sub("", text)
    text = mask_urls(text)
    text = _AUTH_SCHEME.sub(lambda m: m["key"] + MASK, text)
    text = _SECRET_KEY.sub(_masked_value, text)
    return _OPAQUE.sub(_opaque, text)
