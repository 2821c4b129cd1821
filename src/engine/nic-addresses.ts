/**
 * Simulated address space of packet buffers: port p's RX descriptor slots
 * start at NIC_BUFFER_BASE + p * NIC_BUFFER_SPAN (slot k of queue q at
 * + (q * rxRingSize + k) * SLOT_BYTES). NF state lives above (engine/datapath.ts).
 */
export const NIC_BUFFER_BASE = 2 ** 40;
export const NIC_BUFFER_SPAN = 2 ** 34;
