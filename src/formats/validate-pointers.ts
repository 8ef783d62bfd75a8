// The validators of what nearly every command reads: alias pointers, the project index, release manifests and the
// config, from src/generated/pointer-validators.ts (100 KB, compiled as it loads). The others are in validate.ts,
// whose 290 KB of generated code `list`, `alias list` and `alias set` never load (issue 15).
import * as generated from "../generated/pointer-validators.ts";
import { validator } from "./schema-validation.ts";
import type { AliasPointer, ConfigFile, ProjectIndex, ReleaseManifest } from "./types.ts";

export const validateConfig = validator<ConfigFile>(generated.validateConfig);
export const validateReleaseManifest = validator<ReleaseManifest>(generated.validateReleaseManifest);
export const validateAlias = validator<AliasPointer>(generated.validateAlias);
export const validateProjectIndex = validator<ProjectIndex>(generated.validateProjectIndex);
