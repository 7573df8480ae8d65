/**
 * The preview beside the editor: a sandboxed frame (no scripts, no same origin) showing the
 * draft as the chosen customer would get it, a desktop/phone width toggle, and a test send.
 */
import { call, el } from './api.js';
import { customerPicker, type CustomerOption } from './picker.js';

export interface DraftBody {
  name: string;
  locale: string;
  subject: string;
  html: string;
  text: string;
}

interface PreviewReply {
  /** The GET route serving the rendered HTML with the sandbox CSP. */
  url: string;
  subject: string;
  customer: CustomerOption | null;
  event: { id: string; type: string; occurredAt: number } | null;
  warnings: string[];
}

const WIDTHS = { desktop: '100%', phone: '375px' } as const;

export class PreviewPane {
  readonly element: HTMLElement;
  private readonly frame = el('iframe', {
    sandbox: '',
    title: 'Preview of the message',
    class: 'editor-frame',
  });
  private readonly caption = el('p', { class: 'editor-preview-caption', 'aria-live': 'polite' });
  private readonly sendStatus = el('p', { class: 'editor-send-status', 'aria-live': 'polite' });
  private customer: CustomerOption | null = null;
  private seq = 0;

  constructor(
    private readonly base: string,
    private readonly draft: () => DraftBody,
  ) {
    const picker = customerPicker(base, (c) => {
      this.customer = c;
      void this.refresh();
    });
    this.element = el(
      'section',
      { class: 'editor-preview', 'aria-label': 'Preview' },
      picker,
      this.widthToggle(),
      this.caption,
      this.frame,
      this.testSendForm(),
    );
  }

  async refresh(): Promise<void> {
    const seq = ++this.seq;
    const body = { ...this.draft(), ...(this.customer ? { customerId: this.customer.id } : {}) };
    const result = await call<PreviewReply>(this.base, 'preview', body);
    if (seq !== this.seq) return; // a newer preview is on its way
    if (!result.ok) {
      this.caption.textContent = `Preview failed: ${result.error.message}`;
      return;
    }
    const { url, subject, customer, event, warnings } = result.value;
    this.frame.src = url;
    const who = customer
      ? [customer.first_name, customer.last_name].filter(Boolean).join(' ') || customer.email
      : 'sample data';
    const what = event ? `, ${event.type} ${event.id}` : '';
    const note =
      warnings.length > 0
        ? ` The draft has problems; the published version is shown where it cannot render.`
        : '';
    this.caption.textContent = `Subject: ${subject} (as ${who}${what}).${note}`;
  }

  private widthToggle(): HTMLElement {
    const group = el('div', { role: 'group', 'aria-label': 'Preview width' });
    for (const [name, width] of Object.entries(WIDTHS)) {
      const button = el(
        'button',
        { type: 'button', 'aria-pressed': String(name === 'desktop') },
        name === 'desktop' ? 'Desktop' : 'Phone',
      );
      button.addEventListener('click', () => {
        for (const b of group.querySelectorAll('button'))
          b.setAttribute('aria-pressed', String(b === button));
        this.frame.style.width = width; // CSSOM, which the console's CSP allows
      });
      group.append(button);
    }
    return group;
  }

  private testSendForm(): HTMLElement {
    const to = el('input', { type: 'email', id: 'editor-test-to', required: '', autocomplete: 'email' });
    const form = el(
      'form',
      { class: 'editor-test-send' },
      el('label', { for: 'editor-test-to' }, 'Send a test to'),
      to,
      el('button', { type: 'submit' }, 'Send test'),
      this.sendStatus,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.sendTest(to.value);
    });
    return form;
  }

  private async sendTest(to: string): Promise<void> {
    this.sendStatus.textContent = 'Sending…';
    const body = { to, ...this.draft(), ...(this.customer ? { customerId: this.customer.id } : {}) };
    const result = await call<{ subject: string; to: string }>(this.base, 'test-send', body);
    this.sendStatus.textContent = result.ok
      ? `Sent "${result.value.subject}" to ${result.value.to}.`
      : `Not sent: ${result.error.message}`;
  }
}
