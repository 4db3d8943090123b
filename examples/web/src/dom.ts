/** The element with this id, of the expected type: a page that lacks it fails loudly, naming it. */
export function byId<T extends HTMLElement>(id: string, type: { new (): T; readonly name?: string }): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`index.html: #${id} is missing or not a ${type.name ?? 'the expected element'}`);
  return el;
}

/** Fills a `<dl>` with term/value pairs (the timings under a result). */
export function fillDefinitions(list: HTMLDListElement, pairs: ReadonlyArray<readonly [string, string]>): void {
  list.replaceChildren(
    ...pairs.flatMap(([term, value]) => {
      const dt = document.createElement('dt');
      const dd = document.createElement('dd');
      dt.textContent = term;
      dd.textContent = value;
      return [dt, dd];
    }),
  );
}
