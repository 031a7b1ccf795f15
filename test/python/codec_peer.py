"""Real docarray on the other side of the TypeScript document codec (test/codec-docarray.test.ts).

    python codec_peer.py encode   -> stdout: JSON {schemas, cases}
    python codec_peer.py decode   <- stdin: JSON [{name, model, b64}]  -> stdout: JSON {name: result}

`encode` builds documents with docarray, serializes each case with
`DocList[Model](...).to_protobuf().SerializeToString()` (base64), and also reports how docarray
itself sees those docs (`describe`), plus each model's JSON schema as jina 3.34 sends it in
EndpointsProto.schemas (create_pure_python_type_model -> model_json_schema -> protobuf Struct).

`decode` parses bytes produced by the TypeScript codec with `DocList[Model].from_protobuf(...)`
and reports what docarray got, with `describe`. One process per direction: all cases are batched.
"""

import base64
import json
import sys
from typing import Any, Dict, List, Optional, Set, Tuple

import numpy as np
from docarray import BaseDoc, DocList
from docarray.documents import TextDoc
from docarray.proto import DocListProto
from docarray.typing import ImageUrl, NdArray
from docarray.utils.create_dynamic_doc_class import create_pure_python_type_model
from google.protobuf import json_format, struct_pb2


class Inner(BaseDoc):
    label: str = ''
    weight: float = 0.0
    vec: Optional[NdArray] = None


class Peer(BaseDoc):
    text: Optional[str] = None
    url: Optional[ImageUrl] = None
    emb32: NdArray[128]
    emb64: Optional[NdArray[128]] = None
    half: Optional[NdArray] = None
    ints: Optional[NdArray] = None
    mask: Optional[NdArray] = None
    other: Optional[NdArray] = None
    count: int = 0
    ratio: float = 0.0
    flag: bool = False
    blob: Optional[bytes] = None
    inner: Optional[Inner] = None
    inners: DocList[Inner] = DocList[Inner]()
    tags: Dict[str, Any] = {}
    names: List[str] = []
    numbers: List[float] = []
    uniq: Set[int] = set()
    pair: Tuple[int, str] = (0, '')
    missing: Optional[str] = None


def _legacy():
    # jina's default model for un-annotated endpoints (self-referencing chunks/matches).
    from jina._docarray_legacy import LegacyDocumentJina as Legacy
    from docarray.typing import ID

    Legacy.model_rebuild(_types_namespace={'ID': ID})
    return Legacy


class JsonDoc(BaseDoc):
    """Only JSON-safe values (bytes that are UTF-8): compared with orjson's HTTP output."""

    text: str = ''
    emb: NdArray
    half: Optional[NdArray] = None
    flags: Optional[NdArray] = None
    ints: Optional[NdArray] = None
    b: bytes = b''
    score: float = 0.0
    tags: Dict[str, Any] = {}


MODELS = {'Peer': Peer, 'TextDoc': TextDoc, 'JsonDoc': JsonDoc}


def model(name):
    if name == 'LegacyDocumentJina' and name not in MODELS:
        MODELS[name] = _legacy()
    return MODELS[name]


def peer_docs():
    docs = []
    for i in range(3):
        docs.append(
            Peer(
                id=f'p{i}',
                text=f'hello {i} wörld' if i != 1 else None,
                url=f'https://example.com/{i}.png' if i != 2 else None,
                emb32=(np.arange(128, dtype=np.float32) + i) / 7,
                emb64=(np.arange(128, dtype=np.float64) / 3 + i) if i != 1 else None,
                half=np.array([0.1, 65504, -2, 6e-8, i], dtype=np.float16),
                ints=np.array([[-(2**62), 2**40], [i, -1]], dtype=np.int64),
                mask=np.array([True, False, i == 0]),
                other=(np.arange(4) + 0.5).astype('>f4') if i == 0 else (np.arange(6, dtype=np.uint8).reshape(2, 3) if i == 1 else None),
                count=2**31 - 1 - i,
                ratio=0.5 + i,
                flag=i % 2 == 0,
                blob=bytes([0, 1, 2, 255, i]),
                inner=Inner(id=f'in{i}', label='inner', weight=2.0, vec=np.array([1.5, -1], dtype=np.float32)) if i != 1 else None,
                inners=DocList[Inner]([Inner(id=f'c{i}{j}', label=f'c{j}', weight=j + 0.25) for j in range(i + 1)]),
                tags={'a': 1, 'b': 2.5, 'c': 'x', 'd': [1, 'y', 3.0], 'e': {'f': None, 'g': True}, 'h': 2.0},
                names=['a', 'b'],
                numbers=[1.0, 2.5],
                uniq={3, 1},
                pair=(7, 'seven'),
                missing=None,
            )
        )
    return DocList[Peer](docs)


def text_docs():
    return DocList[TextDoc](
        [TextDoc(id='t0', text='hello wörld', embedding=np.array([1, 0, 1], dtype=np.float32)), TextDoc(id='t1', text='no embedding')]
    )


