"""TextOps: two endpoints on one class with different output models.

`/upper`  TextDoc -> TextDoc      text -> text.upper()
`/length` TextDoc -> LengthDoc    {text, length: len(text)}
"""
from typing import Optional

from docarray import BaseDoc, DocList
from docarray.documents import TextDoc
from jina import Executor, requests


class LengthDoc(BaseDoc):
    text: Optional[str] = None
    length: int = 0


class TextOps(Executor):
    @requests(on='/upper')
    def upper(self, docs: DocList[TextDoc], **kwargs) -> DocList[TextDoc]:
        for doc in docs:
            doc.text = (doc.text or '').upper()
        return docs

    @requests(on='/length')
    def length(self, docs: DocList[TextDoc], **kwargs) -> DocList[LengthDoc]:
        return DocList[LengthDoc]([LengthDoc(id=d.id, text=d.text, length=len(d.text or '')) for d in docs])
