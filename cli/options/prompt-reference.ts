import type { GlobalOptions } from "../context.ts";
import type { OptionGroup } from "../define-command.ts";
import { globalOptions, trustOption } from "./global.ts";

export interface PromptReferenceOptions extends GlobalOptions {
  version?: string;
  alias?: string;
  tags?: string;
  path?: string;
}

/** Which prompt show and render read: a registry version or alias, or the local folder, and a variant. */
export const promptReferenceOptions: OptionGroup = (command) =>
  trustOption(
    globalOptions(
      command
        .option("--version <version>", "read this version from the registry")
        .option("--alias <alias>", "read the version this alias points to")
        .option("--tags <k=v,…>", "select a variant: locale=cn,tone=friendly")
        .option("--path <dir>", "local prompts folder, used when neither --version nor --alias is given"),
    ),
  );
