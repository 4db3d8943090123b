/** ARIA tabs: a click on a tab shows its panel (named by aria-controls) and hides the others. */
export function setUpTabs(tabs: readonly HTMLButtonElement[]): void {
  const panelOf = (tab: HTMLButtonElement): HTMLElement => {
    const id = tab.getAttribute('aria-controls');
    const panel = id ? document.getElementById(id) : null;
    if (!panel) throw new Error(`tab #${tab.id}: no panel #${id}`);
    return panel;
  };
  for (const tab of tabs) {
    tab.addEventListener('click', () => {
      for (const other of tabs) {
        other.setAttribute('aria-selected', String(other === tab));
        panelOf(other).hidden = other !== tab;
      }
    });
  }
}
