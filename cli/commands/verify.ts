import type { Command } from "commander";
import { UsageError } from "../../src/errors.ts";
import { auditProject } from "../../src/signing/audit.ts";
import { resolveContext, type GlobalOptions } from "../context.ts";
import { withGlobalOptions, withTrustOption } from "../global-options.ts";
import { EXIT_USER_ERROR, print, printJson, table } from "../output.ts";

export function registerVerify(program: Command): void {
  withTrustOption(
    withGlobalOptions(
      program
        .command("verify")
        .description("Audit the project's registry against the trusted keys: signatures, content hashes, alias revisions, expiry and history (exit 1 on any problem)"),
    ),
  ).action(async (options: GlobalOptions) => {
    const ctx = await resolveContext(options);
    const trust = await ctx.trust();
    if (!trust) throw new UsageError("Verify against which keys?", "Give --trusted-key <file.pub> (repeatable) or set signing.trustedKeys in promptsync.config.yaml.");
    // The store, not the reader: the audit lists every object rather than trusting the index to name them.
    const project = await ctx.project();
    const findings = await auditProject(await ctx.store(), project, trust, new Date());
    const problems = findings.filter((f) => !f.ok).length;
    if (problems > 0) process.exitCode = EXIT_USER_ERROR;
    if (ctx.json) return printJson({ project, registry: ctx.registry.display, trustedKeys: trust.ids, ok: problems === 0, findings });
    print(table([["OBJECT", "STATUS", "DETAIL"], ...findings.map((f) => [f.object, f.ok ? "ok" : "PROBLEM", f.detail])]));
    print(problems === 0 ? `\nAll ${findings.length} checks pass (trusted: ${trust.ids.join(", ")})` : `\n${problems} problem${problems === 1 ? "" : "s"} in project ${project}`);
  });
}
