import { contentHash } from "../formats/canonical.ts";
import { decodeJson, decodeYaml, verifyPromptHash } from "../formats/codec.ts";
import type { CompiledPrompt, ReleaseManifest } from "../formats/types.ts";
import { validateCompiledPrompt, validateCompiledVariant, validateReleaseBundle } from "../formats/validate.ts";

/**
 * Content is accepted only under the verified manifest that lists its hash: a prompt that agrees with its own
 * hash proves nothing, since whoever rewrites it recomputes that too. Each check decodes the body (schema and
 * own-hash failures throw InvalidBundleError) and returns what is wrong, or undefined.
 */

function listedProblem(prompt: CompiledPrompt, manifest: ReleaseManifest): string | undefined {
  const entry = manifest.prompts[prompt.name];
  if (!entry) return `the signed ${manifest.version} manifest has no prompt "${prompt.name}"`;
  if (entry.hash !== prompt.hash) return `"${prompt.name}" is not the content the signed ${manifest.version} manifest lists (${entry.hash})`;
  return undefined;
}

export function promptProblem(body: Uint8Array, key: string, name: string, manifest: ReleaseManifest): string | undefined {
  const prompt = verifyPromptHash(decodeYaml(body, key, validateCompiledPrompt), key);
  if (prompt.name !== name) return `it holds the prompt "${prompt.name}", not "${name}"`;
  return listedProblem(prompt, manifest);
}

export function variantProblem(body: Uint8Array, key: string, name: string, variant: string, manifest: ReleaseManifest): string | undefined {
  const file = decodeYaml(body, key, validateCompiledVariant);
  const { format: _format, prompt, ...own } = file;
  if (prompt !== name || file.id !== variant) return `it holds variant "${file.id}" of "${prompt}", not "${variant}" of "${name}"`;
  if (contentHash(own) !== file.hash) return "its content does not match its hash";
  const listed = manifest.prompts[name]?.variants.find((v) => v.id === variant);
  if (listed?.hash !== file.hash) return `it is not the variant the signed ${manifest.version} manifest lists`;
  return undefined;
}

export function bundleProblem(body: Uint8Array, key: string, manifest: ReleaseManifest): string | undefined {
  const bundle = decodeJson(body, key, validateReleaseBundle);
  if (bundle.project !== manifest.project || bundle.version !== manifest.version) return `it is the bundle of ${bundle.project} ${bundle.version}`;
  for (const prompt of bundle.prompts) {
    const problem = listedProblem(verifyPromptHash(prompt, key), manifest);
    if (problem) return problem;
  }
  const missing = Object.keys(manifest.prompts).filter((name) => !bundle.prompts.some((p) => p.name === name));
  if (missing.length > 0) return `it lacks ${missing.map((n) => `"${n}"`).join(", ")}`;
  return undefined;
}