def legacy_docs():
    Legacy = model('LegacyDocumentJina')
    return DocList[Legacy](
        [
            Legacy(
                id='l0',
                text='root',
                chunks=DocList[Legacy]([Legacy(id='c0', text='chunk', tags={'k': 'v'})]),
                tags={'k': 'v', 'n': 1},
                embedding=np.zeros(2, dtype=np.float32),
                scores={'s': {'value': 0.5}},
            )
        ]
    )


def json_docs():
    return DocList[JsonDoc](
        [
            JsonDoc(
                id='j0',
                text='wörld',
                # random float32s and exact ties (x.25, x.75): orjson prints the shortest, ties to even
                emb=np.concatenate(
                    [
                        np.random.default_rng(0).standard_normal(1016).astype(np.float32),
                        np.array([-1253138.25, 8136.84375, 2809107.75, 0.5, 123456789, 1e-40, 3.4e38, 1e-3], dtype=np.float32),
                    ]
                ).reshape(4, 256),
                half=np.array([0.1, 65504, 6e-8, -2.5], dtype=np.float16),
                flags=np.array([True, False]),
                ints=np.array([-(2**62) - 1, 5], dtype=np.int64),
                b='héllo'.encode(),
                score=0.1,
                tags={'x': [1, 'a'], 'nan': float('nan')},
            )
        ]
    )


CASES = {'peer': ('Peer', peer_docs), 'text': ('TextDoc', text_docs), 'legacy': ('LegacyDocumentJina', legacy_docs),
    'json': ('JsonDoc', json_docs),
}


def describe(value):
    """docarray's view of a value, JSON-safe and type-exact (int vs float, str subclasses, containers)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, BaseDoc):
        return ['doc', {name: describe(getattr(value, name)) for name in type(value).model_fields}]
    if isinstance(value, DocList):
        return ['doc_array', [describe(doc) for doc in value]]
    if isinstance(value, np.ndarray):
        return ['tensor', value.dtype.str, list(value.shape), base64.b64encode(value.tobytes()).decode(), type(value).__name__]
    if isinstance(value, bytes):
        return ['bytes', base64.b64encode(value).decode()]
    if isinstance(value, int):
        return ['int', value]
    if isinstance(value, float):
        return ['float', value if np.isfinite(value) else repr(value)]
    if isinstance(value, str):
        return value if type(value) is str else [type(value).__name__, str(value)]
    if isinstance(value, (set, frozenset)):
        return ['set', sorted(describe(item) for item in value)]
    if isinstance(value, tuple):
        return ['tuple', [describe(item) for item in value]]
    if isinstance(value, list):
        return ['list', [describe(item) for item in value]]
    if isinstance(value, dict):
        return ['dict', {key: describe(item) for key, item in value.items()}]
    return ['unknown', repr(value)]


def http_json(doc):
    """The doc as jina's HTTP gateway writes it (DocArrayResponse = orjson + numpy), or None if it cannot."""
    from docarray.base_doc.io.json import orjson_dumps

    try:
        return orjson_dumps(doc).decode()
    except Exception:
        return None


def jina_schema(cls):
    """The schema as a jina 3.34 gateway sees it: pure-python model, JSON schema, through a Struct.

    (jina sends the legacy model's schema as is; the conversion is a no-op for it anyway.)
    """
    schema = cls.model_json_schema() if cls.__name__ == 'LegacyDocumentJina' else create_pure_python_type_model(cls).model_json_schema()
    struct = struct_pb2.Struct()
    json_format.ParseDict(schema, struct)
    return json_format.MessageToDict(struct)


def encode():
    out = {'schemas': {}, 'cases': {}}
    for name, (model_name, build) in CASES.items():
        docs = build()
        cls = model(model_name)
        out['schemas'][model_name] = jina_schema(cls)
        out['cases'][name] = {
            'model': model_name,
            'b64': base64.b64encode(DocList[cls](docs).to_protobuf().SerializeToString()).decode(),
            'docs': [describe(doc) for doc in docs],
            'json': [http_json(doc) for doc in docs],
        }
    return out


def decode(requests):
    results = {}
    for request in requests:
        try:
            cls = model(request['model'])
            proto = DocListProto()
            proto.ParseFromString(base64.b64decode(request['b64']))
            docs = DocList[cls].from_protobuf(proto)
            results[request['name']] = {'ok': True, 'docs': [describe(doc) for doc in docs]}
        except Exception as error:  # reported to the test, which decides whether it was expected
            results[request['name']] = {'ok': False, 'error': f'{type(error).__name__}: {error}'}
    return results


if __name__ == '__main__':
    mode = sys.argv[1]
    if mode == 'encode':
        result = encode()
    elif mode == 'decode':
        result = decode(json.load(sys.stdin))
    else:
        raise SystemExit(f'unknown mode {mode}')
    json.dump(result, sys.stdout, allow_nan=False)
