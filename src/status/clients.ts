import { mapLimit } from "../concurrency.ts";
import { InvalidBundleError, VersionNotFoundError } from "../errors.ts";
import type { CompiledPrompt, CommitInterface } from "../formats/types.ts";
import { validateTelemetryEvent } from "../formats/validate.ts";
import { telemetryLayout } from "../formats/layout.ts";
import { RegistryClient } from "../registry/read.ts";
import type { RegistryReader, RegistryStore, StoredObject } from "../storage/types.ts";
import type { HeartbeatEvent, ServedPrompt } from "../formats/telemetry-events.ts";
import { interfaceOf } from "../formats/commit-interface.ts";
import { checkCompatibility } from "../validate/compatibility.ts";

export type ClientCompatibility = "compatible" | "warning" | "incompatible" | "unknown";

interface ServedStatus extends ServedPrompt {
  status: ClientCompatibility;
  reasons: string[];
}

export interface ClientStatus {
  client: string;
  app: string;
  host: string;
  commit: string | null;
  sdk: string;
  lastSeen: string;
  startedAt: string;
  dropped: number;
  /** The worst of its served prompts': incompatible, then unknown, then warning. */
  status: ClientCompatibility;
  serves: ServedStatus[];
}

export interface StatusReport {
  project: string;
  since: string;
  clients: ClientStatus[];
  /** Client pointers that are not heartbeats of this project (skipped). */
  unreadable: number;
  /** False when any client serves a prompt its code cannot use. */
  compatible: boolean;
}

const RANK: Record<ClientCompatibility, number> = { compatible: 0, warning: 1, unknown: 2, incompatible: 3 };

/**
 * Every client whose last heartbeat is newer than `since`, with each prompt it serves checked against the
 * interface push recorded for the client's commit: the same check as `promptsync validate`.
 */
export async function clientStatus(
  telemetry: Pick<RegistryStore, "list" | "get">,
  registry: RegistryReader,
  project: string,
  since: Date,
): Promise<StatusReport> {
  const keys = await telemetry.list(telemetryLayout.clients(project));
  const read = await mapLimit(keys, 16, async (key) => readHeartbeat(await telemetry.get(key).catch(oversizeAsUnreadable)));
  const valid = read.filter((h): h is HeartbeatEvent => h !== undefined && h.project === project);
  const heartbeats = valid.filter((h) => Date.parse(h.ts) >= since.getTime());
  const client = new RegistryClient(registry, project);
  const interfaceAt = memoized((commit) => client.commitInterface(commit));
  const promptsAt = memoized((version) =>
    client.promptsAt(version).then(
      (prompts) => new Map(prompts.map((p) => [p.name, p])),
      (error: unknown) => {
        // A version that does not exist is a finding; a registry that cannot be read is a failure.
        if (error instanceof VersionNotFoundError) return undefined;
        throw error;
      },
    ),
  );

  const clients = await mapLimit(heartbeats, 8, async (heartbeat): Promise<ClientStatus> => {
    const contract = heartbeat.commit && heartbeat.commit.length >= 40 ? await interfaceAt(heartbeat.commit) : undefined;
    const serves = await Promise.all(
      heartbeat.serves.map(async (served): Promise<ServedStatus> => ({ ...served, ...(await check(served, heartbeat.commit, contract, promptsAt)) })),
    );
    const status = serves.reduce<ClientCompatibility>((worst, s) => (RANK[s.status] > RANK[worst] ? s.status : worst), "compatible");
    const { client: id, app, host, commit, sdk, ts, startedAt, dropped } = heartbeat;
    return { client: id, app, host, commit, sdk, lastSeen: ts, startedAt, dropped, status, serves };
  });
  clients.sort((a, b) => RANK[b.status] - RANK[a.status] || a.app.localeCompare(b.app) || a.client.localeCompare(b.client));
  return { project, since: since.toISOString(), clients, unreadable: read.length - valid.length, compatible: clients.every((c) => c.status !== "incompatible") };
}

