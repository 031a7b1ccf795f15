"""Echo: `/echo` returns the TextDocs it got (ids kept); `/default` catches every other endpoint.

    jina executor --native --uses Echo --py-modules test/executors/echo.py --port P
"""
from docarray import DocList
from docarray.documents import TextDoc
from jina import Executor, requests


class Echo(Executor):
    @requests(on='/echo')
    def echo(self, docs: DocList[TextDoc], **kwargs) -> DocList[TextDoc]:
        return docs

    # No `on`: bound to /default, which jina uses for any endpoint this executor does not name,
    # so tests can see an unknown endpoint being routed here.
    @requests
    def default(self, docs: DocList[TextDoc], **kwargs) -> DocList[TextDoc]:
        for doc in docs:
            doc.text = f'default:{doc.text}'
        return docs
