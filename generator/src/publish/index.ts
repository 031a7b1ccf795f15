/** `create-gateway openapi`: publish the gateway's OpenAPI document and .proto with honest versions. */
export { publishOpenApi, type PublishOpenApiOptions, type PublishOpenApiReport, type PublishResult } from './openapi-publish.js';
export { publishProto, type PublishProtoOptions, type PublishProtoReport, type PublishProtoResult } from './proto-publish.js';
export { readPreviousFile, type PreviousFile } from './previous-file.js';
