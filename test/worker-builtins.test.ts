// The render worker's stand-in for node:crypto (src/dashboard/worker-builtins.ts): loading a prompt in the
// dashboard's render preview checks each partial's SHA-256 with it, so it must agree with node:crypto byte for byte.
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { workerBuiltinModule } from "../src/dashboard/worker-builtins.ts";

interface Hashing {
  createHash(algorithm: string): { update(text: string): { digest(encoding: string): string } };
}

const crypto = workerBuiltinModule("node:crypto") as Hashing;
const hex = (text: string) => crypto.createHash("sha256").update(text).digest("hex");

describe("the render worker's SHA-256", () => {
  it("agrees with node:crypto on every padding boundary, multi-byte text and a megabyte", () => {
    const texts = ["", "abc", "Never share secrets.\n", "你好，世界 😀", randomBytes(1 << 20).toString("base64")];
    for (let length = 50; length <= 130; length++) texts.push("x".repeat(length));
    for (const text of texts) expect(hex(text), `${text.length} characters`).toBe(createHash("sha256").update(text).digest("hex"));
  });

  it("offers nothing else", () => {
    expect(() => workerBuiltinModule("node:fs")).toThrow("The render preview has no module node:fs");
    expect(() => crypto.createHash("md5")).toThrow("The render preview has no hash md5");
  });
});
