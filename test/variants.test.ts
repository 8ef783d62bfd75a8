import { describe, expect, it } from "vitest";
import type { Tags } from "../src/formats/types.ts";
import { localeFallbacks, selectVariant } from "../src/template/variants.ts";

const variants: { id: string; tags: Tags }[] = [
  { id: "en", tags: { locale: "en" } },
  { id: "en_formal", tags: { locale: "en", tone: "formal" } },
  { id: "zh", tags: { locale: "zh" } },
  { id: "zh-CN", tags: { locale: "zh-CN" } },
  { id: "formal", tags: { tone: "formal" } },
  { id: "casual_first", tags: { tone: "casual" } },
  { id: "casual_second", tags: { tone: "casual" } },
];

describe("variant selection", () => {
  it.each([
    [{ locale: "en", tone: "formal" }, "en_formal"],
    [{ locale: "en" }, "en"],
    [{ locale: "en", tone: "friendly" }, "en"],
    [{ tone: "formal" }, "formal"],
    [{ locale: "zh-CN" }, "zh-CN"],
    [{ locale: "zh-TW" }, "zh"],
    [{ locale: "zh-Hant-TW" }, "zh"],
    [{ locale: "ZH_cn" }, "zh-CN"],
    [{ tone: "casual" }, "casual_first"],
    [{ locale: "fr" }, undefined],
    [{}, undefined],
  ])("%j → %s", (tags, expected) => {
    expect(selectVariant(variants, tags)?.id).toBe(expected);
  });

  it("no tags: the default content", () => {
    expect(selectVariant(variants, undefined)).toBeUndefined();
  });

  it("a variant tagged with an underscore locale matches its hyphenated request", () => {
    expect(selectVariant([{ id: "pt_BR", tags: { locale: "pt_BR" } }], { locale: "pt-BR" })?.id).toBe("pt_BR");
  });

  it("the BCP 47 fallback chain", () => {
    expect(localeFallbacks("zh-Hant-TW")).toEqual(["zh-hant-tw", "zh-hant", "zh"]);
  });
});
