"""The definition of one kind of notice: its words, what it is about, and where it leads.

Each domain that tells members about something lists its notices in its own `notices.py`,
as `Notice` values and nothing else (data only, importing nothing above core). The
notifications domain stores a notice as its `kind`, its subject and its `params`, and
renders the words from the definition in the reader's language when the notice is read
(and once, in the member's language, for the e-mail or SMS it queues).
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Notice:
    """One kind of notice.

    `title` and `body` are lazy strings (flask_babel.lazy_gettext) with `%(name)s`
    placeholders filled from the notification's params when it is rendered. `subject` is
    the type of thing the notice is about ("shift", "callout"); the notification stores it
    with the subject's id, so notices about one thing can be found (and marked read) by
    it. `endpoint` is the page the notice opens, built with `url_for(endpoint, **args)`,
    where `subject_arg` (when set) names the URL argument that takes the subject's id.
    `urgent` notices are shown at the top of every page until read; `sms` ones are also
    sent by SMS. `sms_answer` (a lazy string with a `%(letter)s` placeholder) tells how to
    answer the question the text asks, by the letter the SMS domain gave it (SPEC 9).
    """

    kind: str
    title: Any
    body: Any
    subject: str | None = None
    endpoint: str | None = None
    subject_arg: str | None = None
    urgent: bool = False
    sms: bool = False
    sms_answer: Any = None

    def __post_init__(self):
        if not self.kind or len(self.kind) > 40:
            raise ValueError(f"notice kind must be 1 to 40 characters: {self.kind!r}")
        if self.subject_arg and not (self.subject and self.endpoint):
            raise ValueError(f"notice {self.kind}: subject_arg needs a subject and an endpoint")
