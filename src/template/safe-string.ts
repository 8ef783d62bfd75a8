import nunjucks from "nunjucks";

interface SafeStringInstance {
  readonly val: string;
  readonly length: number;
}

/** nunjucks' marker for text that is not escaped: macro output, `safe`. Its filters test for this class. */
export const SafeString = (nunjucks as unknown as { runtime: { SafeString: new (value: string) => SafeStringInstance } }).runtime
  .SafeString;
export type SafeString = SafeStringInstance;
