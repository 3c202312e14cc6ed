"""Reading text replies: a pure function, table-driven (SPEC 9)."""

import pytest

from timebank.sms.parsing import ACCEPT, DECLINE, Answer, Intent, parse

A = Answer

ANSWERS = [
    ("A1", [A("A", 1)]),
    ("a1", [A("A", 1)]),
    ("A2", [A("A", 2)]),
    (" A 1 ", [A("A", 1)]),
    ("A-1", [A("A", 1)]),
    ("Ａ１", [A("A", 1)]),  # full-width letter and digit
    ("ａ２", [A("A", 2)]),
    ("A1 B2", [A("A", 1), A("B", 2)]),
    ("A1B2", [A("A", 1), A("B", 2)]),
    ("a1,b5", [A("A", 1), A("B", 5)]),
    ("Ａ１　Ｂ５", [A("A", 1), A("B", 5)]),  # ideographic space
    ("A1，B2。", [A("A", 1), A("B", 2)]),
    ("A1 A1", [A("A", 1)]),  # the same answer twice is one
    ("1", [A(None, 1)]),
    ("２", [A(None, 2)]),
    ("5", [A(None, 5)]),
    ("①", [A(None, 1)]),
    ("B 五", [A("B", 5)]),
    ("三", [A(None, 3)]),
    ("Al", [A("A", 1)]),  # lower-case L for 1
    ("AI", [A("A", 1)]),  # capital I for 1
    ("接受", [A(None, ACCEPT)]),
    ("同意", [A(None, ACCEPT)]),
    ("接收", [A(None, ACCEPT)]),  # a common slip for 接受
    ("我接受", [A(None, ACCEPT)]),
    ("A接受", [A("A", ACCEPT)]),
    ("A 同意 B 拒绝", [A("A", ACCEPT), A("B", DECLINE)]),
    ("拒绝", [A(None, DECLINE)]),
    ("不去", [A(None, DECLINE)]),
    ("我不去了", [A(None, DECLINE)]),
    ("不同意", [A(None, DECLINE)]),  # not read as 同意
    ("拒接", [A(None, DECLINE)]),  # a slip for 拒绝
    ("Y", [A(None, ACCEPT)]),
    ("yes", [A(None, ACCEPT)]),
    ("ok", [A(None, ACCEPT)]),
    ("好的", [A(None, ACCEPT)]),
    ("no", [A(None, DECLINE)]),
    ("A1 谢谢", [A("A", 1)]),
    ("收到 A1", [A("A", 1)]),
    ("B6", [A("B", 6)]),  # read; the answer's question says it is out of range
]


@pytest.mark.parametrize(("text", "answers"), ANSWERS)
def test_answers_are_read(text, answers):
    parsed = parse(text)
    assert parsed.intent == Intent.ANSWERS
    assert list(parsed.answers) == answers


@pytest.mark.parametrize(
    "text", ["TD", "td", "T D", "ＴＤ", "退订", "退订。", "STOP", "stop", "Stop"]
)
def test_stop_words(text):
    assert parse(text).intent == Intent.STOP


@pytest.mark.parametrize("text", ["恢复", "START", "start", "恢复短信"])
def test_start_words(text):
    assert parse(text).intent == Intent.START


UNCLEAR = [
    "",
    "   ",
    "hello",
    "谁啊",
    "收到",  # an acknowledgement is not an answer
    "12",  # two bare answers: which is which?
    "10",
    "0",
    "A0",
    "A1 A2",  # the same question answered both ways
    "1 A2",  # a bare answer beside a lettered one
    "A",
    "AB",
    "1A",
    "A1 明天再说",
    "STOP A1",
    "TD 1",
    "请给我打电话",
    "\u200b",
]


@pytest.mark.parametrize("text", UNCLEAR)
def test_nonsense_is_unclear(text):
    parsed = parse(text)
    assert parsed.intent == Intent.UNCLEAR
    assert parsed.answers == ()


def test_codes_read_back_normalised():
    assert [a.code for a in parse("a1 b接受").answers] == ["A1", "B接受"]
