/** Confirmation before a destructive submit, in a native modal dialog (focus trapped, Escape cancels). */

export function confirmSubmit(root: Document): void {
  const confirmed = new WeakSet<HTMLFormElement>();
  root.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const submitter = event.submitter;
    const message = submitter?.dataset.confirm ?? form.dataset.confirm;
    if (message === undefined) return;
    if (confirmed.has(form)) {
      confirmed.delete(form);
      return;
    }
    event.preventDefault();
    const label =
      submitter?.dataset.confirmLabel ?? form.dataset.confirmLabel ?? submitter?.textContent?.trim();
    void ask(root, message, label || 'Confirm').then((yes) => {
      if (!yes) return;
      confirmed.add(form);
      form.requestSubmit(
        submitter instanceof HTMLButtonElement || submitter instanceof HTMLInputElement ? submitter : null,
      );
    });
  });
}

function ask(root: Document, message: string, label: string): Promise<boolean> {
  const dialog = root.createElement('dialog');
  dialog.className = 'confirm-dialog';
  const text = root.createElement('p');
  text.id = 'confirm-dialog-message';
  text.textContent = message;
  dialog.setAttribute('aria-labelledby', text.id);
  const form = root.createElement('form');
  form.method = 'dialog';
  form.className = 'confirm-dialog-buttons';
  const cancel = button(root, 'Cancel', 'cancel', 'button button-secondary');
  const ok = button(root, label, 'ok', 'button button-danger');
  form.append(cancel, ok);
  dialog.append(text, form);
  root.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      dialog.remove();
    });
    dialog.showModal();
    cancel.focus();
  });
}

function button(root: Document, text: string, value: string, className: string): HTMLButtonElement {
  const b = root.createElement('button');
  b.type = 'submit';
  b.value = value;
  b.className = className;
  b.textContent = text;
  return b;
}