async function check(
  served: ServedPrompt,
  commit: string | null,
  contract: CommitInterface | undefined,
  promptsAt: (version: string) => Promise<Map<string, CompiledPrompt> | undefined>,
): Promise<{ status: ClientCompatibility; reasons: string[] }> {
  if (served.version === "local") return { status: "unknown", reasons: ["served from the local prompt files, not a registry version"] };
  if (!commit) return { status: "unknown", reasons: ["the client reports no git commit (set appCommit or PROMPTSYNC_APP_COMMIT)"] };
  if (!contract) {
    return {
      status: "unknown",
      reasons: [commit.length < 40 ? `commit ${commit} is abbreviated: report the full SHA` : `commit ${commit.slice(0, 7)} was never pushed, so its prompt interface is not recorded`],
    };
  }
  const wanted = contract.prompts.find((p) => p.name === served.prompt);
  if (!wanted) return { status: "unknown", reasons: [`the code at ${commit.slice(0, 7)} has no prompt ${served.prompt}`] };
  const prompts = await promptsAt(served.version);
  if (!prompts) return { status: "incompatible", reasons: [`version ${served.version} is not in the registry`] };
  const prompt = prompts.get(served.prompt);
  if (!prompt) return { status: "incompatible", reasons: [`${served.version} has no prompt ${served.prompt}`] };
  // The rule validate applies, so the two never disagree: only what breaks the code (a variable the served version
  // newly requires, another kind, …) is incompatible; a variable it no longer reads is a warning.
  const [finding] = checkCompatibility([wanted], [interfaceOf(prompt)]).findings;
  const status = finding!.status === "error" ? "incompatible" : finding!.status === "warning" ? "warning" : "compatible";
  return { status, reasons: finding!.reasons };
}

/**
 * A client's pointer as a heartbeat, dated no later than the store wrote it: a client's clock (or a client that
 * lies) cannot keep it recent forever, past `--since` and `--forget-clients`.
 */
/** A heartbeat over its size limit is the app's doing: unreadable, like a malformed one. */
function oversizeAsUnreadable(error: unknown): undefined {
  if (error instanceof InvalidBundleError) return undefined;
  throw error;
}

function readHeartbeat(object: StoredObject | undefined): HeartbeatEvent | undefined {
  if (!object) return undefined;
  let heartbeat: HeartbeatEvent;
  try {
    const checked = validateTelemetryEvent(JSON.parse(new TextDecoder().decode(object.body)));
    if (!checked.ok || checked.value.type !== "heartbeat") return undefined;
    heartbeat = checked.value;
  } catch {
    return undefined;
  }
  // Where the store does not say when it wrote the pointer: not after it was read.
  const storedAt = object.modified ?? new Date();
  return Date.parse(heartbeat.ts) > storedAt.getTime() ? { ...heartbeat, ts: storedAt.toISOString() } : heartbeat;
}

/** One call per key: clients share commits and versions. */
function memoized<V>(load: (key: string) => V): (key: string) => V {
  const cache = new Map<string, V>();
  return (key) => {
    if (!cache.has(key)) cache.set(key, load(key));
    return cache.get(key)!;
  };
}

/**
 * Deletes the pointers of clients whose last heartbeat is older than `before` (or unreadable): processes come and
 * go with random IDs, and status reads every pointer. Their events stay in the partitions.
 */
export async function forgetClients(telemetry: Pick<RegistryStore, "list" | "get" | "delete">, project: string, before: Date): Promise<number> {
  const keys = await telemetry.list(telemetryLayout.clients(project));
  const stale = await mapLimit(keys, 16, async (key) => {
    const heartbeat = readHeartbeat(await telemetry.get(key).catch(oversizeAsUnreadable));
    return heartbeat && Date.parse(heartbeat.ts) >= before.getTime() ? undefined : key;
  });
  const forgotten = stale.filter((key): key is string => key !== undefined);
  await mapLimit(forgotten, 16, (key) => telemetry.delete(key));
  return forgotten.length;
}
