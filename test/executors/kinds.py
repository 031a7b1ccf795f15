"""EndpointKinds: the endpoint shapes other than "DocList in, DocList out", on TextDoc.

`/single`  singleton doc (`doc: TextDoc -> TextDoc`); wire is still a DocList, jina loops per doc.
           text -> 'single:' + text
`/stream`  async generator, served via stream_doc (gRPC) / GET SSE (HTTP): yields 3 docs,
           id '<input id>-<i>', text '<input text>-<i>' for i in 0..2
`/boom`    raises ValueError('boom'): an in-band executor error (gRPC status stays OK)
"""
from docarray import DocList
from docarray.documents import TextDoc
from jina import Executor, requests


class EndpointKinds(Executor):
    @requests(on='/single')
    def single(self, doc: TextDoc, **kwargs) -> TextDoc:
        return TextDoc(id=doc.id, text=f'single:{doc.text}')

    @requests(on='/stream')
    async def stream(self, doc: TextDoc, **kwargs) -> TextDoc:
        for i in range(3):
            yield TextDoc(id=f'{doc.id}-{i}', text=f'{doc.text}-{i}')

    @requests(on='/boom')
    def boom(self, docs: DocList[TextDoc], **kwargs) -> DocList[TextDoc]:
        raise ValueError('boom')
