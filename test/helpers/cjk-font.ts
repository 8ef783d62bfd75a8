import { execFileSync } from "node:child_process";
import type { Locator, Page } from "playwright-core";
import { requireComponent } from "./requirements.ts";

function cjkFontInstalled(): boolean {
  try {
    return /Noto Sans CJK/i.test(execFileSync("fc-list", [":lang=zh", "family"], { encoding: "utf8" }));
  } catch {
    return false;
  }
}

export function requireCjkFont(): boolean {
  return requireComponent("Debian's fonts-noto-cjk", cjkFontInstalled(), "fc-list finds no Noto Sans CJK font (apt-get install fonts-noto-cjk; .ci/run installs it)");
}

export interface DrawnFont {
  familyName: string;
  glyphCount: number;
}

/**
 * The fonts chromium actually drew an element's own text with, and how many glyphs each drew, as its DevTools
 * protocol reports them: a font the CSS names but the machine lacks, or a missing glyph drawn as a box, cannot pass
 * for a real one here, as it could when comparing text widths or asking document.fonts.
 */
export async function fontsDrawing(page: Page, element: Locator): Promise<DrawnFont[]> {
  const session = await page.context().newCDPSession(page);
  try {
    await session.send("DOM.enable");
    await session.send("CSS.enable");
    await element.evaluate((node) => node.setAttribute("data-drawn-fonts", ""));
    const { root } = await session.send("DOM.getDocument", { depth: 0 });
    const { nodeId } = await session.send("DOM.querySelector", { nodeId: root.nodeId, selector: "[data-drawn-fonts]" });
    const { fonts } = await session.send("CSS.getPlatformFontsForNode", { nodeId });
    return fonts.map((font) => ({ familyName: font.familyName, glyphCount: font.glyphCount }));
  } finally {
    await element.evaluate((node) => node.removeAttribute("data-drawn-fonts"));
    await session.detach();
  }
}
