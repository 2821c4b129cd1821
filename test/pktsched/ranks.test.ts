import { describe, expect, it } from 'vitest';
import { EMPTY, EdfSlackRank, FlowPriorityRank, PfabricRank, PifoScheduler, StfqRank, fifoArrivalRank } from '../../src/pktsched/index.js';
import { ETHERTYPE_IPV4, IP_PROTO_TCP, IP_PROTO_UDP, TCP_ACK, writeEthernet, writeIpv4Header, writeTcpHeader, writeUdpHeader } from '../../src/packet/headers.js';

/** A real Ethernet/IPv4/TCP frame with `payloadBytes` of payload at TCP sequence `seq`. */
function tcpFrame(seq: number, payloadBytes: number): Uint8Array {
  const buf = new Uint8Array(14 + 20 + 20 + payloadBytes);
  let off = writeEthernet(buf, 0, 0x020000000002, 0x020000000001, ETHERTYPE_IPV4);
  off += writeIpv4Header(buf, off, 0, 20 + 20 + payloadBytes, 1, 0, 64, IP_PROTO_TCP, 0x0a000001, 0x0a000002);
  writeTcpHeader(buf, off, 40000, 80, seq, 0, TCP_ACK, 65535);
  return buf;
}

describe('PfabricRank', () => {
  it('ranks a 3-packet flow of 3000 B (payload 1460) 3000, 1540, 80, across a sequence wrap', () => {
    const isn = 0xffffff00; // the second packet's sequence number wraps past 2^32
    const pf = new PfabricRank(4);
    pf.setFlow(2, 3000, isn);
    const frames = [tcpFrame(isn, 1460), tcpFrame((isn + 1460) >>> 0, 1460), tcpFrame((isn + 2920) >>> 0, 80)];
    expect(frames.map((f) => pf.rankOf(f, 0, f.length, 2))).toEqual([3000, 1540, 80]);
    // A retransmission of the second packet carries its own sequence's rank.
    expect(pf.rankOf(frames[1]!, 0, frames[1]!.length, 2)).toBe(1540);
  });

  it('gives NaN for an undeclared flow or a non-TCP frame, 0 past the end', () => {
    const pf = new PfabricRank(4);
    const f = tcpFrame(100, 10);
    expect(pf.rankOf(f, 0, f.length, 1)).toBeNaN();
    expect(pf.rankOf(f, 0, f.length, 9)).toBeNaN();
    pf.setFlow(1, 50, 0);
    expect(pf.rankOf(f, 0, f.length, 1)).toBe(0);
    const udp = new Uint8Array(14 + 20 + 8);
    writeEthernet(udp, 0, 2, 1, ETHERTYPE_IPV4);
    writeIpv4Header(udp, 14, 0, 28, 1, 0, 64, IP_PROTO_UDP, 1, 2);
    writeUdpHeader(udp, 34, 1, 2, 8);
    expect(pf.rankOf(udp, 0, udp.length, 1)).toBeNaN();
  });
});

describe('StfqRank', () => {
  it('A1 -> 0, A2 -> 1, B1 -> 0; a PIFO serves A1, B1, A2; then V = 1 and B2 -> 1', () => {
    const A = 0, B = 1;
    const st = new StfqRank(2, 1);
    const pifo = new PifoScheduler({ capacity: 8 });
    const a1 = st.rankOf(A, 0, 1);
    const a2 = st.rankOf(A, 0, 1);
    const b1 = st.rankOf(B, 0, 1);
    expect([a1, a2, b1]).toEqual([0, 1, 0]);
    pifo.enqueue(101, a1, 0);
    pifo.enqueue(102, a2, 0);
    pifo.enqueue(201, b1, 0);
    const order: number[] = [];
    for (let h = pifo.dequeue(); h !== EMPTY; h = pifo.dequeue()) {
      order.push(h);
      st.onDequeue(0, pifo.lastDequeuedRank);
    }
    expect(order).toEqual([101, 201, 102]);
    expect(st.virtualTime[0]).toBe(1);
    expect(st.rankOf(B, 0, 1)).toBe(1); // max(V = 1, F_B = 1)
  });

  it('keeps one virtual clock per tenant, honours weights, and rolls back a drop', () => {
    const st = new StfqRank(4, 2);
    st.setWeight(0, 2);
    st.onDequeue(1, 500); // tenant 1's clock moves...
    expect(st.rankOf(0, 0, 100)).toBe(0); // ...tenant 0's does not
    expect(st.rankOf(0, 0, 100)).toBe(50); // len / w = 100 / 2
    st.onDrop(0, 100);
    expect(st.rankOf(0, 0, 100)).toBe(50); // the dropped packet's tag is reused
    expect(st.rankOf(3, 1, 10)).toBe(500); // a new flow of tenant 1 starts at its V
  });
});

describe('EdfSlackRank, FlowPriorityRank, fifoArrivalRank', () => {
  it('EDF ranks by slack in µs, late packets at 0', () => {
    const edf = new EdfSlackRank(2, 2000); // 2 GHz
    edf.setFlow(0, 10_000); // 5 µs relative deadline
    expect(edf.rankOf(0, 1000, 3000)).toBe(4); // 8000 cycles of slack
    expect(edf.rankOf(0, 1000, 20_000)).toBe(0);
    expect(edf.rankOf(1, 0, 0)).toBeNaN(); // no deadline declared
    expect(() => new EdfSlackRank(0, 0)).toThrow(/maxFlows .*; cyclesPerUs/);
  });

  it('constant per-flow priority and arrival-time FIFO', () => {
    const pr = new FlowPriorityRank(3, 7);
    pr.setFlow(1, 2);
    expect([pr.rankOf(0), pr.rankOf(1), pr.rankOf(5)]).toEqual([7, 2, NaN]);
    expect(fifoArrivalRank(1234)).toBe(1234);
  });
});
