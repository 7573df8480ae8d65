/** `host:port` or `[v6]:port` for `http.listen`; port 0 lets the system choose one. */
export function parseListen(listen: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(listen);
  if (!m) return undefined;
  const port = Number(m[3]);
  const host = m[1] ?? m[2];
  return host !== undefined && port <= 65535 ? { host, port } : undefined;
}
