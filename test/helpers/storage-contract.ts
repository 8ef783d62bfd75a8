import { describe, expect, it } from "vitest";
import { revalidate } from "../../src/storage/conditional.ts";
import { updatePointer } from "../../src/storage/pointer.ts";
import type { RegistryReader, RegistryStore } from "../../src/storage/types.ts";

const headers = { contentType: "application/json", cacheControl: "no-cache" };
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (body: Uint8Array | undefined) => (body ? new TextDecoder().decode(body) : undefined);

/** What the read half of the contract needs: the reader under test, and a store that writes what it reads. */
export interface ReaderSubject {
  reader: RegistryReader;
  /** Writes the objects the reader then reads: the same object when the driver is a store. */
  writer: RegistryStore;
  /** Requests sent so far, for drivers that send them (HTTP): a refused key sends none. */
  requests?: () => number;
}

/** Keys no driver accepts (key.ts), each refused with INVALID_NAME before anything is read or written. */
const REFUSED_KEYS = [
  "",
  "prompts/../../etc/passwd",
  "prompts/p/../../../etc/passwd",
  "/prompts/p/a.json",
  "prompts//p/a.json",
  "prompts/./p/a.json",
  "prompts/p/",
  "prompts\\p\\a.json",
  "prompts/p/a\u0000.json",
  "prompts/p/\u001b[31m.json",
  `prompts/p/${"a".repeat(1025)}.json`,
];

/** Listing prefixes no driver accepts: the same rule, with a trailing `/` allowed ("" lists everything). */
const REFUSED_PREFIXES = ["prompts/../", "../", "prompts//", "prompts/./p/", "/prompts/", "prompts\\p/", "prompts/p\u0000/"];

/** A version claim: the kind of object with the smallest body limit (64 KiB). */
const CLAIM = "prompts/p/_claims/v9.9.9.json";
const CLAIM_LIMIT = 64 * 1024;

/**
 * The reading half of the storage contract, for every driver that reads (folder, S3, memory, and HTTP, which
 * only reads): absent keys, exact bytes with a strong ETag, revalidation, the key rule and the body limits.
 */
export function readerContract(name: string, open: () => Promise<ReaderSubject>): void {
  describe(`storage contract, reads: ${name}`, () => {
    it("get returns undefined for a missing key", async () => {
      const { reader } = await open();
      expect(await reader.get("prompts/p/missing.json")).toBeUndefined();
    });

    it("bytes round-trip exactly, UTF-8 and 1 MB bodies, with the store's strong ETag", async () => {
      const { reader, writer } = await open();
      const chinese = bytes("我是{{ company_name }}的友好助手。\n");
      await writer.create("prompts/p/zh.yaml", chinese, headers);
      const read = await reader.get("prompts/p/zh.yaml");
      expect(Buffer.compare(read!.body, chinese)).toBe(0);
      expect(read!.etag).not.toBe("");
      expect(read!.etag).toBe((await writer.head("prompts/p/zh.yaml"))!.etag);
      const large = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
      await writer.create("prompts/p/large.yaml", large, headers);
      expect(Buffer.compare((await reader.get("prompts/p/large.yaml"))!.body, large)).toBe(0);
    });

    it("revalidate: unchanged with the ETag held, changed after a swap, missing after a delete", async () => {
      const { reader, writer } = await open();
      const key = "prompts/p/aliases/dev.json";
      await writer.swap(key, bytes("v1"), null, headers);
      const first = await reader.get(key);
      expect(await revalidate(reader, key, first!.etag)).toEqual({ status: "unchanged" });
      expect(await revalidate(reader, key, undefined)).toMatchObject({ status: "changed", object: { etag: first!.etag } });
      await writer.swap(key, bytes("v2"), first!.etag, headers);
      const changed = await revalidate(reader, key, first!.etag);
      expect(changed.status).toBe("changed");
      expect(changed.status === "changed" && text(changed.object.body)).toBe("v2");
      expect(changed.status === "changed" && changed.object.etag).not.toBe(first!.etag);
      await writer.delete(key);
      expect(await revalidate(reader, key, first!.etag)).toEqual({ status: "missing" });
    });

    it("a key outside the one rule (empty, .., ., empty segments, backslash, control characters, over 1,024 bytes) is INVALID_NAME, and nothing is requested", async () => {
      const { reader, requests } = await open();
      const before = requests?.();
      for (const key of REFUSED_KEYS) {
        await expect(reader.get(key), JSON.stringify(key)).rejects.toMatchObject({ code: "INVALID_NAME", kind: "key" });
        if (reader.getIfChanged) {
          await expect(reader.getIfChanged(key, '"etag"'), JSON.stringify(key)).rejects.toMatchObject({ code: "INVALID_NAME", kind: "key" });
        }
      }
      for (const prefix of REFUSED_PREFIXES) {
        if (reader.list) await expect(reader.list(prefix), JSON.stringify(prefix)).rejects.toMatchObject({ code: "INVALID_NAME", kind: "key" });
      }
      expect(requests?.()).toBe(before);
    });

    it("an object over its kind's body limit is INVALID_BUNDLE naming the key and the limit; one at the limit is read", async () => {
      const { reader, writer } = await open();
      await writer.create(CLAIM, new Uint8Array(CLAIM_LIMIT + 1), headers);
      const error = await reader.get(CLAIM).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "INVALID_BUNDLE", key: CLAIM });
      expect((error as Error).message).toContain("64 KiB");
      await writer.delete(CLAIM);
      await writer.create(CLAIM, new Uint8Array(CLAIM_LIMIT).fill(7), headers);
      expect((await reader.get(CLAIM))?.body.byteLength).toBe(CLAIM_LIMIT);
    });
  });
}

