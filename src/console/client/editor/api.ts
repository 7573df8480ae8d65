/** JSON calls to the editor's endpoints, with the page's CSRF token on every POST. */

export interface ApiError {
  status: number;
  code: string;
  message: string;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
}

export async function call<T>(
  base: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<ApiResult<T>> {
  const init: RequestInit = { credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (signal) init.signal = signal;
  if (body !== undefined) {
    init.method = 'POST';
    init.headers = { ...init.headers, 'content-type': 'application/json', 'x-csrf-token': csrfToken() };
    init.body = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(new URL(path, new URL(base, location.href)), init);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    return {
      ok: false,
      error: { status: 0, code: 'E_NETWORK', message: 'The server could not be reached.' },
    };
  }
  const json = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (response.ok) return { ok: true, value: json as T };
  return {
    ok: false,
    error: {
      status: response.status,
      code: json.error?.code ?? `HTTP_${response.status}`,
      message: json.error?.message ?? `The server answered ${response.status}.`,
    },
  };
}

/** Runs `fn` once `ms` have passed without another call. */
export function debounce(ms: number, fn: () => void): { (): void; flush(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    timer = undefined;
    fn();
  };
  const debounced = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
  debounced.flush = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      run();
    }
  };
  debounced.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return debounced;
}

/** A small element with attributes and children (text nodes for strings). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}
