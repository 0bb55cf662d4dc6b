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
# In free text: a scheme, then user information up to the last "@" before the host.
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s/?#\"'<>]*@)")


def userinfo_span(url: str) -> tuple[int, int] | None:
    """Where ``url``'s user information (``user:password`` before ``@``) is, if it has any.

    Without a scheme the whole value is read as ``user:password@host/path`` (a registry path)."""
    match = _SCHEME.match(url)
    start = match.end() if match else 0
    end = len(url)
    for sep in "/?#":
        found = url.find(sep, start)
        if found != -1:
            end = min(end, found)
    at = url.rfind("@", start, end)
    return (start, at) if at != -1 else None


def shown_url(url: str) -> str:
    """``url`` as it may be printed: any user information (``user:password@``) masked."""
    span = userinfo_span(url)
    return url if span is None else url[: span[0]] + MASK + url[span[1] :]


def mask_urls(text: str) -> str:
    """``text`` with the user information of every ``scheme://user:{password}@`` in it masked."""

    def masked(match: re.Match[str]) -> str:
        return match["scheme"] + MASK + "@"

    return _URL_USERINFO.sub(masked, text)


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


# A key that names a secret, then ":" or "=" (JSON, YAML, HTTP header, key=value), then its value.
_SECRET_KEY = re.compile(
    r"(?i)(?P<key>[\w.-]*(?:token|secret|passw(?:or)?d|credential|api[_-]?key|access[_-]?key"
    r"|session|signature|authorization|cookie)[\w.-]*[\"']?\s*[:=]\s*[\"']?)"
    r"(?P<value>[^\s\"',;&]+)"
)
# An authorization scheme and its credential, wherever it appears.
_AUTH_SCHEME = re.compile(r"(?i)(?P<key>\b(?:bearer|basic)\s+)(?P<value>[A-Za-z0-9+/=_.~-]{8,})")
# An opaque word: 20 or more characters of a token alphabet (base64, base64url, hex, JWT,
# "k8s-aws-v1.<...>", AWS key ids) with both a letter and a digit.
_OPAQUE = re.compile(r"[A-Za-z0-9+/=_.~-]{20,}")
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f]")  # CSI escapes too


def _opaque(match: re.Match[str]) -> str:
    word = match[0]
    if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
        return MASK
    return word


def mask_tokens(text: str) -> str:
    """``text`` with everything token-like masked, for output of a program that hands out
    credentials. Masked: the value after a key naming a secret (``token=``, ``"password": ``,
    ``Authorization:``), the word after ``Bearer``/``Basic``, user information in URLs, and any
    word of 20+ token characters mixing letters and digits. Control characters (terminal
    escapes) are dropped. A short secret printed bare, with no key before it, cannot be told
    from prose: callers show this text only from a program that failed, never its standard
    output (which carries the credential itself)."""
    text = _CONTROL.sub("", text)
    text = mask_urls(text)
    text = _AUTH_SCHEME.sub(lambda m: m["key"] + MASK, text)
    text = _SECRET_KEY.sub(lambda m: m["key"] + (m["value"] if m["value"] == MASK else MASK), text)
    return _OPAQUE.sub(_opaque, text)
