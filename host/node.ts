// The Node-only adapter: reads the built module from build/. Nothing else in host/ imports node:*.
import { readFile } from "node:fs/promises";
import { setModuleSource, type Build } from "./loader.ts";

const root = new URL("../", import.meta.url);
const buildDir = process.env.AIO_SIM_BUILD_DIR || "build";

setModuleSource(async (build: Build) => {
  const bytes = await readFile(new URL(`${buildDir}/kernel.${build}.wasm`, root));
  return WebAssembly.compile(bytes);
});

export { root as projectRoot };
