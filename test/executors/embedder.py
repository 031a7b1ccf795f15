"""Embedder: TextDoc in, a 128-d embedding out, in float32 (`/embed32`) or float64 (`/embed64`).

Values are a pure function of the text so tests can recompute them:
    embedding[i] = (i + len(text)) / 3   (computed in float64, then cast to the endpoint's dtype)
    score        = len(text) + 0.25
Division by 3 makes the float32 values differ from the float64 ones (TS: Math.fround).
"""
from typing import Optional

import numpy as np
from docarray import BaseDoc, DocList
from docarray.documents import TextDoc
from docarray.typing import NdArray
from jina import Executor, requests


class EmbeddedDoc(BaseDoc):
    text: Optional[str] = None
    embedding: NdArray[128]
    score: float


def _embed(docs: DocList[TextDoc], dtype) -> DocList[EmbeddedDoc]:
    out = DocList[EmbeddedDoc]()
    for doc in docs:
        n = len(doc.text or '')
        vector = ((np.arange(128, dtype=np.float64) + n) / 3).astype(dtype)
        out.append(EmbeddedDoc(id=doc.id, text=doc.text, embedding=vector, score=n + 0.25))
    return out


class Embedder(Executor):
    @requests(on='/embed32')
    def embed32(self, docs: DocList[TextDoc], **kwargs) -> DocList[EmbeddedDoc]:
        return _embed(docs, np.float32)

    @requests(on='/embed64')
    def embed64(self, docs: DocList[TextDoc], **kwargs) -> DocList[EmbeddedDoc]:
        return _embed(docs, np.float64)
