import { UsageError } from "../../src/errors.ts";
import { auditProject } from "../../src/signing/audit.ts";
import { defineCommand } from "../define-command.ts";
import { globalOptions, trustOption } from "../options/global.ts";
import { EXIT_OK, EXIT_USER_ERROR, table } from "../output.ts";

export const registerVerify = defineCommand({
  command: "verify",
  description: "Audit the project's registry against the trusted keys: signatures, content hashes, alias revisions, expiry and history (exit 1 on any problem)",
  options: [globalOptions, trustOption],
  run: async (ctx) => {
    const trust = await ctx.trust();
    if (!trust) throw new UsageError("Verify against which keys?", "Give --trusted-key <file.pub> (repeatable) or set signing.trustedKeys in promptsync.config.yaml.");
    // The store, not the reader: the audit lists every object rather than trusting the index to name them.
    const project = await ctx.project();
    const findings = await auditProject(await ctx.store(), project, trust, new Date());
    return { project, registry: ctx.registry.display, trustedKeys: trust.ids, ok: findings.every((f) => f.ok), findings };
  },
  text: ({ project, trustedKeys, findings }) => {
    const problems = findings.filter((f) => !f.ok).length;
    return [
      table([["OBJECT", "STATUS", "DETAIL"], ...findings.map((f) => [f.object, f.ok ? "ok" : "PROBLEM", f.detail])]),
      problems === 0 ? `\nAll ${findings.length} checks pass (trusted: ${trustedKeys.join(", ")})` : `\n${problems} problem${problems === 1 ? "" : "s"} in project ${project}`,
    ];
  },
  exitCode: ({ ok }) => (ok ? EXIT_OK : EXIT_USER_ERROR),
});
