"""A small Python Jina Executor for the demo: text in, an 8-d float32 embedding out.
The embedding is a character histogram, so results are easy to check by eye."""
from typing import Optional

import numpy as np
from docarray import BaseDoc, DocList
from docarray.documents import TextDoc
from docarray.typing import NdArray
from jina import Executor, requests


class EmbeddedText(BaseDoc):
    text: Optional[str] = None
    embedding: NdArray[8]


class Encoder(Executor):
    @requests(on='/encode')
    def encode(self, docs: DocList[TextDoc], **kwargs) -> DocList[EmbeddedText]:
        out = DocList[EmbeddedText]()
        for doc in docs:
            histogram = np.zeros(8, dtype=np.float32)
            for char in (doc.text or ''):
                histogram[ord(char) % 8] += 1
            out.append(EmbeddedText(id=doc.id, text=doc.text, embedding=histogram))
        return out
