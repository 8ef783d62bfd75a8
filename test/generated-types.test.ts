import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateTypes, TYPE_NAMES } from "../scripts/generate-types.ts";

describe("the format types generated from schemas/", () => {
  it("src/generated/types.ts is what scripts/generate-types.ts makes of schemas/ now (npm run generate)", () => {
    expect(readFileSync(new URL("../src/generated/types.ts", import.meta.url), "utf8")).toBe(generateTypes());
  });

  it("every schema has its type", () => {
    const schemas = readdirSync(new URL("../schemas/", import.meta.url)).filter((f) => f.endsWith(".schema.json"));
    expect(schemas.filter((file) => !TYPE_NAMES[file])).toEqual([]);
  });
});
