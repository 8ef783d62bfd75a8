// A version's variants as tabs, with the arrow keys moving between them; without the script each variant shows
// under its heading. For the prompt page's latest version and each version it loads.
export function enhanceVariantTabs(version: HTMLElement): void {
  for (const list of version.querySelectorAll<HTMLElement>("[role=tablist]")) {
    const tabs = [...list.querySelectorAll<HTMLButtonElement>("[role=tab]")];
    const select = (tab: HTMLButtonElement) => {
      for (const t of tabs) {
        const on = t === tab;
        t.setAttribute("aria-selected", String(on));
        t.tabIndex = on ? 0 : -1;
        document.getElementById(t.getAttribute("aria-controls")!)!.hidden = !on;
      }
    };
    list.hidden = false;
    for (const panel of list.parentElement!.querySelectorAll(".variant-heading")) panel.classList.add("visually-hidden");
    select(tabs[0]!);
    list.addEventListener("click", (event) => {
      const tab = (event.target as HTMLElement).closest<HTMLButtonElement>("[role=tab]");
      if (tab) select(tab);
    });
    list.addEventListener("keydown", (event) => {
      const at = tabs.indexOf(document.activeElement as HTMLButtonElement);
      if (at < 0 || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) return;
      const next = tabs[(at + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length]!;
      select(next);
      next.focus();
      event.preventDefault();
    });
  }
}
