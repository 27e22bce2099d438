"""Label and field selectors in the syntax of the Kubernetes list query parameters."""

from __future__ import annotations

import re
from typing import Callable

from . import errors

Matcher = Callable[[dict], bool]

_SET_TERM = re.compile(r"^\s*([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQUALITY_TERM = re.compile(r"^\s*([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)\s*$")
_EXISTS_TERM = re.compile(r"^\s*(!?)\s*([\w./-]+)\s*$")


def _split_terms(selector: str) -> list[str]:
    """Split on the commas that are outside `in (...)` value sets."""
    terms, depth, current = [], 0, []
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            terms.append("".join(current))
            current = []
        else:
            current.append(char)
    terms.append("".join(current))
    return [term for term in terms if term.strip()]


def _label_term(term: str) -> Matcher:
    match = _SET_TERM.match(term)
    if match:
        key, operator, values = match.groups()
        value_set = {value.strip() for value in values.split(",") if value.strip()}
        if operator == "in":
            return lambda labels: labels.get(key) in value_set
        return lambda labels: labels.get(key) not in value_set
    match = _EQUALITY_TERM.match(term)
    if match:
        key, operator, value = match.groups()
        if operator == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    match = _EXISTS_TERM.match(term)
    if match:
        negated, key = match.groups()
        if negated:
            return lambda labels: key not in labels
        return lambda labels: key in labels
    raise errors.bad_request(f"unable to parse requirement: invalid label selector term {term!r}")


def parse_label_selector(selector: str | None) -> Matcher:
    """Compile a label selector (`a=b,c!=d,e in (f,g),!h`) into a predicate on an object."""
    if not selector:
        return lambda obj: True
    terms = [_label_term(term) for term in _split_terms(selector)]

    def matches(obj: dict) -> bool:
        labels = obj.get("metadata", {}).get("labels") or {}
        return all(term(labels) for term in terms)

    return matches


def _field_value(obj: dict, path: str) -> str:
    value: object = obj
    for part in path.split("."):
        if not isinstance(value, dict):
            return ""
        value = value.get(part, "")
    return "" if value is None else str(value)


def parse_field_selector(selector: str | None) -> Matcher:
    """Compile a field selector (`metadata.name=x,status.phase!=Failed`) into a predicate.

    NOTE: any dotted path is accepted, while a real API server allows only a few fields per kind.
    """
    if not selector:
        return lambda obj: True
    terms = []
    for term in _split_terms(selector):
        match = _EQUALITY_TERM.match(term)
        if not match:
            raise errors.bad_request(f"invalid field selector term {term!r}: expected field=value or field!=value")
        terms.append(match.groups())

    def matches(obj: dict) -> bool:
        for path, operator, value in terms:
            equal = _field_value(obj, path) == value
            if equal == (operator == "!="):
                return False
        return True

    return matches
