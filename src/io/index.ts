/**
 * `io`: safetensors read/write, state-dict helpers, ONNX export/import.
 */
export {};
