// Instruments a wasm module with an exported i64 global `__icount` (wasm instructions executed).
export function instrument(bytes: Uint8Array): Uint8Array<ArrayBuffer>;
