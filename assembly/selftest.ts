// Test-only exports: kernel self-test scenarios that node:test files drive (design.md,
// "Exports"). A second build entry beside assembly/index.ts; nothing in the kernel imports it.
export { selftest_bug_at } from "./selftest/machine";
