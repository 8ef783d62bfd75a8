import { describe, expect, it } from "vitest";
import { isValidAliasName, promptNameProblem, toProjectId } from "../src/formats/names.ts";
import { compareVersions, nextVersion, normalizeVersion } from "../src/formats/version.ts";

describe("versions", () => {
  it("normalises and orders like semver", () => {
    expect(normalizeVersion("1.2.3")).toBe("v1.2.3");
    expect(() => normalizeVersion("1.2")).toThrow(/not a version/);
    const sorted = ["v1.10.0", "v1.2.0", "v1.2.0-rc.10", "v1.2.0-rc.2", "v1.2.0-beta", "v0.9.9"].sort(compareVersions);
    expect(sorted).toEqual(["v0.9.9", "v1.2.0-beta", "v1.2.0-rc.2", "v1.2.0-rc.10", "v1.2.0", "v1.10.0"]);
  });

  it("next version", () => {
    expect(nextVersion([])).toBe("v0.1.0");
    expect(nextVersion([], "major")).toBe("v1.0.0");
    expect(nextVersion(["v0.1.0", "v0.1.9", "v0.1.10"])).toBe("v0.1.11");
    expect(nextVersion(["v1.4.2"], "minor")).toBe("v1.5.0");
    expect(nextVersion(["v1.4.2"], "major")).toBe("v2.0.0");
    expect(nextVersion(["v1.9.0", "v2.0.0-rc.1"])).toBe("v2.0.0");
  });
});

describe("names", () => {
  it.each([
    ["support/refund", undefined],
    ["analyze_paper_simple", undefined],
    ["A-b_9/x", undefined],
    ["../etc", "empty"],
    ["a//b", "empty"],
    ["has space", "may only contain"],
    ["v1.2", "may only contain"],
    ["_hidden", "may only contain"],
    ["aliases/x", "reserved"],
  ])("%s", (name, problem) => {
    const found = promptNameProblem(name);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  it("aliases and project IDs", () => {
    expect(isValidAliasName("production")).toBe(true);
    expect(isValidAliasName("latest")).toBe(false);
    expect(isValidAliasName("Prod")).toBe(false);
    expect(toProjectId("@acme/Support Bot")).toBe("support-bot");
    expect(toProjectId("support-bot.git")).toBe("support-bot");
  });
});
