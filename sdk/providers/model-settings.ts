import { requestError, type PromptRequestInput } from "./request-input.ts";

/** The generation settings the provider mappings know, in the prompt files' spelling (docs/prompt-format.md). */
export interface ModelSettings {
  temperature?: number;
  top_p?: number;
  top_k?: number;
  max_tokens?: number;
  stop?: string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  reasoning_effort?: string;
}

type SettingName = keyof ModelSettings;

const SETTING_KINDS: Record<SettingName, "number" | "integer" | "positive integer" | "stop" | "string"> = {
  temperature: "number",
  top_p: "number",
  top_k: "positive integer",
  max_tokens: "positive integer",
  stop: "stop",
  seed: "integer",
  presence_penalty: "number",
  frequency_penalty: "number",
  reasoning_effort: "string",
};
const SETTING_NAMES = Object.keys(SETTING_KINDS) as SettingName[];

/** The model id and settings a request is sent with. */
export interface ModelChoice {
  model: string;
  settings: ModelSettings;
}

/**
 * Reads the model id (`model: gpt-4o` or `model.name`) and the settings: the `model` block's keys, then the same
 * keys in `config` for those the block lacks (older prompts keep `max_tokens` there). Any other key of the `model`
 * block is an error, so a misspelt setting is not dropped unseen; `config`'s other keys are the app's own.
 */
export function readModelChoice(input: PromptRequestInput, api: string): ModelChoice {
  const { model, config } = input;
  const block = typeof model === "object" && model !== null ? model : {};
  const name = typeof model === "string" ? model : Object.hasOwn(block, "name") ? block.name : undefined;
  if (typeof name !== "string" || name.trim() === "") {
    requestError(input, api, "the prompt names no model", "Set `model: <id>` or `model: { name: <id> }` in the prompt file.");
  }
  for (const key of Object.keys(block)) {
    if (key !== "name" && !(SETTING_NAMES as string[]).includes(key)) {
      requestError(input, api, `model.${key} is not a model setting PromptSync knows (${SETTING_NAMES.join(", ")})`, "Fix its spelling, or keep settings of your own in `config`, which the requests leave alone.");
    }
  }
  const settings: ModelSettings = {};
  for (const key of SETTING_NAMES) {
    const fromBlock = Object.hasOwn(block, key);
    const source = fromBlock ? block : config !== undefined && Object.hasOwn(config, key) ? config : undefined;
    if (source === undefined) continue;
    assign(settings, key, source[key], `${fromBlock ? "model" : "config"}.${key}`, input, api);
  }
  return { model: name, settings };
}

function assign(settings: ModelSettings, key: SettingName, value: unknown, where: string, input: PromptRequestInput, api: string): void {
  const kind = SETTING_KINDS[key];
  const bad = (): never => requestError(input, api, `${where} must be ${kind === "stop" ? "a string or a list of strings" : `a ${kind}`}`, "Fix the value in the prompt file.");
  if (kind === "stop") {
    const list = typeof value === "string" ? [value] : value;
    if (!Array.isArray(list) || !list.every((s) => typeof s === "string")) return bad();
    settings.stop = [...(list as string[])];
  } else if (kind === "string") {
    if (typeof value !== "string") return bad();
    settings.reasoning_effort = value;
  } else {
    const ok = typeof value === "number" && Number.isFinite(value) && (kind === "number" || (Number.isSafeInteger(value) && (kind === "integer" || value > 0)));
    if (!ok) return bad();
    settings[key as Exclude<SettingName, "stop" | "reasoning_effort">] = value;
  }
}

/** Throws when a setting the prompt sets is one `api` cannot take and leaving it out would change the answer. */
export function refuseSetting(input: PromptRequestInput, api: string, settings: ModelSettings, key: SettingName, suggestion: string): void {
  if (settings[key] !== undefined) requestError(input, api, `the API has no equivalent of the model setting ${key}`, suggestion);
}

/** Checks a reasoning effort against the values `api` takes. */
export function effortOf<T extends string>(input: PromptRequestInput, api: string, settings: ModelSettings, allowed: readonly T[]): T | undefined {
  const effort = settings.reasoning_effort;
  if (effort === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(effort)) {
    requestError(input, api, `reasoning_effort ${JSON.stringify(effort.slice(0, 40))} is not one of ${allowed.join(", ")}`, "Set a value this API takes in the prompt file.");
  }
  return effort as T;
}
