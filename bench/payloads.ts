/**
 * The benchmark payloads, the same bytes for every subject: S, one doc with a 16-byte text; M, 32
 * docs with a 512-d float32 embedding each (issue 19: JSON with float arrays over HTTP, DocProto
 * with an NdArrayProto per doc over gRPC). E answers the doc model of the payload in its endpoint
 * discovery, so the gateways build and validate the same model a Python executor would report.
 */
import { dataContentFromDocList, decodeDocList, docListFromDataContent, type DocModel, encodeDataRequest, encodeDocList, NdArray, newRequestId, type Doc } from '@jina-ts/runtime';

export type PayloadName = 'S' | 'M';
export const PAYLOAD_NAMES: readonly PayloadName[] = ['S', 'M'];

export interface Payload {
  readonly name: PayloadName;
  readonly label: string;
  /** The doc model `/echo` takes and returns (what E reports in endpoint discovery). */
  readonly model: DocModel;
  /** `POST /echo` body. */
  readonly httpBody: string;
  /** process_single_data request. */
  readonly grpcRequest: Buffer;
  /** Whether an HTTP answer's body echoes the payload. */
  httpEchoed(body: unknown): boolean;
  /** Whether a gRPC answer's docs echo the payload. */
  grpcEchoed(docs: readonly Doc[]): boolean;
}

const TEXT = 'sixteen bytes!!!';
const ID = { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }], description: 'The ID of the BaseDoc.' };

/** `class TextDoc(BaseDoc): text: Optional[str]` as pydantic v2 docarray reports it. */
const TEXT_DOC: DocModel = {
  name: 'TextDoc',
  schema: { title: 'TextDoc', type: 'object', properties: { id: ID, text: { title: 'Text', anyOf: [{ type: 'string' }, { type: 'null' }], default: null } } },
};

const DIMENSIONS = 512;
const M_DOCS = 32;

/** `class EmbeddingDoc(BaseDoc): embedding: Optional[NdArray[512]] = None`, exactly as docarray 0.40 / pydantic 2 report it. */
const EMBEDDING_DOC: DocModel = {
  name: 'EmbeddingDoc',
  schema: {
    title: 'EmbeddingDoc',
    type: 'object',
    properties: {
      id: ID,
      embedding: { title: 'Embedding', anyOf: [{ type: 'array', items: { type: 'number' }, 'tensor/array shape': `[${DIMENSIONS}]` }, { type: 'null' }], default: null },
    },
  },
};

function request(docs: Doc[], model: DocModel): Buffer {
  return encodeDataRequest({
    header: { requestId: newRequestId(), status: undefined, execEndpoint: '/echo' },
    parameters: {},
    routes: [],
    data: dataContentFromDocList(encodeDocList(docs, model.schema)),
  });
}

function small(): Payload {
  return {
    name: 'S',
    label: 'S: 1 doc, 16-byte text',
    model: TEXT_DOC,
    httpBody: JSON.stringify({ data: [{ id: 'd0', text: TEXT }] }),
    grpcRequest: request([{ id: 'd0', text: TEXT }], TEXT_DOC),
    httpEchoed: (body) => (body as { data?: { text?: unknown }[] }).data?.[0]?.text === TEXT,
    grpcEchoed: (docs) => docs[0]?.text === TEXT,
  };
}

function medium(): Payload {
  // float32 values (what a float32 embedding holds), printed as JavaScript prints them
  const vector = (doc: number) => Float32Array.from({ length: DIMENSIONS }, (_, i) => Math.fround((doc * DIMENSIONS + i) / 7));
  const docs = Array.from({ length: M_DOCS }, (_, doc) => ({ id: `d${doc}`, embedding: new NdArray(vector(doc), [DIMENSIONS], '<f4') }));
  const json = { data: docs.map((doc) => ({ id: doc.id, embedding: Array.from(doc.embedding.data as Float32Array) })) };
  const last = json.data[M_DOCS - 1]!.embedding[DIMENSIONS - 1]!;
  // Jina's HTTP gateway answers tensors as JSON strings ("[0.0, ...]"): both count
  const values = (embedding: unknown): number[] | undefined =>
    Array.isArray(embedding) ? (embedding as number[]) : typeof embedding === 'string' ? (JSON.parse(embedding) as number[]) : undefined;
  return {
    name: 'M',
    label: `M: ${M_DOCS} docs x ${DIMENSIONS}-d float32`,
    model: EMBEDDING_DOC,
    httpBody: JSON.stringify(json),
    grpcRequest: request(docs, EMBEDDING_DOC),
    httpEchoed: (body) => {
      const data = (body as { data?: { embedding?: unknown }[] }).data;
      const embedding = values(data?.[M_DOCS - 1]?.embedding);
      return data?.length === M_DOCS && embedding?.length === DIMENSIONS && Math.abs(embedding[DIMENSIONS - 1]! - last) < 1e-3;
    },
    grpcEchoed: (docs) => {
      const embedding = docs[M_DOCS - 1]?.embedding;
      return docs.length === M_DOCS && embedding instanceof NdArray && embedding.shape[0] === DIMENSIONS && (embedding.data as Float32Array)[DIMENSIONS - 1] === last;
    },
  };
}

export function payload(name: string): Payload {
  if (name === 'S') return small();
  if (name === 'M') return medium();
  throw new Error(`unknown payload ${JSON.stringify(name)}: ${PAYLOAD_NAMES.join(' | ')}`);
}

/** The docs of a process_single_data answer. */
export function answerDocs(data: Parameters<typeof docListFromDataContent>[0]): Doc[] {
  return decodeDocList(docListFromDataContent(data)!);
}
