/**
 * `io`: safetensors read/write, state-dict helpers, ONNX export/import.
 * @module
 */
export {
  toSafetensors,
  fromSafetensors,
  readSafetensorsHeader,
  metadataOf,
  save,
  load,
  type SafetensorsEntry,
  type SafetensorsHeader,
  type FromSafetensorsOptions,
} from "./safetensors.js";
export {
  exportOnnx,
  importOnnx,
  OnnxModule,
  OnnxExportContext,
  supportedImportOps,
  OnnxFormatError,
  type ExportOnnxOptions,
  type OnnxValue,
} from "./onnx/index.js";
