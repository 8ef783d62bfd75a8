import { PromptSyncError } from "../errors.ts";

export type FolderOperation = "read" | "list" | "write" | "delete";

/**
 * A file-system failure of the folder driver as a PromptSyncError whose code says what happened, with the path
 * and what to do, as the S3 driver maps its own (s3-errors.ts): a permission problem is ACCESS_DENIED, a read-only
 * file system REGISTRY_READ_ONLY, anything else FOLDER_ERROR. PromptSyncErrors (a refused key, an oversize
 * object) and errors that are not the file system's pass through unchanged.
 */
export function folderFailure(error: unknown, operation: FolderOperation, root: string): unknown {
  if (error instanceof PromptSyncError) return error;
  const failure = error as Partial<NodeJS.ErrnoException> | undefined;
  const code = failure?.code;
  if (typeof code !== "string" || typeof failure?.syscall !== "string") return error;
  const cannot = `Cannot ${operation} ${failure.path ?? root}`;
  const options = (suggestion: string) => ({ suggestion, cause: error });
  switch (code) {
    case "EACCES":
    case "EPERM":
      return new PromptSyncError("ACCESS_DENIED", `${cannot}: permission denied (${code})`, options(
        `Give this user read and write access to the registry folder ${root} and everything in it, or use another folder.`,
      ));
    case "EROFS":
      return new PromptSyncError("REGISTRY_READ_ONLY", `${cannot}: the file system is read-only (${code})`, options(
        `Put the registry on a writable file system (it is ${root}), or write to an s3:// registry.`,
      ));
    case "ENOSPC":
    case "EDQUOT":
      return new PromptSyncError("FOLDER_ERROR", `${cannot}: ${code === "ENOSPC" ? "no space left on the device" : "the disk quota is used up"} (${code})`, options(
        `Free space on the disk that holds ${root}, then run the command again.`,
      ));
    case "ENOTDIR":
    case "EEXIST":
      return new PromptSyncError("FOLDER_ERROR", `${cannot}: a file is where the registry needs a folder (${code})`, options(
        `The registry folder ${root}, or a folder below it, is a file: move that file away or use another registry folder.`,
      ));
    case "EISDIR":
      return new PromptSyncError("FOLDER_ERROR", `${cannot}: a folder is where the registry needs a file (${code})`, options(
        `Move that folder out of the registry folder ${root}.`,
      ));
    default:
      return new PromptSyncError("FOLDER_ERROR", `${cannot}: ${code} (${failure.syscall})`, options(
        `Check the registry folder ${root} and the disk that holds it.`,
      ));
  }
}
