"""Line counting (issue 16, item 3): a diagnostic's line is the line the lexer counted, and
its excerpt shows that line, whatever else the file holds (\\f, \\v, \\x85, \\u2028, CR-only
or CRLF line ends, a byte-order mark). The oracle is the file's own text split at its line
ends, the way an editor shows it."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nesy
from nesy.errors import Source

ODD = ["\f", "\v", "\x85", "\u2028", "\u2029", "\x1c", "\t"]


def editor_lines(text: str) -> list[str]:
    """Lines as an editor shows them: ends are CRLF, CR or LF; a leading BOM is not shown."""
    return re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff"))


def first_error(text: str):
    with pytest.raises(nesy.CompileError) as info:
        nesy.compile(text, "lines.nesy")
    return info.value.diagnostics[0]


@pytest.mark.parametrize("odd", ODD)
def test_odd_characters_stay_on_their_line(odd):
    text = f"rel a(1)\n// a comment with {odd} inside\nrel b(1)\nrel c(x) = b(x) and nope\n"
    d = first_error(text)
    assert d.span.line == 4 and "nope" in d.render().split("\n")[1]


@pytest.mark.parametrize("end", ["\r\n", "\r", "\n"])
def test_line_ends(end):
    text = end.join(["rel a(1)", "", "rel b(1)", "rel c(x) = b(x) and y > 1", ""])
    d = first_error(text)
    assert (d.span.line, d.span.column) == (4, 21)
    assert d.render().split("\n")[1] == " 4 | rel c(x) = b(x) and y > 1"


def test_a_byte_order_mark_is_accepted():
    assert nesy.compile("\ufeffrel a(1)\n").run()["a"].tuples == [(1,)]
    d = first_error("\ufeffrel a(x)\n")
    assert (d.span.line, d.span.column) == (1, 7)


def test_source_lines():
    s = Source("s", "\ufeffa\r\nb\rc\fd\n\x85e")
    assert [s.line(i) for i in (1, 2, 3, 4, 5)] == ["a", "b", "c\fd", "\x85e", ""]
    assert s.position(s.text.index("d")) == (3, 3)


def test_a_long_line_is_shown_around_the_error():
    text = 'rel s("' + "x" * 100_000 + '", y)\n'
    d = first_error(text)
    shown, caret = d.render().split("\n")[1:3]
    assert len(shown) < 300 and shown[caret.index("^")] == "y"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["rel a(1)", "rel b(2, 3)", "// note", "/* c */", "",
                                 "rel c(x) = c(x)", *(f"// {c} in a comment" for c in ODD),
                                 *(f'rel s("{c} in a string")' for c in ODD)]), max_size=12),
       st.sampled_from(["\n", "\r\n", "\r"]), st.booleans(),
       st.sampled_from(["rel bad(x) = a(x) and q", "rel bad(x) = = x", "rel bad(\"x)",
                        "rel bad(1, 2)\nrel bad(1)"]))
def test_fuzz_errors_point_at_the_broken_line(lines, end, bom, broken):
    """Whatever the line ends and odd characters before it, the error is on the broken
    statement's line, and its excerpt is that line as an editor shows it."""
    before = end.join(lines) + end if lines else ""
    text = ("\ufeff" if bom else "") + before + broken.replace("\n", end) + end
    try:
        nesy.compile(text, "fuzz.nesy")
    except nesy.CompileError as err:
        d = next(d for d in err.diagnostics if d.span is not None)
        line = editor_lines(text)[d.span.line - 1]
        assert "bad" in line, (d.render(), line)
        excerpt = d.render().split("\n")[1]
        assert excerpt.endswith(re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]", " ", line)), excerpt
    else:
        raise AssertionError("a broken statement compiled")
