/**
 * A small authoritative DNS server on 127.0.0.1 (UDP, dns-packet) answering from a zone the test
 * gives: TXT and MX records by name; any other name is NXDOMAIN. Point RAPPORT_DNS at `address`.
 */
import { createSocket, type Socket } from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface Zone {
  [name: string]: { TXT?: string[][]; MX?: Array<{ preference: number; exchange: string }> };
}

export interface DnsServer {
  /** 127.0.0.1:PORT */
  address: string;
  zone: Zone;
  close(): Promise<void>;
}

export async function startDnsServer(zone: Zone): Promise<DnsServer> {
  const socket: Socket = createSocket('udp4');
  const server: DnsServer = {
    address: '',
    zone,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (message, remote) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    const entry = server.zone[name];
    const answers: dnsPacket.Answer[] = [];
    if (entry && question.type === 'TXT') {
      for (const chunks of entry.TXT ?? [])
        answers.push({ type: 'TXT', name: question.name, ttl: 60, data: chunks });
    }
    if (entry && question.type === 'MX') {
      for (const mx of entry.MX ?? []) answers.push({ type: 'MX', name: question.name, ttl: 60, data: mx });
    }
    const reply = dnsPacket.encode({
      id: query.id,
      type: 'response',
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (entry ? 0 : 3),
      questions: query.questions,
      answers,
    });
    socket.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  server.address = `127.0.0.1:${socket.address().port}`;
  return server;
}
