import { randomBytes } from "node:crypto";
import { AliasNotFoundError, PromptSyncError } from "../errors.ts";
import type { AliasPointer } from "../formats/types.ts";
import type { RegistryStore } from "../storage/types.ts";
import { aliasChangeFields, type AliasRequest } from "./aliases.ts";
import { RegistryClient } from "./read.ts";
import { changeAlias } from "./write.ts";

export type CanaryRequest = AliasRequest;

/** Why `percentage` cannot be a canary share, or undefined when it can. */
function percentageProblem(percentage: unknown): string | undefined {
  if (typeof percentage !== "number" || !Number.isFinite(percentage)) return "the percentage must be a number";
  if (percentage < 0 || percentage > 100) return `the percentage must be between 0 and 100, not ${percentage}`;
  return undefined;
}

/**
 * Starts a canary on an alias, or changes its share. Changing only the percentage keeps the salt, so keys
 * already in the canary stay in it; a new canary version draws a new salt.
 */
export async function setCanary(store: RegistryStore, request: CanaryRequest & { version: string; percentage: number }): Promise<AliasPointer> {
  const problem = percentageProblem(request.percentage);
  if (problem) throw new PromptSyncError("CANARY_INVALID", problem, { suggestion: "Give --percentage a number from 0 to 100, such as 10 or 2.5." });
  const client = new RegistryClient(store, request.project);
  const { version } = await client.resolve(request.version);
  await requireAlias(client, request);
  const now = request.now ?? new Date();
  return changeAlias(store, {
    ...aliasChangeFields(request, now),
    action: "canary-set",
    apply: (current) => {
      if (!current || current.deleted) throw new AliasNotFoundError(request.alias, request.project);
      const same = current.canary?.version === version;
      return {
        version: current.version,
        canary: {
          version,
          percentage: request.percentage,
          salt: same ? current.canary!.salt : randomBytes(8).toString("hex"),
          startedAt: same ? current.canary!.startedAt : now.toISOString(),
        },
      };
    },
  });
}

/** The alias moves to the canary's version and the canary ends. */
export function promoteCanary(store: RegistryStore, request: CanaryRequest): Promise<AliasPointer> {
  return endCanary(store, request, "canary-promote");
}

/** The canary ends; the alias keeps its version. */
export function abortCanary(store: RegistryStore, request: CanaryRequest): Promise<AliasPointer> {
  return endCanary(store, request, "canary-abort");
}

async function endCanary(store: RegistryStore, request: CanaryRequest, action: "canary-promote" | "canary-abort"): Promise<AliasPointer> {
  await requireAlias(new RegistryClient(store, request.project), request);
  return changeAlias(store, {
    ...aliasChangeFields(request),
    action,
    apply: (current) => {
      if (!current || current.deleted) throw new AliasNotFoundError(request.alias, request.project);
      if (!current.canary) {
        throw new PromptSyncError("NO_CANARY", `No canary is running on "${request.alias}"`, {
          suggestion: `Start one with \`promptsync canary set --alias ${request.alias} --version <version> --percentage 10\`.`,
        });
      }
      return { version: action === "canary-promote" ? current.canary.version : current.version, canary: undefined };
    },
  });
}

async function requireAlias(client: RegistryClient, request: CanaryRequest): Promise<AliasPointer> {
  const pointer = await client.alias(request.alias);
  if (!pointer) throw new AliasNotFoundError(request.alias, request.project);
  return pointer;
}
