"""Read a text reply: answers ("A1", "A1 B5", "1", "A 接受"), TD / 恢复, or nothing.

Pure functions, no database: `parse(text)` says what the text asks for and the inbound
service (sms.services) decides what it means for the sender's open questions. Full-width
characters, spaces and punctuation, Chinese numerals, the words members use (接受, 同意,
拒绝, 不去…) and common slips (a lower-case l or I for 1, 接收 for 接受) are understood.
Anything left over that is not a polite filler ("谢谢", "收到") makes the text unclear:
better a person looks at it than a guess is applied.
"""

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    ANSWERS = "answers"
    STOP = "stop"
    START = "start"
    UNCLEAR = "unclear"


#: A yes or a no in words, for a call-out (a rating needs a digit).
ACCEPT = "accept"
DECLINE = "decline"


@dataclass(frozen=True)
class Answer:
    """One answer: the question's letter (None: the only or newest open question) and a
    digit 1–9, or ACCEPT / DECLINE when it was said in words."""

    letter: str | None
    value: int | str

    @property
    def code(self) -> str:
        """How the member wrote it, normalised: "A1", "B5", "1", "A接受"."""
        word = {ACCEPT: "接受", DECLINE: "拒绝"}.get(self.value, self.value)
        return f"{self.letter or ''}{word}"


@dataclass(frozen=True)
class Parsed:
    intent: Intent
    answers: tuple[Answer, ...] = ()


UNCLEAR = Parsed(Intent.UNCLEAR)

STOP_WORDS = {"TD", "T", "退订", "退定", "退订短信", "STOP", "STOPALL", "UNSUBSCRIBE", "退"}
START_WORDS = {"恢复", "恢复短信", "恢服", "回复恢复", "START", "UNSTOP", "重新订阅", "订阅"}
#: Whole-text words (Latin words only count alone: "NO" inside a sentence is letters).
WHOLE_ACCEPT = {"Y", "YES", "OK", "好", "好的", "可以", "行", "去", "到"}
WHOLE_DECLINE = {"N", "NO", "不", "不行", "不可以"}
#: Words anywhere in the text; longer ones first, so 不同意 is not read as 同意.
DECLINE_WORDS = (
    "不同意",
    "不接受",
    "不参加",
    "不能去",
    "去不了",
    "不去",
    "拒绝",
    "拒接",
    "巨绝",
    "没空",
)
ACCEPT_WORDS = ("接受", "同意", "接收", "接爱", "参加", "马上到", "能去")
FILLERS = (
    "谢谢",
    "谢了",
    "收到",
    "您好",
    "你好",
    "好的",
    "回复",
    "我",
    "了",
    "的",
    "吧",
    "啊",
    "呀",
    "哦",
    "嗯",
)
NUMERALS = str.maketrans("一二三四五六七八九壹贰叁肆伍两", "123456789123452")
#: Marks the words become before the answers are read (never typed by anyone).
_YES, _NO = "\u2713", "\u2717"
PUNCTUATION = re.compile(r"[\s.,;:!?'\"`~\-_/\\|()\[\]{}<>，。；：！？、“”‘’（）【】《》…·～—]+")
#: After a letter, a lower-case l or a capital I means 1 (typed on a phone keypad).
SLIP_ONE = re.compile(r"(?<=[A-Z])[IL](?![1-9])")
TOKEN = re.compile(r"([A-Z])?([1-9]|" + _YES + "|" + _NO + ")")


def normalise(text: str) -> str:
    """Full-width to half-width, upper case, Chinese numerals to digits, no spaces."""
    text = unicodedata.normalize("NFKC", text or "").upper().translate(NUMERALS)
    return re.sub(r"\s+", "", text)


def parse(text: str) -> Parsed:
    """What a text reply asks for (see the module's docstring)."""
    compact = normalise(text)
    bare = PUNCTUATION.sub("", compact)
    if bare in STOP_WORDS:
        return Parsed(Intent.STOP)
    if bare in START_WORDS:
        return Parsed(Intent.START)
    if bare in WHOLE_ACCEPT:
        return Parsed(Intent.ANSWERS, (Answer(None, ACCEPT),))
    if bare in WHOLE_DECLINE:
        return Parsed(Intent.ANSWERS, (Answer(None, DECLINE),))
    return _answers(compact)


def _answers(compact: str) -> Parsed:
    for word in DECLINE_WORDS:
        compact = compact.replace(word, _NO)
    for word in ACCEPT_WORDS:
        compact = compact.replace(word, _YES)
    for word in FILLERS:
        compact = compact.replace(word, " ")
    compact = SLIP_ONE.sub("1", PUNCTUATION.sub("", compact))
    if not compact:
        return UNCLEAR
    answers, at = [], 0
    for match in TOKEN.finditer(compact):
        if match.start() != at:
            return UNCLEAR
        at = match.end()
        value = {_YES: ACCEPT, _NO: DECLINE}.get(match.group(2)) or int(match.group(2))
        answers.append(Answer(match.group(1), value))
    if at != len(compact):
        return UNCLEAR
    return _checked(answers)


def _checked(answers: list[Answer]) -> Parsed:
    """One bare answer, or lettered ones; the same letter twice must agree."""
    bare = [a for a in answers if a.letter is None]
    if bare and len(answers) > 1:
        return UNCLEAR
    seen: dict[str, Answer] = {}
    for answer in answers:
        if answer.letter is None:
            continue
        if seen.get(answer.letter, answer) != answer:
            return UNCLEAR
        seen[answer.letter] = answer
    unique = tuple(answers) if bare else tuple(seen.values())
    return Parsed(Intent.ANSWERS, unique)
