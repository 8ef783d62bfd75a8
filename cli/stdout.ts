// The command's output, written to file descriptor 1 itself: process.stdout would set up a stream (for a pipe, the
// whole net module) to print a few lines, a few milliseconds of a short command (issue 15). A non-blocking pipe
// that is full (EAGAIN) takes the rest, and every later write, through process.stdout, so the order is kept and
// the exit waits for it. A reader that went away (`| head`) gets nothing more; that is not an error.
const fs = process.getBuiltinModule("node:fs");

let throughStream = false;
let readerGone = false;

export function writeStdout(text: string): void {
  if (readerGone) return;
  if (throughStream) {
    process.stdout.write(text);
    return;
  }
  let bytes = Buffer.from(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(fs.writeSync(1, bytes));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EPIPE") {
      readerGone = true;
      return;
    }
    if (code !== "EAGAIN") throw error;
    throughStream = true;
    process.stdout.on("error", (streamError: NodeJS.ErrnoException) => {
      if (streamError.code !== "EPIPE") throw streamError;
      readerGone = true;
    });
    process.stdout.write(bytes);
  }
}
