/**
 * "Preview as" customer picker: a combobox that searches as you type (GET customers?q=) and
 * lists matches in a listbox driven by the keyboard as well as the mouse.
 */
import { call, debounce, el } from './api.js';

export interface CustomerOption {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
}

function label(c: CustomerOption): string {
  const name = [c.first_name, c.last_name].filter(Boolean).join(' ');
  return name === '' ? c.email : `${name} <${c.email}>`;
}

export function customerPicker(base: string, onPick: (customer: CustomerOption | null) => void): HTMLElement {
  const listId = 'editor-customers-list';
  const input = el('input', {
    type: 'search',
    id: 'editor-customer',
    role: 'combobox',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': listId,
    autocomplete: 'off',
    placeholder: 'Name or email',
  });
  const list = el('ul', { id: listId, role: 'listbox', 'aria-label': 'Customers', hidden: '' });
  let options: CustomerOption[] = [];
  let active = -1;
  let inFlight: AbortController | undefined;

  const show = (found: CustomerOption[]) => {
    options = found;
    active = -1;
    list.replaceChildren(
      ...found.map((c, i) => {
        const item = el('li', { role: 'option', id: `${listId}-${i}`, 'aria-selected': 'false' }, label(c));
        item.addEventListener('mousedown', (e) => {
          e.preventDefault();
          choose(i);
        });
        return item;
      }),
    );
    list.hidden = found.length === 0;
    input.setAttribute('aria-expanded', String(found.length > 0));
  };
  const highlight = (i: number) => {
    active = (i + options.length) % options.length;
    [...list.children].forEach((child, j) => child.setAttribute('aria-selected', String(j === active)));
    input.setAttribute('aria-activedescendant', `${listId}-${active}`);
  };
  const choose = (i: number) => {
    const picked = options[i];
    if (!picked) return;
    input.value = label(picked);
    show([]);
    input.removeAttribute('aria-activedescendant');
    onPick(picked);
  };
  const lookUp = async () => {
    const q = input.value.trim();
    inFlight?.abort();
    if (q === '') {
      show([]);
      onPick(null);
      return;
    }
    inFlight = new AbortController();
    try {
      const result = await call<{ customers: CustomerOption[] }>(
        base,
        `customers?q=${encodeURIComponent(q)}`,
        undefined,
        inFlight.signal,
      );
      show(result.ok ? result.value.customers : []);
    } catch {
      // Aborted by a newer search.
    }
  };
  const search = debounce(250, () => void lookUp());
  input.addEventListener('input', search);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && options.length > 0) highlight(active + 1);
    else if (e.key === 'ArrowUp' && options.length > 0) highlight(active - 1);
    else if (e.key === 'Enter' && active >= 0) choose(active);
    else if (e.key === 'Escape') show([]);
    else return;
    e.preventDefault();
  });
  input.addEventListener('blur', () => show([]));
  return el(
    'div',
    { class: 'editor-picker' },
    el('label', { for: 'editor-customer' }, 'Preview as'),
    input,
    list,
  );
}
