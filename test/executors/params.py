"""ParamsExec: `parameters` declared as a pydantic model.

`/params` (ParamsDoc -> ParamsDoc): jina validates the request's parameters into `Params` (k
defaults to 3); the executor writes k and tag into every doc and returns a dict, which jina puts
into the response parameters as `__results__[<executor --name>]`, i.e. `__results__['params/rep-0']`
in a Flow or with startJinaExecutor (docs changed in place still go back).
"""
from typing import Optional

from docarray import BaseDoc, DocList
from jina import Executor, requests
from pydantic import BaseModel


class Params(BaseModel):
    k: int = 3
    tag: Optional[str] = None


class ParamsDoc(BaseDoc):
    text: Optional[str] = None
    k: Optional[int] = None
    tag: Optional[str] = None


class ParamsExec(Executor):
    # The return annotation is what jina reports (and its gateway decodes) as the output model;
    # without it the output would be LegacyDocumentJina. The dict return keeps the in-place docs.
    @requests(on='/params')
    def params(self, docs: DocList[ParamsDoc], parameters: Params, **kwargs) -> DocList[ParamsDoc]:
        for doc in docs:
            doc.k = parameters.k
            doc.tag = parameters.tag
        return {'k': parameters.k, 'tag': parameters.tag, 'count': len(docs)}
