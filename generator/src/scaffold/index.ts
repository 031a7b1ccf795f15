/** Scaffolds: the write-once files of a generated project (templates/), and the runtime dependency. */
export { classNameOf, packageNameOf, propertyAccess, scaffoldContext, type ContextInput, type ScaffoldSchemas, type EndpointView, type ExecutorView, type ScaffoldContext } from './context.js';
export { renderScaffolds, SCAFFOLDS } from './render.js';
export { findRuntimePackage, runtimeDependency, type RuntimeDependency, type RuntimeMode, type RuntimePackage } from './runtime-dependency.js';
export { findTemplatesDir } from './templates-dir.js';
export { exampleDoc } from './example-doc.js';
export { DEFAULT_GATEWAY_PORT, PROJECT_TOOLCHAIN } from './versions.js';
