/** Forms that submit themselves: filters on change, search as the person types. */

const TYPING_PAUSE_MS = 300;

export function autosubmit(root: Document): void {
  const timers = new WeakMap<HTMLFormElement, number>();
  const formOf = (target: EventTarget | null): HTMLFormElement | null => {
    if (!(target instanceof HTMLInputElement || target instanceof HTMLSelectElement)) return null;
    return target.form?.hasAttribute('data-autosubmit') ? target.form : null;
  };
  root.addEventListener('change', (event) => {
    const form = formOf(event.target);
    // Text fields were already sent while typing.
    if (form && !isTyped(event.target)) void submit(form);
  });
  root.addEventListener('input', (event) => {
    const form = formOf(event.target);
    if (!form || !isTyped(event.target)) return;
    window.clearTimeout(timers.get(form));
    timers.set(
      form,
      window.setTimeout(() => void submit(form), TYPING_PAUSE_MS),
    );
  });
  // After a full reload the search field keeps its place: caret at the end of what was typed.
  const focused = root.querySelector<HTMLInputElement>('form[data-autosubmit] input[autofocus]');
  if (focused && isTyped(focused)) focused.setSelectionRange(focused.value.length, focused.value.length);
}

function isTyped(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement && ['search', 'text', 'email', 'tel'].includes(target.type);
}

let latest = 0;

async function submit(form: HTMLFormElement): Promise<void> {
  const targetId = form.dataset.autosubmitTarget;
  if (!targetId || form.method.toLowerCase() !== 'get') {
    form.requestSubmit();
    return;
  }
  const url = new URL(form.action, window.location.href);
  url.search = new URLSearchParams(new FormData(form) as unknown as Record<string, string>).toString();
  const mine = ++latest;
  const res = await fetch(url, { headers: { Accept: 'text/html' }, credentials: 'same-origin' });
  // A slower answer to an earlier keystroke must not replace a newer one.
  if (mine !== latest) return;
  if (!res.ok) {
    window.location.assign(url);
    return;
  }
  const page = new DOMParser().parseFromString(await res.text(), 'text/html');
  const fresh = page.getElementById(targetId);
  const current = document.getElementById(targetId);
  if (!fresh || !current) {
    window.location.assign(url);
    return;
  }
  current.replaceWith(document.importNode(fresh, true));
  window.history.replaceState(null, '', url);
}
