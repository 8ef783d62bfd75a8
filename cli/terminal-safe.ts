/**
 * What a terminal would act on instead of printing: ESC sequences (CSI such as `ESC[2J`; OSC, DCS, SOS, PM and APC
 * strings up to BEL or ST, such as `ESC]0;title BEL`; two-character escapes), then any control character left: C0
 * except newline and tab, DEL and C1. An unterminated string loses only its introducer, so no text is hidden.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /\u001b(?:\[[0-?]*[ -/]*[@-~]|[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)|[ -/]*[0-~])|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * `text` with nothing a terminal would act on: for every string that comes from data (prompts, registry objects,
 * telemetry, error messages that quote them) before it is printed. JSON output is left as JSON.stringify writes it.
 */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, "");
}

/** `value` with terminalSafe applied to every string inside it, for data that a formatter will print. */
export function terminalSafeValue<T>(value: T): T {
  if (typeof value === "string") return terminalSafe(value) as T;
  if (Array.isArray(value)) return value.map(terminalSafeValue) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [terminalSafe(k), terminalSafeValue(v)])) as T;
  }
  return value;
}
