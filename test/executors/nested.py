"""Nested docs: a doc holding a nested doc and a list of docs, changed in ways a test can predict.

Both classes serve `/nested` with the same rule:
    title       -> title.upper()
    inner.value -> inner.value + 1
    items       -> every value * 10, then Inner(label='count', value=<number of items received>) appended

`Nested` (Outer, `items: List[Inner]`): on the wire `items` is a `list` node of `doc` nodes.
`NestedDocList` (OuterDocList, `items: DocList[Inner]`): on the wire a `doc_array` node. It
serves data requests, but its endpoint_discovery FAILS under jina 3.34 + pydantic 2 (gRPC UNKNOWN,
PydanticInvalidForJsonSchema: jina calls `.schema()` on the original model, and docarray's DocList
has no JSON schema under pydantic 2), so Jina's own gateway cannot start in front of it (it
retries discovery forever). Use it for direct calls and for discovery-failure tests.
"""
from typing import List, Union

from docarray import BaseDoc, DocList
from jina import Executor, requests


class Inner(BaseDoc):
    label: str
    value: int


class Outer(BaseDoc):
    title: str
    inner: Inner
    items: List[Inner]


class OuterDocList(BaseDoc):
    title: str
    inner: Inner
    items: DocList[Inner]


def _change(docs: Union[DocList[Outer], DocList[OuterDocList]]) -> None:
    for doc in docs:
        doc.title = doc.title.upper()
        doc.inner.value += 1
        received = len(doc.items)
        for item in doc.items:
            item.value *= 10
        doc.items.append(Inner(label='count', value=received))


class Nested(Executor):
    @requests(on='/nested')
    def nested(self, docs: DocList[Outer], **kwargs) -> DocList[Outer]:
        _change(docs)
        return docs


class NestedDocList(Executor):
    @requests(on='/nested')
    def nested(self, docs: DocList[OuterDocList], **kwargs) -> DocList[OuterDocList]:
        _change(docs)
        return docs
