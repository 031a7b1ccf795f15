"""Stopwatch: `/work` sleeps `parameters['ms']` milliseconds (default 2000), then stamps each doc
with when the executor started and finished the request (Unix seconds) and its own name.

The sample gateways call two of these in parallel: the stamps show that both ran at the same
time (the two intervals overlap) without asserting on a duration.
"""
import asyncio
import time
from typing import Optional

from docarray import BaseDoc, DocList
from jina import Executor, requests


class StampDoc(BaseDoc):
    text: str = ''
    executor: Optional[str] = None
    started: Optional[float] = None
    finished: Optional[float] = None


class Stopwatch(Executor):
    @requests(on='/work')
    async def work(self, docs: DocList[StampDoc], parameters: dict, **kwargs) -> DocList[StampDoc]:
        started = time.time()
        await asyncio.sleep(int(parameters.get('ms', 2000)) / 1000)
        finished = time.time()
        for doc in docs:
            doc.executor = self.runtime_args.name
            doc.started = started
            doc.finished = finished
        return docs
