"""Evolving: one executor whose models change between versions, chosen by EVOLVING_VERSION (1 or 2),
for `create-gateway regenerate` tests. From version 1 to 2:

- `/encode` input TextIn: `lang` removed, `count` int -> str, `priority: int` added as required,
  `note: Optional[str]` added; output Encoded: `tags` removed, `extra: Optional[str]` added;
- `/summarize` renamed `/summarise` (same models).
"""
import os
from typing import List, Optional

from docarray import BaseDoc, DocList
from jina import Executor, requests

VERSION = os.environ.get('EVOLVING_VERSION', '1')

if VERSION == '1':

    class TextIn(BaseDoc):
        text: str = ''
        lang: Optional[str] = None
        count: int = 0

    class Encoded(BaseDoc):
        text: str = ''
        score: float = 0.0
        tags: List[str] = []

else:

    class TextIn(BaseDoc):
        text: str = ''
        count: str = ''
        priority: int
        note: Optional[str] = None

    class Encoded(BaseDoc):
        text: str = ''
        score: float = 0.0
        extra: Optional[str] = None


class Summary(BaseDoc):
    summary: str = ''


SUMMARY_ENDPOINT = '/summarize' if VERSION == '1' else '/summarise'


class Evolving(Executor):
    @requests(on='/encode')
    def encode(self, docs: DocList[TextIn], **kwargs) -> DocList[Encoded]:
        return DocList[Encoded]([Encoded(text=doc.text, score=float(len(doc.text))) for doc in docs])

    @requests(on=SUMMARY_ENDPOINT)
    def summarize(self, docs: DocList[TextIn], **kwargs) -> DocList[Summary]:
        return DocList[Summary]([Summary(summary=doc.text[:10]) for doc in docs])
