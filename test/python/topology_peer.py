"""Reference results from the real docarray for test/topology-docarray.test.ts.

Reads one JSON object on stdin:
  {"filter": [{"query": ..., "docs": [doc, ...]}, ...],
   "reduce": [{"lists": [[doc, ...], ...]}, ...],
   "params": [{"parameters": {...}, "executor": "name"}, ...],
   "graphs": [<--graph-description object>, ...],
   "reduce_requests": [{"parts": [{"id", "code", "parameters", "docs": [{"id", "text"}]}]}, ...]}
and writes the same keys on stdout, one answer per case, or {"error": "<ExceptionName>"} when
docarray or jina raises. Filter answers are the ids of the matching docs, reduce answers the
reduced docs; params answers come from jina's _parse_specific_params; graph answers describe
jina's TopologyGraph (all_nodes, origins, parts, floating, and which leaves its depth-first task
walk awaits for the response); reduce_requests answers come from
WorkerRequestHandler.reduce_requests. Docs are JSON objects for the Item model below; the
TypeScript side builds the same docs with the codec's kind marks.
"""

import base64
import json
import sys
import warnings
from typing import Any, Dict, List, Optional, Set, Tuple

warnings.filterwarnings('ignore')

import numpy as np  # noqa: E402
from docarray import BaseDoc, DocList  # noqa: E402
from docarray.typing import NdArray  # noqa: E402
from docarray.utils.filter import filter_docs  # noqa: E402
from docarray.utils.reduce import reduce_all  # noqa: E402


class Inner(BaseDoc):
    name: Optional[str] = None
    text: Optional[str] = None
    vals: Optional[List[int]] = None
    score: Optional[float] = None


class Item(BaseDoc):
    text: Optional[str] = None
    price: Optional[float] = None
    count: Optional[int] = None
    flag: Optional[bool] = None
    tags: Optional[Dict[str, Any]] = None
    cats: Optional[List[str]] = None
    nums: Optional[List[int]] = None
    pair: Optional[Tuple[int, ...]] = None
    labels: Optional[Set[str]] = None
    inner: Optional[Inner] = None
    matches: Optional[DocList[Inner]] = None
    emb: Optional[NdArray] = None
    blob: Optional[bytes] = None


def to_item(doc: Dict[str, Any]) -> Item:
    fields = dict(doc)
    if fields.get('emb') is not None:
        fields['emb'] = np.asarray(fields['emb'], dtype=np.float64)
    if fields.get('blob') is not None:
        fields['blob'] = base64.b64decode(fields['blob'])
    if fields.get('matches') is not None:
        fields['matches'] = DocList[Inner]([Inner(**m) for m in fields['matches']])
    return Item(**fields)


def to_json(value: Any) -> Any:
    if isinstance(value, BaseDoc):
        return {name: to_json(getattr(value, name)) for name in value.__fields__}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, set):
        return sorted(to_json(v) for v in value)
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or isinstance(value, DocList):
        return [to_json(v) for v in value]
    return value


def run_filter(case: Dict[str, Any]) -> Any:
    try:
        docs = DocList[Item]([to_item(d) for d in case['docs']])
        return [d.id for d in filter_docs(docs, case['query'])]
    except Exception as exc:  # docarray's own error is the expected answer
        return {'error': type(exc).__name__, 'message': str(exc)}


def run_reduce(case: Dict[str, Any]) -> Any:
    try:
        lists = [DocList[Item]([to_item(d) for d in docs]) for docs in case['lists']]
        return [to_json(d) for d in reduce_all(lists)]
    except Exception as exc:
        return {'error': type(exc).__name__, 'message': str(exc)}


def run_params(case: Dict[str, Any]) -> Any:
    from jina.serve.runtimes.helper import _parse_specific_params

    try:
        return _parse_specific_params(case['parameters'], case['executor'])
    except Exception as exc:
        return {'error': type(exc).__name__, 'message': str(exc)}


def run_graph(description: Dict[str, Any]) -> Any:
    from jina.serve.runtimes.gateway.graph.topology_graph import TopologyGraph

    end = TopologyGraph._EndGatewayNode
    try:
        graph = TopologyGraph(description)

        # the (awaited, node) pairs get_leaf_req_response_tasks produces, path by path
        def leaves(node):
            if node.leaf:
                return [(not node.floating, node.name)]
            out = []
            for successor in node.outgoing_nodes:
                out.extend([(True, node.name)] if isinstance(successor, end) else leaves(successor))
            return out

        walk = [leaf for origin in graph.origin_nodes for leaf in leaves(origin)]
        nodes = [n for n in graph.all_nodes if not isinstance(n, end)]
        return {
            'all_nodes': [n.name for n in nodes],
            'origins': [n.name for n in graph.origin_nodes],
            'parts': {n.name: n.number_of_parts for n in nodes},
            'floating': sorted({name for awaited, name in walk if not awaited}),
            'responding': list(dict.fromkeys(name for awaited, name in walk if awaited)),
        }
    except Exception as exc:
        return {'error': type(exc).__name__, 'message': str(exc)}


def run_reduce_requests(case: Dict[str, Any]) -> Any:
    from docarray.documents import TextDoc
    from jina.serve.runtimes.worker.request_handling import WorkerRequestHandler
    from jina.types.request.data import DataRequest

    try:
        parts = []
        for part in case['parts']:
            request = DataRequest()
            request.header.request_id = part['id']
            request.header.status.code = part['code']
            request.parameters = part['parameters']
            request.data.docs = DocList[TextDoc]([TextDoc(**d) for d in part['docs']])
            request.document_array_cls = DocList[TextDoc]
            parts.append(request)
        reduced = WorkerRequestHandler.reduce_requests(parts)
        return {
            'id': reduced.header.request_id,
            'parameters': reduced.parameters,
            'docs': [{'id': d.id, 'text': d.text} for d in reduced.docs],
        }
    except Exception as exc:
        return {'error': type(exc).__name__, 'message': str(exc)}


def main() -> None:
    request = json.load(sys.stdin)
    json.dump(
        {
            'filter': [run_filter(c) for c in request.get('filter', [])],
            'reduce': [run_reduce(c) for c in request.get('reduce', [])],
            'params': [run_params(c) for c in request.get('params', [])],
            'graphs': [run_graph(c) for c in request.get('graphs', [])],
            'reduce_requests': [run_reduce_requests(c) for c in request.get('reduce_requests', [])],
        },
        sys.stdout,
    )


if __name__ == '__main__':
    main()
