// A table box that scrolls sideways must be reachable by keyboard, or its hidden columns are out of reach (WCAG
// 2.1.1; axe's scrollable-region-focusable). Each box that overflows becomes a focusable region named after its
// table's caption or the heading before it; boxes that fit stay out of the tab order. A box hidden at load (another
// version of a prompt) or whose table grows later is measured again when its size changes, and a box a script adds
// (the compare's tables) when it arrives.
const BOXES = ".scroll, .table-wrap";

function nameOf(box: Element): string {
  const caption = box.querySelector("caption, figcaption")?.textContent?.trim();
  if (caption) return caption;
  for (let at: Element | null = box; at && at !== document.body; at = at.parentElement) {
    for (let before = at.previousElementSibling; before; before = before.previousElementSibling) {
      if (/^H[1-6]$/.test(before.tagName)) return before.textContent?.trim() || "Table";
    }
  }
  return "Table";
}

function update(box: HTMLElement): void {
  if (box.scrollWidth > box.clientWidth) {
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", nameOf(box));
  } else {
    box.removeAttribute("tabindex");
    box.removeAttribute("role");
    box.removeAttribute("aria-label");
  }
}

const resized = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const box = entry.target.closest<HTMLElement>(BOXES);
    if (box) update(box);
  }
});
function watch(box: HTMLElement): void {
  update(box);
  resized.observe(box);
  if (box.firstElementChild) resized.observe(box.firstElementChild);
}

document.querySelectorAll<HTMLElement>(BOXES).forEach(watch);
new MutationObserver((records) => {
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (!(node instanceof HTMLElement)) continue;
      if (node.matches(BOXES)) watch(node);
      node.querySelectorAll<HTMLElement>(BOXES).forEach(watch);
    }
  }
}).observe(document.body, { childList: true, subtree: true });
