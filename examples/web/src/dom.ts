/** The element with this id, of the expected type: a page that lacks it fails loudly, naming it. */
export function byId<T extends HTMLElement>(id: string, type: { new (): T; readonly name?: string }): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`index.html: #${id} is missing or not a ${type.name ?? 'the expected element'}`);
  return el;
}
