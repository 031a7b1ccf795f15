"""A 3-node DAG: `SetA` and `SetB` run in parallel, `Join` after both.

    {"start-gateway": ["a", "b"], "a": ["join"], "b": ["join"], "join": ["end-gateway"]}

All three serve `/dag` on DagDoc. `a` sets only text_a, `b` sets only text_b; the gateway merges
the two results by doc id before `join` (reduce), and `join` writes text_join = text_a + '+' + text_b,
so a response with text_join 'a:x+b:x' proves the join saw the merged doc. Start each with
`--uses SetA|SetB|Join --py-modules test/executors/dag.py`.
"""
from typing import Optional

from docarray import BaseDoc, DocList
from jina import Executor, requests


class DagDoc(BaseDoc):
    text: Optional[str] = None
    text_a: Optional[str] = None
    text_b: Optional[str] = None
    text_join: Optional[str] = None


class SetA(Executor):
    @requests(on='/dag')
    def dag(self, docs: DocList[DagDoc], **kwargs) -> DocList[DagDoc]:
        for doc in docs:
            doc.text_a = f'a:{doc.text}'
        return docs


class SetB(Executor):
    @requests(on='/dag')
    def dag(self, docs: DocList[DagDoc], **kwargs) -> DocList[DagDoc]:
        for doc in docs:
            doc.text_b = f'b:{doc.text}'
        return docs


class Join(Executor):
    @requests(on='/dag')
    def dag(self, docs: DocList[DagDoc], **kwargs) -> DocList[DagDoc]:
        for doc in docs:
            doc.text_join = f'{doc.text_a}+{doc.text_b}'
        return docs
