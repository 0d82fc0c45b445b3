type Attributes = Record<string, string | number | boolean | ((event: Event) => void)>;

/** A small element builder: attributes (`on…` are listeners), then children. */
export const h = (
  tag: string,
  attributes: Attributes = {},
  ...children: Array<Node | string | null>
): HTMLElement => {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value !== false) element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null) element.append(child);
  return element;
};

export const time = (iso: string | null): string =>
  iso === null ? '' : new Date(iso).toLocaleTimeString([], { hour12: false });
