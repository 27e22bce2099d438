"""A parser for `.env` files, for the bulk edit of environment variables.

Supported: `NAME=value` lines, an optional `export ` prefix, blank lines and `#` comments,
unquoted values (a ` #` starts an inline comment), single-quoted values (literal), and
double-quoted values (with \\n, \\t, \\", \\\\ and \\$ escapes). Quoted values may span lines.
Errors name the line and the variable, never the value.
"""

from django.core.exceptions import ValidationError

from secrets_vault.validators import validate_variable_name

DOUBLE_QUOTE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


class DotenvError(ValueError):
    """Raised on a `.env` text that cannot be parsed; the message names the line."""

    def __init__(self, line_number: int, message: str):
        super().__init__(f"Line {line_number}: {message}")
        self.line_number = line_number


def parse_dotenv(text: str) -> dict[str, str]:
    """Parse a `.env` text into names and values, in file order."""
    lines = text.lstrip("\ufeff").splitlines()
    entries: dict[str, str] = {}
    first_seen: dict[str, int] = {}
    index = 0

    while index < len(lines):
        line_number = index + 1
        statement = lines[index].strip()
        index += 1
        if not statement or statement.startswith("#"):
            continue

        if statement.startswith("export "):
            statement = statement[len("export ") :].lstrip()
        name, separator, rest = statement.partition("=")
        name = name.strip()
        if not separator:
            raise DotenvError(line_number, "expected NAME=value.")
        try:
            validate_variable_name(name)
        except ValidationError as error:
            raise DotenvError(line_number, " ".join(error.messages)) from None
        if name in entries:
            raise DotenvError(line_number, f"{name} is defined twice (first on line {first_seen[name]}).")

        rest = rest.lstrip()
        if rest[:1] in ("'", '"'):
            value, index = _read_quoted(rest, lines, index, line_number, name)
        else:
            value = _strip_inline_comment(rest)
        entries[name] = value
        first_seen[name] = line_number

    return entries


def _strip_inline_comment(value: str) -> str:
    for position, character in enumerate(value):
        if character == "#" and (position == 0 or value[position - 1] in " \t"):
            return value[:position].rstrip()
    return value.rstrip()


def _read_quoted(rest: str, lines: list[str], index: int, line_number: int, name: str) -> tuple[str, int]:
    """Read a quoted value that starts at `rest` and may continue on the following lines.

    Returns the value and the index of the first line after it.
    """
    quote = rest[0]
    text = rest[1:]
    characters = []
    position = 0

    while True:
        if position >= len(text):
            if index >= len(lines):
                raise DotenvError(line_number, f"the quoted value of {name} is not closed.")
            characters.append("\n")
            text = lines[index]
            index += 1
            position = 0
            continue

        character = text[position]
        if character == quote:
            break
        if quote == '"' and character == "\\" and position + 1 < len(text):
            following = text[position + 1]
            characters.append(DOUBLE_QUOTE_ESCAPES.get(following, "\\" + following))
            position += 2
            continue
        characters.append(character)
        position += 1

    remainder = text[position + 1 :].strip()
    if remainder and not remainder.startswith("#"):
        raise DotenvError(line_number, f"unexpected text after the closing quote of {name}.")
    return "".join(characters), index
