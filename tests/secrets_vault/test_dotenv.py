"""The `.env` parser: the syntax it accepts, and errors that name the line but never the value."""

import pytest

from secrets_vault.dotenv import DotenvError, parse_dotenv


def test_parse_plain_lines():
    assert parse_dotenv("A=1\nB=two words\n") == {"A": "1", "B": "two words"}


def test_parse_skips_comments_and_blank_lines():
    text = "# settings\n\nA=1\n   # indented comment\nB=2\n"

    assert parse_dotenv(text) == {"A": "1", "B": "2"}


def test_parse_export_prefix():
    assert parse_dotenv("export API_URL=https://example.com") == {"API_URL": "https://example.com"}


def test_parse_spaces_around_equals():
    assert parse_dotenv("A = 1") == {"A": "1"}


def test_parse_inline_comment_unquoted():
    assert parse_dotenv("A=value # note\nB=a#b") == {"A": "value", "B": "a#b"}


def test_parse_empty_value():
    assert parse_dotenv("EMPTY=\nQUOTED=''") == {"EMPTY": "", "QUOTED": ""}


def test_parse_single_quotes_literal():
    assert parse_dotenv(r"A='x\ny # not a comment'") == {"A": r"x\ny # not a comment"}


def test_parse_double_quote_escapes():
    assert parse_dotenv(r'A="line1\nline2\t\"quoted\" \\ \$HOME"') == {"A": 'line1\nline2\t"quoted" \\ $HOME'}


def test_parse_multiline_quoted_value():
    text = 'KEY="-----BEGIN KEY-----\nabc\n-----END KEY-----"\nNEXT=1\n'

    assert parse_dotenv(text) == {"KEY": "-----BEGIN KEY-----\nabc\n-----END KEY-----", "NEXT": "1"}


def test_parse_comment_after_quoted_value():
    assert parse_dotenv('A="x" # note') == {"A": "x"}


def test_parse_crlf_and_bom():
    assert parse_dotenv("\ufeffA=1\r\nB=2\r\n") == {"A": "1", "B": "2"}


def test_parse_keeps_file_order():
    assert list(parse_dotenv("Z=1\nA=2\nM=3")) == ["Z", "A", "M"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A=1\nJUST_A_NAME\n", "Line 2: expected NAME=value."),
        ("A=1\nA=2\n", "Line 2: A is defined twice (first on line 1)."),
        ("9A=secret-value\n", "Line 1: '9A' is not a valid variable name"),
        ("AICHOR_X=secret-value\n", "Line 1: 'AICHOR_X' starts with the reserved prefix AICHOR_"),
        ('A="secret-value\n', "Line 1: the quoted value of A is not closed."),
        ('A="secret-value" trailing\n', "Line 1: unexpected text after the closing quote of A."),
    ],
)
def test_parse_errors_name_line(text, message):
    with pytest.raises(DotenvError) as raised:
        parse_dotenv(text)

    assert str(raised.value).startswith(message)
    assert "secret-value" not in str(raised.value)
