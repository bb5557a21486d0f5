/**
 * ONNX interop: `exportOnnx` (module walk → ModelProto bytes) and `importOnnx`
 * (ModelProto → trainable Module), plus the protobuf codec they share.
 */
export { exportOnnx, type ExportOnnxOptions } from "./export.js";
export { importOnnx, OnnxModule, supportedImportOps, type ImportOnnxOptions } from "./import.js";
export { OnnxExportContext, type OnnxValue, type ModuleExporter } from "./export-context.js";
export { decodeModel, decodeTensorProto, OnnxFormatError } from "./proto.js";
export { encodeModel, encodeTensorProto } from "./proto-encode.js";
