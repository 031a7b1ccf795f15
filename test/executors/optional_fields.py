"""OptionalFields: every field Optional, so tests can send any subset (some None) and get it back.

`/optional` (MaybeDoc -> MaybeDoc) returns the docs unchanged except `present`, which it sets to
the sorted names of the fields that were not None when the executor received them: that shows
what survived the wire as None versus as a value.
"""
from typing import Dict, List, Optional

from docarray import BaseDoc, DocList
from docarray.typing import NdArray
from jina import Executor, requests


class MaybeInner(BaseDoc):
    label: Optional[str] = None


class MaybeDoc(BaseDoc):
    text: Optional[str] = None
    count: Optional[int] = None
    ratio: Optional[float] = None
    flag: Optional[bool] = None
    tags: Optional[Dict[str, str]] = None
    vec: Optional[NdArray] = None
    inner: Optional[MaybeInner] = None
    present: List[str] = []


FIELDS = ('text', 'count', 'ratio', 'flag', 'tags', 'vec', 'inner')


class OptionalFields(Executor):
    @requests(on='/optional')
    def optional(self, docs: DocList[MaybeDoc], **kwargs) -> DocList[MaybeDoc]:
        for doc in docs:
            doc.present = sorted(name for name in FIELDS if getattr(doc, name) is not None)
        return docs
