"""Slow: `/slow` sleeps `parameters['ms']` milliseconds (default 1000) before answering, for
deadline, retry and kill tests. Each doc's text becomes 'slept:<ms>'.

It is an `async def` awaiting asyncio.sleep, but jina still runs one request at a time per
executor (an asyncio.Lock unless started with --allow-concurrent), so N concurrent calls take
about N * ms.
"""
import asyncio

from docarray import DocList
from docarray.documents import TextDoc
from jina import Executor, requests


class Slow(Executor):
    @requests(on='/slow')
    async def slow(self, docs: DocList[TextDoc], parameters: dict, **kwargs) -> DocList[TextDoc]:
        ms = int(parameters.get('ms', 1000))
        await asyncio.sleep(ms / 1000)
        for doc in docs:
            doc.text = f'slept:{ms}'
        return docs