/**
 * A second client of the same storage that shares no code with the driver (MinIO's client for S3): reads and
 * writes the object a store key names, with its headers and ETag as the storage reports them.
 */
export interface IndependentClient {
  read(key: string): Promise<{ body: Uint8Array; contentType?: string; cacheControl?: string; etag: string }>;
  write(key: string, body: Uint8Array, headers: { contentType: string; cacheControl: string }): Promise<void>;
}

/** Bytes that catch any re-encoding: multi-byte UTF-8, CRLF, every byte value, a trailing NUL. */
function awkwardBytes(): Uint8Array {
  const start = new TextEncoder().encode("héllo 你好 🙂\r\n{{ name }}\n");
  return new Uint8Array([...start, ...Array.from({ length: 256 }, (_, i) => i), 0]);
}

const unquote = (etag: string) => etag.replace(/^"(.*)"$/, "$1");

/**
 * The contract every storage driver meets (the folder, S3 and memory stores run this same suite): the reading
 * half above, and writes: create never overwrites, swap by ETag, delete, list sorted by prefix, the key rule.
 * With `independentClient`, what the driver writes is read back through that client byte for byte, and what the
 * client writes is read by the driver.
 */
export function storageContract(name: string, open: () => Promise<RegistryStore>, independentClient?: (store: RegistryStore) => IndependentClient): void {
  readerContract(name, async () => {
    const store = await open();
    return { reader: store, writer: store };
  });

  if (independentClient) {
    describe(`storage contract: ${name}, cross-checked by an independent client`, () => {
      it("what the driver writes (create and swap), the other client reads byte for byte, with its headers and ETag", async () => {
        const store = await open();
        const other = independentClient(store);
        const body = awkwardBytes();
        const keys = ["prompts/web/aliases/production.json", "prompts/web/greet/v0.1.0/default.yaml", "prompts/web/_bundles/v0.1.0.json", "prompts/web/notes.bin"];
        const written = { contentType: "application/octet-stream", cacheControl: "public, max-age=31536000, immutable" };
        for (const key of keys) expect(await store.create(key, body, written), key).toBe(true);
        for (const key of keys) {
          const seen = await other.read(key);
          expect(seen.body, key).toEqual(body);
          expect({ contentType: seen.contentType, cacheControl: seen.cacheControl }, key).toEqual(written);
          expect(unquote(seen.etag), key).toBe(unquote((await store.head(key))!.etag));
        }
        const pointer = keys[0]!;
        const next = bytes('{"version":"v0.1.1"}\n');
        const swapped = await store.swap(pointer, next, (await store.head(pointer))!.etag, headers);
        expect(swapped.ok).toBe(true);
        const seen = await other.read(pointer);
        expect(seen.body).toEqual(next);
        expect(unquote(seen.etag)).toBe(unquote((swapped as { etag: string }).etag));
        expect(seen.cacheControl).toBe(headers.cacheControl);
      });

      it("what the other client writes, the driver reads: get (bytes and ETag), head, list; its overwrite makes a held ETag stale", async () => {
        const store = await open();
        const other = independentClient(store);
        const body = awkwardBytes();
        const keys = ["prompts/web/b/v0.1.0/default.yaml", "prompts/web/a/v0.1.0/default.yaml", "prompts/web/aliases/dev.json", "prompts/webshop/x.json"];
        for (const key of keys) await other.write(key, body, headers);
        for (const key of keys) {
          const object = await store.get(key);
          expect(new Uint8Array(object!.body), key).toEqual(body);
          expect(unquote(object!.etag), key).toBe(unquote((await other.read(key)).etag));
          expect(await store.head(key), key).toEqual({ etag: object!.etag, size: body.length });
        }
        expect(await store.list("prompts/web/")).toEqual(["prompts/web/a/v0.1.0/default.yaml", "prompts/web/aliases/dev.json", "prompts/web/b/v0.1.0/default.yaml"]);
        expect(await store.list("prompts/")).toEqual([...keys].sort());

        const held = (await store.head("prompts/web/aliases/dev.json"))!.etag;
        await other.write("prompts/web/aliases/dev.json", bytes('{"version":"v2"}'), headers);
        expect(text((await store.get("prompts/web/aliases/dev.json"))!.body)).toBe('{"version":"v2"}');
        expect(await store.swap("prompts/web/aliases/dev.json", bytes("{}"), held, headers)).toEqual({ ok: false });
      });
    });
  }

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
      // A prefix is a string prefix, not a folder: prompts/p matches prompts/pp/ too.
      expect(await store.list("prompts/p")).toEqual(["prompts/p/a/v/variants/y.yaml", "prompts/p/a/x.yaml", "prompts/p/b/x.yaml", "prompts/pp/a.json"]);
      expect(await store.list("")).toEqual([
        "prompts/p/a/v/variants/y.yaml",
        "prompts/p/a/x.yaml",
        "prompts/p/b/x.yaml",
        "prompts/pp/a.json",
        "prompts/q/a.json",
      ]);
    });

    it("writes to a key outside the one rule are INVALID_NAME and write nothing", async () => {
      const store = await open();
      for (const key of REFUSED_KEYS) {
        const shown = JSON.stringify(key);
        const refused = { code: "INVALID_NAME", kind: "key" };
        await expect(store.create(key, bytes("x"), headers), shown).rejects.toMatchObject(refused);
        await expect(store.swap(key, bytes("x"), null, headers), shown).rejects.toMatchObject(refused);
        await expect(store.swap(key, bytes("x"), '"etag"', headers), shown).rejects.toMatchObject(refused);
        await expect(store.delete(key), shown).rejects.toMatchObject(refused);
        await expect(store.head(key), shown).rejects.toMatchObject(refused);
      }
      expect(await store.list("")).toEqual([]);
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

/**
 * The optional swapRead capability (src/storage/types.ts), for drivers that have it: compare-and-swap on the bytes
 * the caller read, as `swap` is on their ETag; the pointer updates above go through it there.
 */
export function swapReadContract(name: string, open: () => Promise<RegistryStore>): void {
  describe(`storage contract, swapRead: ${name}`, () => {
    it("writes only over the bytes read; null means must not exist; the result's ETag is the new object's", async () => {
      const store = await open();
      const swapRead = store.swapRead!.bind(store);
      const key = "prompts/p/aliases/dev.json";
      const created = await swapRead(key, bytes("v1"), null, headers);
      expect(created.ok && created.etag).toBe((await store.get(key))!.etag);
      expect((await swapRead(key, bytes("x"), null, headers)).ok).toBe(false);
      const read = (await store.get(key))!;
      expect((await swapRead(key, bytes("v2"), { body: bytes("v0"), etag: read.etag }, headers)).ok).toBe(false);
      expect((await swapRead(key, bytes("v2"), read, headers)).ok).toBe(true);
      expect((await swapRead(key, bytes("v3"), read, headers)).ok).toBe(false);
      expect((await swapRead("prompts/p/aliases/none.json", bytes("v3"), read, headers)).ok).toBe(false);
      expect(text((await store.get(key))?.body)).toBe("v2");
    });
  });
}
