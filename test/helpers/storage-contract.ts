import { describe, expect, it } from "vitest";
import { updatePointer } from "../../src/storage/pointer.ts";
import type { RegistryStore } from "../../src/storage/types.ts";

const headers = { contentType: "application/json", cacheControl: "no-cache" };
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (body: Uint8Array | undefined) => (body ? new TextDecoder().decode(body) : undefined);

/** The contract every storage driver meets; the S3 driver runs this same suite. */
export function storageContract(name: string, open: () => Promise<RegistryStore>): void {
  describe(`storage contract: ${name}`, () => {
    it("get and head return undefined for a missing key", async () => {
      const store = await open();
      expect(await store.get("prompts/p/missing.json")).toBeUndefined();
      expect(await store.head("prompts/p/missing.json")).toBeUndefined();
    });

    it("create writes once and never overwrites", async () => {
      const store = await open();
      expect(await store.create("prompts/p/a/v1/default.yaml", bytes("one"), headers)).toBe(true);
      expect(await store.create("prompts/p/a/v1/default.yaml", bytes("two"), headers)).toBe(false);
      const object = await store.get("prompts/p/a/v1/default.yaml");
      expect(text(object?.body)).toBe("one");
      expect(await store.head("prompts/p/a/v1/default.yaml")).toEqual({ etag: object!.etag, size: 3 });
    });

    it("delete removes an object, and a missing one is no error", async () => {
      const store = await open();
      await store.create("telemetry/p/analytics/prompts/a/b1.json", bytes("old"), headers);
      await store.delete("telemetry/p/analytics/prompts/a/b1.json");
      await store.delete("telemetry/p/analytics/prompts/a/b1.json");
      expect(await store.get("telemetry/p/analytics/prompts/a/b1.json")).toBeUndefined();
      expect(await store.list("telemetry/p/")).toEqual([]);
    });

    it("concurrent creates of one key: exactly one wins", async () => {
      const store = await open();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.create("prompts/p/_claims/v1.json", bytes(`w${i}`), headers)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(text((await store.get("prompts/p/_claims/v1.json"))?.body)).toBe(`w${winner}`);
    });

    it("swap is compare-and-swap on the ETag; null means must not exist", async () => {
      const store = await open();
      const key = "prompts/p/aliases/dev.json";
      const created = await store.swap(key, bytes("v1"), null, headers);
      expect(created.ok).toBe(true);
      expect((await store.swap(key, bytes("x"), null, headers)).ok).toBe(false);
      const current = await store.get(key);
      expect(created.ok && created.etag).toBe(current!.etag);
      expect((await store.swap(key, bytes("v2"), '"stale"', headers)).ok).toBe(false);
      expect((await store.swap(key, bytes("v2"), current!.etag, headers)).ok).toBe(true);
      expect((await store.swap(key, bytes("v3"), current!.etag, headers)).ok).toBe(false);
      expect(text((await store.get(key))?.body)).toBe("v2");
    });

    it("list returns the keys under a prefix, sorted, and nothing else", async () => {
      const store = await open();
      for (const key of ["prompts/p/b/x.yaml", "prompts/p/a/x.yaml", "prompts/p/a/v/variants/y.yaml", "prompts/q/a.json", "prompts/pp/a.json"]) {
        await store.create(key, bytes(key), headers);
      }
      expect(await store.list("prompts/p/")).toEqual(["prompts/p/a/v/variants/y.yaml", "prompts/p/a/x.yaml", "prompts/p/b/x.yaml"]);
      expect(await store.list("prompts/p/a/")).toEqual(["prompts/p/a/v/variants/y.yaml", "prompts/p/a/x.yaml"]);
      expect(await store.list("prompts/none/")).toEqual([]);
    });

    it("bytes round-trip exactly: UTF-8 and 1 MB bodies", async () => {
      const store = await open();
      const chinese = bytes("我是{{ company_name }}的友好助手。\n");
      await store.create("prompts/p/zh.yaml", chinese, headers);
      expect(Buffer.compare((await store.get("prompts/p/zh.yaml"))!.body, chinese)).toBe(0);
      const large = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
      await store.create("prompts/p/large.yaml", large, headers);
      expect(Buffer.compare((await store.get("prompts/p/large.yaml"))!.body, large)).toBe(0);
    });

    it("20 concurrent read-modify-write updates of one pointer lose nothing", async () => {
      const store = await open();
      const key = "prompts/p/_index.json";
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          updatePointer<string[]>(store, key, {
            decode: (body) => JSON.parse(text(body)!) as string[],
            encode: (value) => bytes(JSON.stringify(value)),
            apply: (current) => [...(current ?? []), `writer-${i}`],
          }),
        ),
      );
      const final = JSON.parse(text((await store.get(key))?.body)!) as string[];
      expect(final.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `writer-${i}`).sort());
    });
  });
}

