"""Translate Camunda JUEL conditions (`${amount > 1000 && region == 'A'}`) into Python.

Handles `${...}`/`#{...}` wrappers, `&& || !`, the word operators `eq ne gt lt ge le and or
not div mod empty`, `true/false/null`, string literals in either quote and `a.b` property
access (turned into `a["b"]`, since process data is JSON). Anything else (ternaries,
method calls, lambdas) raises `JuelError`; the result still has to pass the condition
whitelist at deploy.
"""

from __future__ import annotations

import re


class JuelError(ValueError):
    """The JUEL expression uses a construct this translator does not support."""


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>&&|\|\||==|!=|<=|>=|<|>|!|\(|\)|\[|\]|\.|,|\+|-|\*|/|%|\?|:)
""",
    re.VERBOSE,
)

_WORD_OPS = {
    "eq": "==",
    "ne": "!=",
    "gt": ">",
    "lt": "<",
    "ge": ">=",
    "le": "<=",
    "and": "and",
    "or": "or",
    "not": "not",
    "div": "/",
    "mod": "%",
    "empty": "not",
    "true": "True",
    "false": "False",
    "null": "None",
}
_SYMBOL_OPS = {"&&": "and", "||": "or", "!": "not"}

_WRAPPED = re.compile(r"^\s*[$#]\{(?P<body>.*)\}\s*$", re.DOTALL)


def is_juel(text: str) -> bool:
    """True when the text is a `${...}` or `#{...}` expression."""
    return bool(text and _WRAPPED.match(text))


def _tokens(body: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    while pos < len(body):
        match = _TOKEN.match(body, pos)
        if not match:
            raise JuelError(f"unexpected character {body[pos]!r}")
        kind = match.lastgroup
        if kind != "space":
            out.append((kind, match.group()))
        pos = match.end()
    return out


def translate_juel(text: str) -> str:
    """Return the Python equivalent of a JUEL expression (wrapped or bare)."""
    match = _WRAPPED.match(text or "")
    body = match.group("body") if match else (text or "")
    tokens = _tokens(body)
    parts: list[str] = []
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "op" and value in ("?", ":"):
            raise JuelError("conditional ?: expressions are not supported")
        if kind == "op" and value == ".":
            if i + 1 >= len(tokens) or tokens[i + 1][0] != "ident" or not parts:
                raise JuelError("bad property access")
            name = tokens[i + 1][1]
            if i + 2 < len(tokens) and tokens[i + 2] == ("op", "("):
                raise JuelError("method calls are not supported")
            parts[-1] = f'{parts[-1]}["{name}"]'
            i += 2
            continue
        if kind == "ident":
            if value in _WORD_OPS:
                parts.append(_WORD_OPS[value])
            else:
                if i + 1 < len(tokens) and tokens[i + 1] == ("op", "("):
                    raise JuelError(f"function call {value}() is not supported")
                parts.append(value)
        elif kind == "op":
            parts.append(_SYMBOL_OPS.get(value, value))
        elif kind == "string":
            parts.append(value)
        else:
            parts.append(value)
        i += 1
    return " ".join(parts)
